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
    # A signed-in page held to issue 13's target: a share of the visitor's meeting page's throughput.
    signed_in_target: bool = False


@dataclass(frozen=True)
class SignedIn:
    """The signed-in users' session cookies, and what the data generated for their pages."""

    coordinator: str  # a coordinator of the generated long list's partnership, for the admin
    partner: str  # the demo's partner
    manager: str  # a coordinator of the demo partnership, which holds the crowded meeting
    reader: str  # a partner of the demo partnership with many notifications
    few_reader: str  # one with a few
    crowded: str  # the id of the meeting with many invitees
    invitees: int
    notifications: int


BASELINE = Page("Bare view (baseline)", "/ping/")
# The visitor's page that the signed-in pages are held to (issue 13: at least 0.75 of its req/s in the same run).
MEETING_VISITOR = "Meeting page, 25 agenda items, visitor"
SIGNED_IN_TARGET = 0.75
FEW_NOTIFICATIONS = 3
PAGES = [
    BASELINE,
    Page("Partner directory, visitor", f"/p/{PARTNERSHIP}/partners/"),
    Page("Partner directory, visitor, partners in Italy", f"/p/{PARTNERSHIP}/partners/?role=partner&country=IT"),
]


def signed_in_pages(*, florence: str, signed_in: SignedIn) -> list[Page]:
    """The partner's pages held to the target, and the pages that list many rows (their queries counted too)."""
    partner = signed_in.partner
    return [
        Page("Meeting page, 25 agenda items, partner", f"/meetings/{florence}/", partner, signed_in_target=True),
        Page("Partner's home, partner", "/", partner, signed_in_target=True),
        Page("Action long list, partner", f"/actions/p/{PARTNERSHIP}/", partner, signed_in_target=True),
        Page(
            f"Manage page of a meeting with {signed_in.invitees} invitees, coordinator",
            f"/meetings/{signed_in.crowded}/manage/",
            signed_in.manager,
        ),
        Page(
            f"Notifications page of a user with {signed_in.notifications} notifications",
            "/notifications/",
            signed_in.reader,
        ),
    ]


def small_counterparts(*, florence: str, signed_in: SignedIn) -> dict[str, Page]:
    """The pages of many rows at a small size, by the large one's label: their queries must be the same."""
    crowded, notifications = signed_in_pages(florence=florence, signed_in=signed_in)[-2:]
    return {
        crowded.label: Page(
            "Manage page of the meeting with 40 registrations", f"/meetings/{florence}/manage/", signed_in.manager
        ),
        notifications.label: Page(
            f"Notifications page of a user with {FEW_NOTIFICATIONS} notifications",
            "/notifications/",
            signed_in.few_reader,
        ),
    }


def measured_pages(*, florence: str, large: str, area_id: int, signed_in: SignedIn) -> list[Page]:
    """Every page wrk measures, the baseline first, given the generated meetings' ids, a priority area's id and
    the signed-in users; the signed-in pages follow the visitor's meeting page, so that they run close to it."""
    long_list = f"/actions/p/{ACTIONS_PARTNERSHIP}/"
    changelist = "/admin/actions/action/"
    coordinator_cookie = signed_in.coordinator
    return [
        *PAGES,
        Page(MEETING_VISITOR, f"/meetings/{florence}/"),
        *signed_in_pages(florence=florence, signed_in=signed_in),
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
