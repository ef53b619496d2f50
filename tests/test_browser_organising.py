"""Organising a meeting in a real browser (issue 13): a coordinator goes from the home page's "Manage meetings"
to a meeting's participants, filters and searches them, invites a partner picked from the filtered checkbox list
and an outside guest with a message, and writes to the registered; on a phone the manage page still reads, and
the invited partner finds the invitation on their home page. Every page passes axe with no console error.
Screenshots go to /work/shots/h13a/ when that folder exists (a developer's check), else nowhere."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page, expect
from test_browser_foundation import PHONE, Console, log_in, make_audit, on_desktop
from test_browser_meetings import faenza_meeting, phone_log_in

from meetings.models import Registration
from partnership.demo import load_partner_records
from partnership.models import Job, OutboundMessage, Person

SHOTS = Path("/work/shots/h13a")


def shot(page: Page, name: str) -> None:
    if SHOTS.is_dir():
        page.screenshot(path=str(SHOTS / name), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_coordinator_organises_a_meeting_and_the_partner_is_invited(
    live_server: Any, chromium_available: None, page: Page, browser: Browser
) -> None:
    records = load_partner_records()
    coordinator = get_user_model().objects.get(username="coordinator")
    faenza = faenza_meeting(records, coordinator)
    base = live_server.url
    console, audit = on_desktop(page)

    log_in(page, base, "coordinator")
    page.get_by_role("region", name="Partnerships you coordinate").get_by_role("link", name="Manage meetings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Manage meetings")
    audit("meetings to manage")
    page.get_by_role("link", name=faenza.title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(faenza.title)
    participants = page.get_by_role("table", name="Participants")
    expect(participants.get_by_role("row")).to_have_count(1 + faenza.registrations.count())
    page.get_by_role("navigation", name="Show participants").get_by_role("link", name=re.compile("^Registered")).click()
    expect(page).to_have_url(re.compile(r"show=registered"))
    page.get_by_label("Search by name, e-mail or organisation").fill("bianchi")
    page.get_by_role("button", name="Search").click()
    expect(participants.get_by_role("row")).to_have_count(2)
    expect(participants).to_contain_text("Giulia Bianchi")
    audit("manage page with its participants")
    shot(page, "manage-participants-1280.png")

    # Invitations: the list filters as one types; the partner and a guest are invited with a message.
    page.get_by_role("link", name="Invitations").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitations")
    audit("invitations")
    people = page.locator("#invite-people .form-check")
    total = people.count()
    page.get_by_label("Filter people by name or organisation").fill("virtanen")
    expect(page.locator("#invite-people .form-check:visible")).to_have_count(1)
    expect(page.get_by_text(f"1 of {total} people shown")).to_be_visible()
    page.get_by_label("Aino Virtanen (City of Helsinki)").check()
    page.get_by_label("Guest's name").fill("Marco Ricci")
    page.get_by_label("Guest's e-mail").fill("m.ricci@unibo.example")
    page.get_by_label("Guest's organisation").fill("University of Bologna")
    page.get_by_label("Message (optional)").fill("We would value your view on the draft actions.")
    shot(page, "invite-filtered-1280.png")
    page.get_by_role("button", name="Send invitations").click()
    expect(page.locator(".messages")).to_have_text("2 invitations are on their way.")
    invited = page.get_by_role("table", name="Who is invited")
    expect(invited).to_contain_text("Marco Ricci")
    expect(invited.get_by_role("button", name="Send again Aino Virtanen")).to_be_visible()
    audit("invitations after inviting")
    shot(page, "invitations-1280.png")
    assert Person.objects.get(email="m.ricci@unibo.example").user is None
    mails = OutboundMessage.objects.filter(key__startswith=f"meeting:{faenza.pk}:invitation:")
    assert all(
        "We would value your view" in m.body_text
        for m in mails.filter(to_email__in=["partner@helsinki.example", "m.ricci@unibo.example"])
    )

    # Write to the registered: the letter is a job, shown as queued (no worker runs in this test).
    page.goto(f"{base}/meetings/{faenza.pk}/manage/")
    page.get_by_role("link", name="Write to participants").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Write to participants")
    audit("write to participants")
    registered = faenza.registrations.filter(state=Registration.State.REGISTERED).count()
    page.get_by_label(f"The registered ({registered})").check()
    page.get_by_label("Subject").fill("The site visit")
    page.get_by_label("Text").fill("The bus to the ceramics museum leaves at 14:00.")
    page.get_by_role("button", name="Send the letter").click()
    expect(page.locator("#letter-job")).to_contain_text("The letter “The site visit”")
    assert Job.objects.get(key=f"meeting:{faenza.pk}:letter").params["recipients"]
    audit("letter queued")
    shot(page, "write-queued-1280.png")
    assert console.take() == []

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        door = phone.new_page()
        door.set_default_timeout(15_000)
        door_console = Console()
        door_console.attach(door)
        door_audit = make_audit(door, door_console)
        phone_log_in(door, base, "coordinator")
        door.goto(f"{base}/meetings/{faenza.pk}/manage/")
        expect(door.get_by_role("table", name="Participants")).to_be_visible()
        door_audit("manage page (phone)")
        shot(door, "manage-participants-390.png")
        door.goto(f"{base}/meetings/{faenza.pk}/check-in/")
        expect(door.get_by_text(re.compile("Check-in opens on"))).to_be_visible()
        expect(door.get_by_role("button", name=re.compile(r"^Check in "))).to_have_count(0)
        door_audit("check-in not yet open (phone)")
        shot(door, "check-in-not-open-390.png")
        door.context.clear_cookies()
        phone_log_in(door, base, "partner")
        expect(door.get_by_role("link", name="Register or decline")).to_be_visible()
        door_audit("partner's home with the invitation (phone)")
        shot(door, "partner-home-390.png")
        assert door_console.take() == []
    finally:
        phone.close()
