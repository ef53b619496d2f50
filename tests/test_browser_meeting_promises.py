"""A Riga meeting in a real browser: the partner reads the venue's clock on every page; a coordinator gives a
waitlisted person a place by hand, first forgetting the reason. Each page passes axe with no console error."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect
from test_browser_foundation import log_in, on_desktop

from meetings import services
from meetings.models import Meeting, Registration, RegistrationChange
from partnership.demo import load_partner_records
from partnership.models import OutboundMessage, Person

RIGA = zoneinfo.ZoneInfo("Europe/Riga")
WHEN = "Thursday 11 February 2027, 10:00 – Friday 12 February 2027, 17:00"


def riga_meeting(records: dict[str, Any], coordinator: Any) -> Meeting:
    """Two days in Riga from 10:00 (09:00 in Brussels, the server's zone), two places, four registered
    in turn: the partner and one other get the places, two wait."""
    start = dt.datetime(2027, 2, 11, 10, 0, tzinfo=RIGA)
    meeting = services.meeting_create(
        by=coordinator,
        partnership=records["security"],
        title="Partnership meeting, Riga",
        venue="Riga City Council",
        city="Riga",
        country="LV",
        timezone="Europe/Riga",
        starts_at=start,
        ends_at=start + dt.timedelta(days=1, hours=7),
        registration_deadline=dt.datetime(2027, 1, 28, 0, 0, tzinfo=RIGA),
        capacity=2,
        is_public=True,
    )
    services.meeting_transition(meeting=meeting, to_state=Meeting.State.REGISTRATION_OPEN, by=coordinator)
    others = (
        Person.objects.filter(organisation__memberships__partnership=records["security"])
        .exclude(email="partner@helsinki.example")
        .exclude(user__username="coordinator")
        .order_by("pk")[:3]
    )
    for person in [records["people"]["partner@helsinki.example"], *others]:
        registration = services.registration_for_member(meeting=meeting, person=person, by=None)
        services.registration_submit(
            registration=registration,
            by=None,
            days=[day.isoformat() for day in meeting.days],
            site_visit=False,
            dietary_needs="",
            accessibility_needs="",
            consent_participant_list=True,
        )
    return meeting


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_riga_meeting_reads_riga_time_and_a_coordinator_gives_a_place_by_hand(
    live_server: Any, chromium_available: None, page: Page
) -> None:
    records = load_partner_records()
    coordinator = get_user_model().objects.get(username="coordinator")
    meeting = riga_meeting(records, coordinator)
    first, second = meeting.registrations.filter(state=Registration.State.WAITLISTED).order_by("registered_at", "pk")
    base = live_server.url
    console, audit = on_desktop(page)

    log_in(page, base, "partner")
    page.goto(f"{base}/meetings/{meeting.pk}/")
    expect(page.get_by_text(WHEN)).to_be_visible()
    expect(page.get_by_text("Wednesday 27 January 2027, 23:00")).to_have_count(0)
    expect(page.get_by_text("Thursday 28 January 2027, 00:00")).to_be_visible()
    audit("Riga meeting page")
    page.goto(f"{base}/meetings/{meeting.pk}/register/")
    expect(page.get_by_text(f"{WHEN} (Europe/Riga time)")).to_be_visible()
    audit("Riga registration page")
    page.get_by_role("button", name="Log out").click()

    log_in(page, base, "coordinator")
    page.goto(f"{base}/meetings/{meeting.pk}/manage/")
    expect(page.get_by_text(f"{WHEN} (Europe/Riga time)")).to_be_visible()
    waitlist = page.get_by_role("region", name="Waitlist")
    expect(waitlist.get_by_role("row")).to_have_count(3)  # the header and two people, in order
    expect(waitlist.get_by_role("row").nth(1)).to_contain_text(first.person.name)
    audit("manage page with a waitlist")

    give = waitlist.get_by_role("button", name=f"Give a place {second.person.name}")
    give.click()
    expect(page.get_by_role("alert")).to_have_text(
        f"{second.person.name}: Say why this person gets a place; it is kept in the history."
    )
    expect(page.get_by_label(f"Why {second.person.name} gets a place")).to_have_attribute("aria-invalid", "true")
    audit("a place without a reason")
    page.get_by_label(f"Why {second.person.name} gets a place").fill("Presents the Riga pilot")
    waitlist.get_by_role("button", name=f"Give a place {second.person.name}").click()

    expect(page.locator(".messages")).to_have_text(f"{second.person.name} has a place and is told by e-mail.")
    expect(waitlist.get_by_role("row")).to_have_count(2)
    counts = page.get_by_role("region", name="Registrations")
    expect(counts.get_by_role("row", name="Registered")).to_have_text(re.compile(r"Registered\s*3"))
    audit("manage page after the place is given")
    assert console.take() == []
    change = RegistrationChange.objects.filter(registration=second).latest("pk")
    assert (change.to_state, change.reason, change.by) == (
        Registration.State.REGISTERED,
        "Presents the Riga pilot",
        coordinator,
    )
    promoted = OutboundMessage.objects.filter(key__startswith=f"meeting:{meeting.pk}:promoted:")
    assert list(promoted.values_list("to_email", flat=True)) == [second.person.email]
    assert f"When: {WHEN} (Europe/Riga time)" in promoted.get().body_text
