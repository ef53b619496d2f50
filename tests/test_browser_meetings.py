"""Meetings in a real browser: a partner answers an invitation by its personal link, a coordinator
checks people in on a phone.

Each page is checked with axe and must log no console error (Chromium logs CSP violations as
errors). Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import Browser, Page, expect
from test_browser_foundation import DESKTOP, PHONE, Console, make_audit, on_desktop, screenshot

from meetings import services
from meetings.demo import load_meetings
from meetings.models import Meeting, Registration
from partnership.demo import load_partner_records
from partnership.models import OutboundMessage
from partnership.tests.second_factor import browser_log_in

ROME = zoneinfo.ZoneInfo("Europe/Rome")
PERSONAL_LINK = re.compile(r"https?://\S+?(/meetings/r/[^/\s]+/)")
FAENZA_PEOPLE = [
    "jlopez@madrid.example",
    "elaurent@efus.example",
    "gbianchi@toscana.example",
    "pjanssens@mechelen.example",
    "mdupont@eib.example",
]


def faenza_meeting(records: dict[str, Any], coordinator: Any) -> Meeting:
    """A future in-person meeting like Florence's, with registration open and a few people registered."""
    day = timezone.localdate() + dt.timedelta(days=20)
    meeting = services.meeting_create(
        by=coordinator,
        partnership=records["security"],
        title="Fifth partnership meeting, Faenza",
        number=5,
        description="Hosted in Faenza: the draft actions, and how partners will lead them.",
        venue="Palazzo del Podestà",
        address="Piazza del Popolo 31",
        city="Faenza",
        country="IT",
        timezone="Europe/Rome",
        starts_at=dt.datetime(day.year, day.month, day.day, 9, 30, tzinfo=ROME),
        ends_at=dt.datetime(day.year, day.month, day.day, 17, 0, tzinfo=ROME) + dt.timedelta(days=1),
        registration_deadline=dt.datetime(day.year, day.month, day.day, 23, 59, tzinfo=ROME) - dt.timedelta(days=5),
        capacity=40,
        is_public=True,
    )
    services.meeting_transition(meeting=meeting, to_state=Meeting.State.REGISTRATION_OPEN, by=coordinator)
    for email in FAENZA_PEOPLE:
        person = records["people"][email]
        registration = services.registration_for_member(meeting=meeting, person=person, by=None)
        services.registration_submit(
            registration=registration,
            by=None,
            days=[d.isoformat() for d in meeting.days],
            site_visit=False,
            dietary_needs="",
            accessibility_needs="",
            consent_participant_list=True,
        )
    return meeting


def phone_log_in(page: Page, base: str, username: str) -> None:
    """Log in on a phone, where the menu (and its Log out button) stays folded away."""
    browser_log_in(page, base, username, "demo")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Welcome, "))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_invitee_registers_and_coordinator_checks_in(
    live_server: Any, chromium_available: None, page: Page, browser: Browser, tmp_path: Path
) -> None:
    records = load_partner_records()
    meetings = load_meetings(records)
    coordinator = get_user_model().objects.get(username="coordinator")
    online = meetings["online"]
    partner = records["people"]["partner@helsinki.example"]
    faenza = faenza_meeting(records, coordinator)
    assert services.meeting_invite(meeting=online, people=[partner], by=coordinator) == 1
    invitation = OutboundMessage.objects.get(key__startswith=f"meeting:{online.pk}:invitation:", to_email=partner.email)
    # The outbox keeps no token once the mail is sent: read the link from the delivered mail.
    assert invitation.status == OutboundMessage.Status.SENT
    delivered = [str(sent.body) for sent in mail.outbox if partner.email in sent.to]
    assert len(delivered) == 1
    match = PERSONAL_LINK.search(delivered[0])
    assert match, delivered[0]
    link_path = match.group(1)

    base = live_server.url
    console, audit = on_desktop(page)

    # The partner follows the personal link, without logging in: the token leaves the address bar.
    page.goto(f"{base}{link_path}")
    expect(page).to_have_url(f"{base}/meetings/{online.pk}/register/")
    assert "/r/" not in page.url
    expect(page.get_by_role("heading", level=1)).to_have_text(online.title)
    expect(page.get_by_text("For Aino Virtanen, City of Helsinki.")).to_be_visible()
    expect(page.get_by_text("You are invited. Please tell us whether you will come.")).to_be_visible()
    expect(page.get_by_label("Dietary needs")).to_have_count(0)  # an online meeting
    day = online.local(online.starts_at)
    expect(page.get_by_role("checkbox", name=f"{day:%A} {day.day} {day:%B %Y}")).to_be_checked()
    audit("registration form")
    page.get_by_label("Accessibility needs").fill("Live captions, please")
    page.get_by_label("Show my name and organisation on the participant list").check()
    screenshot(page, "meeting-register.png")
    page.get_by_role("button", name="Register", exact=True).click()

    expect(page.locator(".messages")).to_have_text(
        "You are registered. A confirmation with a calendar entry is on its way."
    )
    expect(page.locator("main").get_by_text("You are registered.", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Save changes")).to_be_visible()
    expect(page.get_by_label("Accessibility needs")).to_have_value("Live captions, please")
    audit("registration confirmed")
    registration = Registration.objects.get(meeting=online, person=partner)
    assert registration.state == Registration.State.REGISTERED
    assert registration.accessibility_needs == "Live captions, please"
    assert registration.consent_participant_list
    assert OutboundMessage.objects.filter(
        key__startswith=f"meeting:{online.pk}:confirmation:{registration.pk}:", to_email=partner.email
    ).exists()

    # The meeting page shows the join link to the registered, and gives a calendar file.
    page.get_by_role("link", name="Agenda and details").click()
    expect(page).to_have_url(f"{base}/meetings/{online.pk}/")
    expect(page.get_by_role("link", name=online.join_url)).to_be_visible()
    expect(page.get_by_role("heading", name="Agenda")).to_be_visible()
    expect(page.get_by_text("Drafting the actions selected in Brussels")).to_be_visible()
    audit("online meeting page")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    download = download_info.value
    assert download.suggested_filename == f"meeting-{online.pk}.ics"
    ics = tmp_path / "meeting.ics"
    download.save_as(ics)
    calendar = Calendar.from_ical(ics.read_bytes())
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{online.uid}@{settings.MESSAGE_ID_DOMAIN}"
    assert event["DTSTART"].params["TZID"] == "Europe/Brussels"
    assert event.decoded("DTSTART") == online.starts_at
    assert online.join_url in str(event["DESCRIPTION"])
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Brussels"]

    # Any visitor finds the Florence meeting among the past ones, with its two-day agenda.
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Meetings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upcoming meetings")
    expect(page.get_by_role("link", name=re.compile("Fifth partnership meeting, Faenza"))).to_be_visible()
    audit("meeting list")
    page.get_by_role("link", name="Past", exact=True).click()
    page.get_by_role("link", name=re.compile("Third partnership meeting, Florence")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Third partnership meeting, Florence")
    expect(page.get_by_role("heading", name="Thursday 6 June 2019")).to_be_visible()
    expect(page.get_by_role("heading", name="Friday 7 June 2019")).to_be_visible()
    expect(page.get_by_text("in parallel")).to_have_count(3)
    expect(page.get_by_role("heading", name="Minutes")).to_be_visible()
    audit("Florence meeting page")
    screenshot(page, "meeting-agenda.png")
    assert console.take() == []

    # The meeting's day comes (check-in opens only on its first day): it started an hour ago.
    now = timezone.now()
    Meeting.objects.filter(pk=faenza.pk).update(
        starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=6), registration_deadline=None
    )
    faenza.refresh_from_db()
    # A coordinator, on a phone at the door in Faenza, checks people in.
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        door = phone.new_page()
        door.set_default_timeout(15_000)
        door_console = Console()
        door_console.attach(door)
        door_audit = make_audit(door, door_console)
        phone_log_in(door, base, "coordinator")
        door.get_by_role("button", name="Toggle navigation").click()
        door.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Meetings").click()
        door.get_by_role("link", name=re.compile("Fifth partnership meeting, Faenza")).click()
        door.get_by_role("link", name="Manage").click()
        expect(door.get_by_role("heading", level=1)).to_have_text(faenza.title)
        door_audit("manage page (phone)")
        door.get_by_role("link", name="Check-in").click()
        expect(door.get_by_role("heading", level=1)).to_have_text("Check-in")
        expect(door.get_by_text("0 checked in")).to_be_visible()
        expect(door.get_by_role("button", name=re.compile(r"^Check in "))).to_have_count(len(FAENZA_PEOPLE))
        door_audit("check-in page")
        door.get_by_label("Search by name or organisation").fill("bianchi")
        door.get_by_role("button", name="Search").click()
        expect(door).to_have_url(re.compile(r"\?q=bianchi$"))
        check_in = door.get_by_role("button", name="Check in Giulia Bianchi")
        expect(door.get_by_role("button", name=re.compile(r"^Check in "))).to_have_count(1)
        check_in.click()
        expect(door.locator(".messages")).to_have_text("Giulia Bianchi is checked in.")
        expect(door.get_by_text("1 checked in")).to_be_visible()
        expect(door.get_by_text(re.compile(r"✓ Checked in \d\d:\d\d"))).to_be_visible()
        expect(door.get_by_role("button", name="Undo")).to_be_visible()
        expect(door.get_by_label("Search by name or organisation")).to_have_value("bianchi")
        door_audit("check-in done")
        screenshot(door, "meeting-checkin-phone.png")
        bianchi = Registration.objects.get(meeting=faenza, person__email="gbianchi@toscana.example")
        assert bianchi.state == Registration.State.ATTENDED
        assert bianchi.checked_in_at is not None
        assert faenza.registrations.filter(state=Registration.State.ATTENDED).count() == 1

        # Back at a desk, the manage page counts the check-in.
        door.set_viewport_size(DESKTOP)
        door.get_by_role("link", name="Back").click()
        expect(door.get_by_role("heading", level=1)).to_have_text(faenza.title)
        counts = door.get_by_role("region", name="Registrations")
        expect(counts.get_by_role("row", name="Attended")).to_have_text(re.compile(r"Attended\s*1"))
        expect(counts.get_by_role("row", name="Registered")).to_have_text(re.compile(r"Registered\s*4"))
        door_audit("manage page")
        screenshot(door, "meeting-manage.png")
        assert door_console.take() == []
    finally:
        phone.close()
