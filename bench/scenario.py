"""What is measured: the partnerships and search words the data and pages are about, and the pages in their order."""

from __future__ import annotations

from dataclasses import dataclass

PARTNERSHIP = "security"
# The generated long lists (`manage.py generate_actions`): the measured one is bench-1, a 20th of them.
ACTIONS_PARTNERSHIP = "bench-1"
SELECTIVE_WORD = "Faenza"
COMMON_WORD = "security"


@dataclass(frozen=True)
class Page:
    label: str
    path: str
    cookie: str = ""  # a signed-in user's session cookie, `name=value`, for pages behind the login


BASELINE = Page("Bare view (baseline)", "/ping/")
PAGES = [
    BASELINE,
    Page("Partner directory, visitor", f"/p/{PARTNERSHIP}/partners/"),
    Page("Partner directory, visitor, partners in Italy", f"/p/{PARTNERSHIP}/partners/?role=partner&country=IT"),
]


def measured_pages(*, florence: str, large: str, area_id: int, coordinator_cookie: str) -> list[Page]:
    """Every page wrk measures, the baseline first, given the generated meetings' ids, a priority area's id and
    the session cookie of a coordinator of the generated long list's partnership."""
    long_list = f"/actions/p/{ACTIONS_PARTNERSHIP}/"
    changelist = "/admin/actions/action/"
    return [
        *PAGES,
        Page("Meeting page, 25 agenda items, visitor", f"/meetings/{florence}/"),
        Page("Meeting page, 365 agenda items, visitor", f"/meetings/{large}/"),
        Page("Action long list, visitor", f"/actions/p/{PARTNERSHIP}/"),
        Page("Action Plan, visitor", f"/actions/p/{PARTNERSHIP}/plan/"),
        Page("Generated long list, visitor", long_list),
        Page(
            "Generated long list, visitor, one priority area, adopted",
            f"{long_list}?priority_area={area_id}&state=adopted",
        ),
        Page(
            f"Generated long list, visitor, searched for a selective word ({SELECTIVE_WORD})",
            f"{long_list}?q={SELECTIVE_WORD}",
        ),
        Page(
            f"Generated long list, visitor, searched for a common word ({COMMON_WORD})", f"{long_list}?q={COMMON_WORD}"
        ),
        Page("Admin action changelist, coordinator", changelist, coordinator_cookie),
        Page(
            "Admin action changelist, coordinator, one priority area, adopted",
            f"{changelist}?priority_area__id__exact={area_id}&state__exact=adopted",
            coordinator_cookie,
        ),
        Page(
            f"Admin action changelist, coordinator, searched for a selective word ({SELECTIVE_WORD})",
            f"{changelist}?q={SELECTIVE_WORD}",
            coordinator_cookie,
        ),
        Page(
            f"Admin action changelist, coordinator, searched for a common word ({COMMON_WORD})",
            f"{changelist}?q={COMMON_WORD}",
            coordinator_cookie,
        ),
    ]
