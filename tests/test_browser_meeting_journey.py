"""Issue 13's journey in one run, as the people who take part in a meeting live it: a coordinator invites two
partners and an outside guest with a message; the guest registers by the personal link and asks for travel
support; the secretariat records the guest as eligible and approves it; the meeting's first day comes (time moved
in the server's process with time-machine, and in the phone's page with Playwright's clock), a phone at the door
scans the guest's QR code from the confirmation mail through Chromium's fake camera; after the last day the
meeting is marked held. Meanwhile a partner comments on the coordinator's action, which the coordinator finds
under the bell, and the next day's digest brings it once. Every page passes axe with no console error."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Browser, Page, Playwright, expect
from test_browser_foundation import PHONE, Console, make_audit, on_desktop
from test_browser_qr_tickets import camera_browser, camera_video, mailed_ticket
from test_browser_travel import faenza

from actions.models import Action
from actions.tests.factories import ActionFactory
from meetings.models import Meeting, Registration, TravelRequest
from partnership import notifications
from partnership.demo import load_partner_records
from partnership.tests.second_factor import browser_log_in

ROME = zoneinfo.ZoneInfo("Europe/Rome")
PERSONAL_LINK = re.compile(r"https?://\S+?(/meetings/r/[^/\s]+/)")
GUEST = ("Marco Ricci", "m.ricci@unibo.example", "University of Bologna")


def log_in(page: Page, base: str, username: str) -> None:
    browser_log_in(page, base, username, "demo")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Welcome, "))


def mails_to(address: str) -> list[Any]:
    return [sent for sent in mail.outbox if address in sent.to]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_from_the_invitation_to_the_meeting_held_and_from_a_comment_to_the_digest(
    live_server: Any, chromium_available: None, page: Page, browser: Browser, playwright: Playwright, tmp_path: Path
) -> None:
    records = load_partner_records()
    coordinator = get_user_model().objects.get(username="coordinator")
    meeting = faenza(records, coordinator)
    action = ActionFactory.create(
        partnership=records["security"],
        owner=coordinator.person.organisation,
        title="Safer night-time economy",
        state=Action.State.UNDER_DISCUSSION,
    )
    base = live_server.url
    console, audit = on_desktop(page)

    # The coordinator invites two partners, picked from the searchable list, and a guest, with a message.
    log_in(page, base, "coordinator")
    page.goto(f"{base}/meetings/{meeting.pk}/manage/")
    page.get_by_role("link", name="Invitations").first.click()
    for name in ("Aino Virtanen (City of Helsinki)", "Javier López"):
        page.get_by_label("Filter people by name or organisation").fill(name.split(" (")[0])
        page.get_by_label(re.compile(re.escape(name))).check()
    page.get_by_label("Guest's name").fill(GUEST[0])
    page.get_by_label("Guest's e-mail").fill(GUEST[1])
    page.get_by_label("Guest's organisation").fill(GUEST[2])
    page.get_by_label("Message (optional)").fill("We will walk the old town's squares together.")
    page.get_by_role("button", name="Send invitations").click()
    expect(page.locator(".messages")).to_have_text("3 invitations are on their way.")
    audit("invitations sent")
    for address in ("partner@helsinki.example", "jlopez@madrid.example", GUEST[1]):
        (invitation,) = mails_to(address)
        assert "We will walk the old town's squares together." in str(invitation.body)

    # The guest registers by the personal link and asks for travel support.
    link = PERSONAL_LINK.search(str(mails_to(GUEST[1])[0].body))
    assert link
    guest = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    guest_console = Console()
    guest_console.attach(guest)
    guest_audit = make_audit(guest, guest_console)
    guest.goto(f"{base}{link.group(1)}")
    guest.get_by_role("button", name="Register", exact=True).click()
    expect(guest.get_by_role("heading", name="Your QR ticket")).to_be_visible()
    guest_audit("the guest registered, with the QR ticket")
    guest.get_by_role("link", name="Ask for travel support").click()
    first, last = meeting.days[0], meeting.days[-1]
    guest.get_by_label("Travelling from").fill("Bologna")
    guest.get_by_label("Arrival").fill(first.isoformat())
    guest.get_by_label("Departure").fill(last.isoformat())
    guest.get_by_label("Nights of accommodation").fill("1")
    guest.get_by_role("button", name="Ask for travel support").click()
    expect(guest.locator("#travel-status")).to_have_text("Requested")
    guest_audit("the guest's travel request")

    # The secretariat records the guest as eligible (a speaker from a university) and approves the request.
    page.goto(f"{base}/meetings/{meeting.pk}/travel/requests/")
    page.get_by_role("link", name=GUEST[0]).click()
    page.get_by_label("Eligible", exact=True).check()
    page.get_by_label("Why").fill("Speaker on the night-time economy.")
    page.get_by_role("button", name="Record the eligibility").click()
    expect(page.locator("#travel-eligible")).to_contain_text("Speaker on the night-time economy.")
    page.get_by_label("New status").select_option("approved")
    page.get_by_label("Amount (EUR)").fill("210")
    page.get_by_role("button", name="Change the status and tell the participant").click()
    expect(page.locator("#travel-status")).to_have_text("Approved · 210.00 EUR")
    audit("the guest's travel request approved")
    travel = TravelRequest.objects.get(registration__meeting=meeting, registration__person__email=GUEST[1])
    assert travel.status == TravelRequest.Status.APPROVED

    # A partner comments on the coordinator's action; the coordinator finds it under the bell.
    guest.context.close()
    page.get_by_role("button", name="Log out").click()
    log_in(page, base, "partner")
    page.goto(f"{base}{action.get_absolute_url()}")
    page.get_by_role("textbox", name="Comment").fill("Helsinki's night mayor would join this.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_text("Helsinki's night mayor would join this.")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    log_in(page, base, "coordinator")
    page.get_by_role("link", name=re.compile(r"^Notifications: \d+ unread")).click()
    expect(page.get_by_role("link", name="Safer night-time economy")).to_be_visible()
    audit("the coordinator's notifications")
    assert console.take() == []

    # The next morning's digest brings the comment once, whatever Beat's hourly runs repeat.
    tomorrow = dt.datetime.combine(timezone.localdate() + dt.timedelta(days=1), dt.time(0, 30), tzinfo=ROME)
    with time_machine.travel(tomorrow, tick=True):
        notifications.digests_start()
        notifications.digests_start()
    digests = [sent for sent in mails_to(coordinator.email) if "Safer night-time economy" in str(sent.body)]
    assert len(digests) == 1 and "A comment on an action: Safer night-time economy" in str(digests[0].body)

    # The first day comes: the phone at the door scans the QR code from the guest's confirmation mail.
    (confirmation,) = [sent for sent in mails_to(GUEST[1]) if ":confirmation:" in sent.extra_headers["X-Portal-Key"]]
    png = mailed_ticket(confirmation)
    video = camera_video(png, tmp_path / "ticket.y4m")
    morning = meeting.starts_at + dt.timedelta(minutes=20)
    door_browser = camera_browser(playwright, video)
    try:
        with time_machine.travel(morning, tick=True):
            context = door_browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
            context.grant_permissions(["camera"], origin=base)
            context.clock.install(time=morning)
            phone = context.new_page()
            phone.set_default_timeout(15_000)
            phone_console = Console()
            phone_console.attach(phone)
            phone_audit = make_audit(phone, phone_console)
            log_in(phone, base, "coordinator")
            phone.goto(f"{base}/meetings/{meeting.pk}/check-in/")
            phone_audit("check-in on the first day")
            phone.get_by_role("button", name="Scan a QR code").click()
            expect(phone.locator(".messages")).to_have_text(f"{GUEST[0]} ({GUEST[2]}) is checked in.")
            assert phone_console.take() == []
        registration = Registration.objects.get(meeting=meeting, person__email=GUEST[1])
        assert registration.state == Registration.State.ATTENDED

        # After the last day the coordinator marks the meeting held, confirming on the page that says what follows.
        evening = meeting.ends_at + dt.timedelta(hours=2)
        with time_machine.travel(evening, tick=True):
            context.clock.set_system_time(evening)
            phone.goto(f"{base}/meetings/{meeting.pk}/manage/")
            phone.get_by_role("button", name="Held", exact=True).click()
            expect(phone.get_by_role("heading", level=1)).to_have_text("Mark the meeting as held?")
            phone_audit("confirming held")
            phone.get_by_role("button", name="Yes, mark it held").click()
            expect(phone.get_by_role("button", name="Undo “Held”")).to_be_visible()
            phone_audit("the meeting held")
            assert phone_console.take() == []
    finally:
        door_browser.close()
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.HELD
    states = dict(meeting.registrations.values_list("person__email", "state"))
    assert states[GUEST[1]] == Registration.State.ATTENDED
    assert states["jlopez@madrid.example"] == Registration.State.INVITED
