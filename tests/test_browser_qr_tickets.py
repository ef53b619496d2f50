"""QR tickets in a real browser: a guest's confirmation mail and registration page carry their QR code, and a
coordinator's phone scans it at the door. The phone is a Chromium whose fake camera plays a video made from
the mailed PNG, so the vendored decoder (static/vendor/jsqr) reads a real picture.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Browser, Playwright, expect
from test_browser_foundation import DESKTOP, PHONE, Console, make_audit, screenshot

from conftest import CHROMIUM
from meetings import services
from meetings.models import Meeting, Registration
from partnership.demo import load_partner_records
from partnership.tests.second_factor import browser_log_in

PERSONAL_LINK = re.compile(r"https?://\S+?(/meetings/r/[^/\s]+/)")
FRAME = (640, 480)


def meeting_today(records: dict[str, Any], coordinator: Any) -> Meeting:
    """A meeting in Florence that began an hour ago: check-in is open now, on the venue's clock."""
    now = timezone.now()
    meeting = services.meeting_create(
        by=coordinator,
        partnership=records["security"],
        title="Sixth partnership meeting, Florence",
        number=6,
        description="The draft actions, one by one.",
        venue="Palazzo Strozzi Sacrati",
        address="Piazza del Duomo 10",
        city="Florence",
        country="IT",
        timezone="Europe/Rome",
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=8),
        registration_deadline=None,
        capacity=None,
        is_public=True,
    )
    services.meeting_transition(meeting=meeting, to_state=Meeting.State.REGISTRATION_OPEN, by=coordinator)
    meeting.refresh_from_db()
    return meeting


def camera_video(png: bytes, path: Path) -> Path:
    """A Y4M video (a text header, then raw 4:2:0 frames) of the QR code on a sheet of paper, as Chromium's
    fake camera plays it over and over."""
    sheet = Image.new("RGB", FRAME, (236, 236, 230))
    code = Image.open(io.BytesIO(png)).convert("RGB").resize((300, 300), Image.Resampling.NEAREST)
    sheet.paste(code, ((FRAME[0] - 300) // 2, (FRAME[1] - 300) // 2))
    luma, blue, red = sheet.convert("YCbCr").split()
    half = (FRAME[0] // 2, FRAME[1] // 2)
    frame = b"FRAME\n" + luma.tobytes() + blue.resize(half).tobytes() + red.resize(half).tobytes()
    path.write_bytes(f"YUV4MPEG2 W{FRAME[0]} H{FRAME[1]} F10:1 Ip A1:1 C420jpeg\n".encode() + frame * 10)
    return path


def mailed_ticket(confirmation: Any) -> bytes:
    """The QR code a confirmation mail carries: its one PNG, shown inline where the HTML names `cid:ticket-qr`."""
    delivered = message_from_bytes(confirmation.message().as_bytes())
    images = [part for part in delivered.walk() if part.get_content_type() == "image/png"]
    assert len(images) == 1 and images[0]["Content-ID"] == "<ticket-qr>"
    png = images[0].get_payload(decode=True)
    assert isinstance(png, bytes)
    return png


def camera_browser(playwright: Playwright, video: Path) -> Browser:
    """A Chromium of its own whose fake camera plays `video` (the camera is chosen when the browser starts)."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-dev-shm-usage",
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )


def log_in(page: Any, base: str, username: str) -> None:
    """Log in on a phone, past the second factor, where the menu (and its Log out button) stays folded away."""
    browser_log_in(page, base, username, "demo")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Welcome, "))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_phone_scans_a_guests_qr_ticket_at_the_door(
    live_server: Any, chromium_available: None, playwright: Playwright, tmp_path: Path
) -> None:
    records = load_partner_records()
    coordinator = get_user_model().objects.get(username="coordinator")
    meeting = meeting_today(records, coordinator)
    guest = services.guest_invite(
        meeting=meeting,
        name="Marta Kovač",
        email="mkovac@rijeka.example",
        organisation_name="City of Rijeka",
        by=coordinator,
    )
    registration = Registration.objects.get(meeting=meeting, person=guest)
    invitation = next(sent for sent in mail.outbox if guest.email in sent.to)
    link = PERSONAL_LINK.search(str(invitation.body))
    assert link, invitation.body
    services.registration_submit(
        registration=registration,
        by=None,
        days=[day.isoformat() for day in meeting.days],
        site_visit=False,
        dietary_needs="",
        accessibility_needs="",
        consent_participant_list=False,
    )
    confirmations = [sent for sent in mail.outbox if ":confirmation:" in sent.extra_headers["X-Portal-Key"]]
    assert len(confirmations) == 1
    png = mailed_ticket(confirmations[0])
    video = camera_video(png, tmp_path / "ticket.y4m")

    base = live_server.url
    browser = camera_browser(playwright, video)
    try:
        # The guest's registration page, opened by their personal link, shows the same code.
        guest_page = browser.new_context(viewport=PHONE).new_page()
        console = Console()
        console.attach(guest_page)
        audit = make_audit(guest_page, console)
        guest_page.goto(f"{base}{link.group(1)}")
        expect(guest_page.get_by_role("heading", name="Your QR ticket")).to_be_visible()
        expect(guest_page.get_by_text("Show this at the entrance")).to_be_visible()
        expect(guest_page.locator("svg title")).to_have_text("Your QR code for the entrance")
        audit("registration page with the QR ticket")
        screenshot(guest_page, "meeting-ticket-phone.png")
        guest_page.set_viewport_size(DESKTOP)
        screenshot(guest_page, "meeting-ticket-desktop.png")

        # The coordinator's phone at the door.
        context = browser.new_context(viewport=PHONE)
        context.grant_permissions(["camera"], origin=base)
        phone = context.new_page()
        phone.set_default_timeout(15_000)
        console = Console()
        console.attach(phone)
        audit = make_audit(phone, console)
        log_in(phone, base, "coordinator")
        phone.goto(f"{base}/meetings/{meeting.pk}/check-in/")
        audit("check-in page with the scanner")
        phone.get_by_role("button", name="Scan a QR code").click()

        expect(phone.locator(".messages")).to_have_text("Marta Kovač (City of Rijeka) is checked in.")
        expect(phone.get_by_text("1 checked in")).to_be_visible()
        # Back from the scan the camera is on again, facing the same ticket: it is not posted twice.
        expect(phone.get_by_role("button", name="Stop scanning")).to_be_visible()
        phone.wait_for_timeout(1500)
        expect(phone.locator(".messages")).to_have_text("Marta Kovač (City of Rijeka) is checked in.")
        assert console.take() == []
        screenshot(phone, "meeting-check-in-scanner.png")
        registration.refresh_from_db()
        assert registration.state == Registration.State.ATTENDED
        assert registration.changes.filter(to_state=Registration.State.ATTENDED).count() == 1

        # The mail as a client shows it, its inline image in place.
        confirmation = confirmations[0]
        assert isinstance(confirmation, EmailMultiAlternatives)
        html = str(next(content for content, kind in confirmation.alternatives if kind == "text/html"))
        assert html.count('src="cid:ticket-qr"') == 1
        (tmp_path / "ticket.png").write_bytes(png)
        (tmp_path / "mail.html").write_text(html.replace("cid:ticket-qr", "ticket.png"))
        guest_page.goto((tmp_path / "mail.html").as_uri())
        screenshot(guest_page, "meeting-ticket-mail.png")
    finally:
        browser.close()
