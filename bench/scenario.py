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


BASELINE = Page("Bare view (baseline)", "/ping/")
PAGES = [
    BASELINE,
    Page("Partner directory, visitor", f"/p/{PARTNERSHIP}/partners/"),
    Page("Partner directory, visitor, partners in Italy", f"/p/{PARTNERSHIP}/partners/?role=partner&country=IT"),
]


def measured_pages(*, florence: str, large: str, area_id: int) -> list[Page]:
    """Every page wrk measures, the baseline first, given the generated meetings' ids and a priority area's id."""
    long_list = f"/actions/p/{ACTIONS_PARTNERSHIP}/"
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
    ]
