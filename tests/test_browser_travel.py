"""Travel support in a real browser: an invitee who came by personal link registers, asks for travel support
(a wrong date is named on its field and what was typed is kept), and follows its status; the secretariat finds
the request in its list with the totals and approves it within the cap. Every page passes axe with no console
error; screenshots go to SHOTS_DIR (default docs/screenshots)."""

from __future__ import annotations

import datetime as dt
import os
import re
import zoneinfo
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from test_browser_foundation import SCREENSHOTS, log_in, on_desktop

from meetings import services
from meetings.models import Meeting, TravelPolicy, TravelRequest
from partnership.demo import load_partner_records

ROME = zoneinfo.ZoneInfo("Europe/Rome")
PERSONAL_LINK = re.compile(r"https?://\S+?(/meetings/r/[^/\s]+/)")
SHOTS = Path(os.environ.get("SHOTS_DIR", SCREENSHOTS))


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def faenza(records: dict[str, Any], coordinator: Any) -> Meeting:
    day = timezone.localdate() + dt.timedelta(days=20)
    meeting = services.meeting_create(
        by=coordinator,
        partnership=records["security"],
        title="Fifth partnership meeting, Faenza",
        venue="Palazzo del Podestà",
        city="Faenza",
        country="IT",
        timezone="Europe/Rome",
        starts_at=dt.datetime(day.year, day.month, day.day, 9, 30, tzinfo=ROME),
        ends_at=dt.datetime(day.year, day.month, day.day, 17, 0, tzinfo=ROME) + dt.timedelta(days=1),
        is_public=True,
    )
    services.meeting_transition(meeting=meeting, to_state=Meeting.State.REGISTRATION_OPEN, by=coordinator)
    meeting.refresh_from_db()
    TravelPolicy.objects.create(
        meeting=meeting,
        offered=True,
        roles=["partner"],
        cap_eur=Decimal("600"),
        conditions="Economy class travel and up to two nights near the venue.",
    )
    return meeting


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_guest_by_personal_link_asks_for_travel_and_the_secretariat_approves_it(
    live_server: Any, chromium_available: None, page: Page, browser: Browser
) -> None:
    records = load_partner_records()
    coordinator = get_user_model().objects.get(username="coordinator")
    meeting = faenza(records, coordinator)
    partner = records["people"]["partner@helsinki.example"]
    assert services.meeting_invite(meeting=meeting, people=[partner], by=coordinator) == 1
    (invitation,) = [str(sent.body) for sent in mail.outbox if partner.email in sent.to]
    link = PERSONAL_LINK.search(invitation)
    assert link, invitation
    base = live_server.url
    console, audit = on_desktop(page)
    first, last = meeting.days[0], meeting.days[-1]

    # The invitee registers by the link, then asks for travel support from the registration page.
    page.goto(f"{base}{link.group(1)}")
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.get_by_role("heading", name="Travel support")).to_be_visible()
    audit("registration page with travel support")
    page.get_by_role("link", name="Ask for travel support").click()
    expect(page).to_have_url(f"{base}/meetings/{meeting.pk}/travel/")
    expect(page.get_by_text("up to 600.00 EUR per person")).to_be_visible()
    expect(page.get_by_text("Under the meeting's rule you are eligible.")).to_be_visible()
    audit("travel request form")
    page.get_by_label("Travelling from").fill("Helsinki, Finland")
    page.get_by_label("Arrival").fill(last.isoformat())
    page.get_by_label("Departure").fill(first.isoformat())
    page.get_by_label("Nights of accommodation").fill("2")
    page.get_by_role("button", name="Ask for travel support").click()
    expect(page.get_by_text("The departure cannot be before the arrival.")).to_be_visible()
    expect(page.get_by_label("Travelling from")).to_have_value("Helsinki, Finland")
    expect(page.get_by_label("Nights of accommodation")).to_have_value("2")
    audit("travel request with an error")
    shot(page, "travel-request-error.png")
    page.get_by_label("Arrival").fill((first - dt.timedelta(days=1)).isoformat())
    page.get_by_label("Departure").fill(last.isoformat())
    page.get_by_role("button", name="Ask for travel support").click()
    expect(page.locator(".messages")).to_contain_text("Your travel request is saved.")
    expect(page.locator("#travel-status")).to_have_text("Requested")
    audit("travel request saved")
    shot(page, "travel-request-participant.png")
    travel = TravelRequest.objects.get(registration__meeting=meeting, registration__person=partner)
    assert (travel.travelling_from, travel.nights, travel.arrival) == ("Helsinki, Finland", 2, first - dt.timedelta(1))

    # The secretariat finds it in the meeting's list with the totals, and approves it within the cap.
    secretariat = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        desk = secretariat.new_page()
        desk.set_default_timeout(15_000)
        desk_console, desk_audit = on_desktop(desk)
        log_in(desk, base, "coordinator")
        desk.goto(f"{base}/meetings/{meeting.pk}/manage/")
        desk.get_by_role("link", name="Travel requests").click()
        expect(desk.get_by_role("heading", level=1)).to_have_text("Travel requests")
        expect(desk.locator("#travel-totals")).to_contain_text("Nights requested")
        desk_audit("travel list")
        shot(desk, "travel-list-secretariat.png")
        desk.get_by_role("link", name="Aino Virtanen").click()
        desk.get_by_label("New status").select_option("approved")
        desk.get_by_label("Amount (EUR)").fill("750")
        desk.get_by_role("button", name="Change the status and tell the participant").click()
        expect(desk.get_by_text("The meeting's cap is 600.00 EUR per person.")).to_be_visible()
        expect(desk.get_by_label("Amount (EUR)")).to_have_value("750")
        desk_audit("travel decision with an error")
        desk.get_by_label("Amount (EUR)").fill("480")
        desk.get_by_role("button", name="Change the status and tell the participant").click()
        expect(desk.locator("#travel-status")).to_have_text("Approved · 480.00 EUR")
        expect(desk.locator("#travel-history")).to_contain_text("Requested → Approved, 480.00 EUR (Claire Martin)")
        desk_audit("travel request approved")
        shot(desk, "travel-detail-secretariat.png")
        assert desk_console.take() == []
    finally:
        secretariat.close()

    page.reload()
    expect(page.locator("#travel-status")).to_have_text("Approved")
    expect(page.get_by_text("480.00 EUR")).to_be_visible()
    assert console.take() == []
    travel_mails = [sent for sent in mail.outbox if partner.email in sent.to and "travel" in sent.subject.lower()]
    assert [sent.subject for sent in travel_mails] == [
        "Travel request received: Fifth partnership meeting, Faenza",
        "Your travel request for Fifth partnership meeting, Faenza: Approved",
    ]
