"""QR tickets: the check-in token kept only as a hash, the code on the registration page and in the
confirmation mail, and the door, where only a coordinator of the meeting's partnership checks anyone in."""

from __future__ import annotations

import datetime as dt
import re
from email import message_from_bytes
from html import unescape

import pytest
import segno
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.models import Registration
from meetings.services.mail import registration_mail_queue
from meetings.tests.factories import MeetingFactory, RegistrationFactory
from partnership import outbox
from partnership.models import Membership, OutboundMessage
from partnership.selectors import person_for
from partnership.tests.factories import PartnershipFactory, PersonFactory, member_user
from partnership.tokens import token_hash

pytestmark = pytest.mark.django_db
RegState = Registration.State


def meeting_today(**fields):
    """A meeting that began an hour ago and ends tomorrow: check-in is open."""
    now = timezone.now()
    defaults = {
        "starts_at": now - dt.timedelta(hours=1),
        "ends_at": now + dt.timedelta(days=1),
        "registration_deadline": None,
    }
    return MeetingFactory(**{**defaults, **fields})


@pytest.fixture
def meeting(partnership):
    return meeting_today(partnership=partnership, title="Third partnership meeting, Florence")


@pytest.fixture
def guest(meeting):
    return RegistrationFactory(meeting=meeting, person=PersonFactory(name="Aino Virtanen"))


def text(response) -> str:
    return unescape(re.sub(r"\s+", " ", response.content.decode()))


def ticket_path(registration: Registration) -> str:
    return reverse("meetings:ticket", args=[services.ticket_token(registration=registration)])


def svg_matrix(svg: str) -> list[list[int]]:
    """Read the dark modules back out of segno's SVG path (`M x y`, `m dx dy`, `h length`, y at the middle of a
    row): the code as a scanner would see it, without trusting the code that drew it."""
    path = re.search(r' d="([^"]+)"', svg)
    assert path is not None
    dark: set[tuple[int, int]] = set()
    x = y = 0.0
    for command, numbers in re.findall(r"([MmHh])([-\d. ]+)", path.group(1).replace("-", " -")):
        values = [float(value) for value in numbers.split()]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        else:
            dark.update((int(x) + step, int(y)) for step in range(int(values[0])))
            x += values[0]
    size = max(max(column for column, _row in dark), max(row for _column, row in dark)) + 1
    return [[int((column, row) in dark) for column in range(size)] for row in range(size)]


def segno_matrix(content: str) -> list[list[int]]:
    code = segno.make(content, error="m")
    matrix = [[int(bool(module)) for module in row] for row in code.matrix]
    border = 4  # segno's quiet zone: the path's coordinates count it
    width = len(matrix) + border
    return [[0] * width for _ in range(border)] + [[0] * border + row for row in matrix]


# The token -------------------------------------------------------------------------------------


def test_the_database_keeps_only_the_hash_of_the_check_in_token(guest):
    token = services.ticket_token(registration=guest)

    guest.refresh_from_db()
    assert guest.check_in_hash == token_hash(token)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM meetings_registration WHERE id = %s", [guest.pk])
        stored = " ".join(str(value) for value in cursor.fetchone())
    assert token not in stored
    assert services.ticket_token(registration=guest) == token  # the page can show the same code again


def test_the_registration_page_shows_the_registrant_their_qr_code(client, meeting, partner):
    registration = RegistrationFactory(meeting=meeting, person=person_for(partner))
    client.force_login(partner)

    page = client.get(reverse("meetings:register", args=[meeting.pk])).content.decode()

    assert "Show this at the entrance" in page
    svg = re.search(r"<svg.*?</svg>", page, re.S)
    assert svg is not None
    registration.refresh_from_db()
    address = re.search(r"https?://\S+/meetings/check-in/([\w-]{43})/", services.ticket_url(registration=registration))
    assert address is not None and token_hash(address.group(1)) == registration.check_in_hash
    assert svg_matrix(svg.group(0)) == segno_matrix(address.group(0))


def test_someone_on_the_waitlist_has_no_qr_code(client, meeting, partner):
    RegistrationFactory(meeting=meeting, person=person_for(partner), state=RegState.WAITLISTED)
    client.force_login(partner)

    page = client.get(reverse("meetings:register", args=[meeting.pk])).content.decode()

    assert "<svg" not in page and "Show this at the entrance" not in page


def test_an_online_meeting_has_no_qr_code(client, partnership, partner):
    online = meeting_today(partnership=partnership, format="online", join_url="https://meet.example.eu/room-42")
    registration = RegistrationFactory(meeting=online, person=person_for(partner))
    client.force_login(partner)

    page = client.get(reverse("meetings:register", args=[online.pk])).content.decode()
    message = registration_mail_queue(registration=registration, kind="confirmation", key_suffix="c1")

    assert "<svg" not in page
    assert message is not None and "cid:" not in message.body_html
    assert [attachment["filename"] for attachment in message.attachments] == ["meeting.ics"]


# The mail --------------------------------------------------------------------------------------


def test_the_confirmation_mail_carries_the_qr_code_once_and_is_queued_once(meeting, guest, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    first = registration_mail_queue(registration=guest, kind="confirmation", key_suffix="c1")
    again = registration_mail_queue(registration=guest, kind="confirmation", key_suffix="c1")

    assert first is not None and again is None
    assert OutboundMessage.objects.filter(key__startswith=f"meeting:{meeting.pk}:confirmation:{guest.pk}").count() == 1
    assert 'src="cid:ticket-qr"' in first.body_html
    assert "Show the QR code in this mail" in first.body_text

    assert outbox.message_send(message_id=first.pk)

    assert len(mail.outbox) == 1
    sent = message_from_bytes(mail.outbox[0].message().as_bytes())
    images = [part for part in sent.walk() if part.get_content_type() == "image/png"]
    assert len(images) == 1
    assert images[0]["Content-ID"] == "<ticket-qr>"
    assert images[0].get_content_disposition() == "inline"
    assert images[0].get_payload(decode=True).startswith(b"\x89PNG")
    # Inline, beside the HTML that shows it (multipart/related), and the calendar entry an attachment of the mail.
    assert [part.get_content_type() for part in sent.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
        "text/calendar",
    ]
    first.refresh_from_db()
    # The code holds the token: once the mail has left, the row keeps the calendar entry but not the image.
    assert [attachment["filename"] for attachment in first.attachments] == ["meeting.ics"]
    assert not outbox.message_send(message_id=first.pk)
    assert len(mail.outbox) == 1


def test_a_cancelled_mail_drops_its_qr_code(meeting, guest):
    message = registration_mail_queue(registration=guest, kind="confirmation", key_suffix="c1")
    assert message is not None

    outbox.messages_cancel(keys_startwith=message.key)

    message.refresh_from_db()
    assert [attachment["filename"] for attachment in message.attachments] == ["meeting.ics"]


def test_an_invitation_carries_no_qr_code(meeting):
    invited = RegistrationFactory(meeting=meeting, state=RegState.INVITED)
    message = registration_mail_queue(registration=invited, kind="invitation", key_suffix="")
    assert message is not None
    assert not [attachment for attachment in message.attachments if attachment.get("content_id")]


# At the door -----------------------------------------------------------------------------------


def test_a_coordinator_opening_a_ticket_sees_who_it_is_and_checks_them_in(client, meeting, guest, coordinator):
    path = ticket_path(guest)
    client.force_login(coordinator)

    page = text(client.get(path))
    guest.refresh_from_db()
    assert "Aino Virtanen" in page and guest.state == RegState.REGISTERED  # looking changes nothing

    response = client.post(path)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('meetings:check_in', args=[meeting.pk])}?q=Aino+Virtanen"
    guest.refresh_from_db()
    assert guest.state == RegState.ATTENDED


def test_a_ticket_is_useless_without_a_coordinators_session(client, meeting, guest, partner):
    path = ticket_path(guest)
    culture = PartnershipFactory(name="Culture and Cultural Heritage", is_public=False)
    their_coordinator = member_user(culture, Membership.Role.COORDINATOR)

    anonymous = client.get(path)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    assert client.post(path).status_code == 302
    for user in (partner, their_coordinator):
        client.force_login(user)
        page = client.get(path)
        assert page.status_code == 404 and "Aino" not in page.content.decode()
        assert client.post(path).status_code == 404
    client.force_login(partner)
    assert client.get(reverse("meetings:ticket", args=["x" * 43])).status_code == 404

    guest.refresh_from_db()
    assert guest.state == RegState.REGISTERED and guest.checked_in_at is None


def scan(client, meeting, scanned: str):
    return client.post(reverse("meetings:check_in_scan", args=[meeting.pk]), {"ticket": scanned}, follow=True)


def test_the_scanner_checks_in_the_person_whose_code_it_read(client, meeting, guest, coordinator):
    client.force_login(coordinator)

    response = scan(client, meeting, services.ticket_url(registration=guest))

    assert response.redirect_chain[0][0].endswith("?q=Aino+Virtanen&scan=1")
    assert "Aino Virtanen (" in text(response) and "is checked in" in text(response)
    guest.refresh_from_db()
    assert guest.state == RegState.ATTENDED

    again = text(scan(client, meeting, services.ticket_token(registration=guest)))
    assert "Aino Virtanen was already checked in at" in again


def test_the_scanner_refuses_a_ticket_of_another_meeting(client, meeting, coordinator):
    other = RegistrationFactory(
        meeting=meeting_today(partnership=meeting.partnership), person=PersonFactory(name="Claire")
    )
    client.force_login(coordinator)

    page = text(scan(client, meeting, services.ticket_url(registration=other)))

    assert "This QR code is not a ticket for this meeting." in page
    assert "This QR code is not a ticket" in text(scan(client, meeting, "https://example.org/not-a-ticket"))
    other.refresh_from_db()
    assert other.state == RegState.REGISTERED


def test_the_scanner_says_when_check_in_is_not_open(client, partnership, coordinator):
    later = MeetingFactory(partnership=partnership)  # a month away
    registration = RegistrationFactory(meeting=later, person=PersonFactory(name="Aino Virtanen"))
    client.force_login(coordinator)

    page = text(scan(client, later, services.ticket_url(registration=registration)))

    assert "Aino Virtanen: Check-in opens on" in page
    registration.refresh_from_db()
    assert registration.state == RegState.REGISTERED


def test_only_the_meetings_coordinators_may_scan(client, meeting, guest, partner):
    token = services.ticket_token(registration=guest)
    client.force_login(partner)
    assert client.post(reverse("meetings:check_in_scan", args=[meeting.pk]), {"ticket": token}).status_code == 403
    client.logout()
    assert client.post(reverse("meetings:check_in_scan", args=[meeting.pk]), {"ticket": token}).status_code == 302
    guest.refresh_from_db()
    assert guest.state == RegState.REGISTERED


def test_the_check_in_page_offers_the_scanner_while_check_in_is_open(client, meeting, partnership, coordinator):
    client.force_login(coordinator)

    assert 'id="qr-scan"' in client.get(reverse("meetings:check_in", args=[meeting.pk])).content.decode()
    later = MeetingFactory(partnership=partnership)
    assert 'id="qr-scan"' not in client.get(reverse("meetings:check_in", args=[later.pk])).content.decode()
