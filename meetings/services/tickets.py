"""QR tickets: a registered person's check-in token, shown as a QR code on their registration page and in
their confirmation mail, and scanned at the door.

The token is derived from the secret key and the registration, so the page can show the same code on every
visit; the database keeps only its hash (as for every personal link), and the token checks nobody in
without a coordinator's session.
"""

from __future__ import annotations

import io

import segno
from django.urls import reverse

from meetings.models import Meeting, Registration
from partnership import outbox
from partnership.services import absolute_url
from partnership.tokens import token_derived, token_hash

PURPOSE = "meetings.check_in_ticket"
IMAGE_ID = "ticket-qr"  # the Content-ID of the QR code in the confirmation mail


def ticket_wanted(*, registration: Registration) -> bool:
    """Whether the person has a QR ticket: registered, for a meeting with a door (not an online one)."""
    return registration.is_registered and registration.meeting.format != Meeting.Format.ONLINE


def ticket_token(*, registration: Registration) -> str:
    """The registration's check-in token; its hash is stored the first time (and again if the secret key
    changed, which invalidates the codes given out before)."""
    raw = token_derived(PURPOSE, str(registration.pk))
    digest = token_hash(raw)
    if registration.check_in_hash != digest:
        Registration.objects.filter(pk=registration.pk).update(check_in_hash=digest)
        registration.check_in_hash = digest
    return raw


def ticket_url(*, registration: Registration) -> str:
    """What the QR code holds: the check-in address with the token, for a coordinator's phone."""
    return absolute_url(reverse("meetings:ticket", args=[ticket_token(registration=registration)]))


def ticket_svg(*, registration: Registration, title: str) -> str:
    """The QR code as inline SVG for the registration page, sized by its container."""
    code = segno.make(ticket_url(registration=registration), error="m")
    svg: str = code.svg_inline(omitsize=True, title=title, svgclass="d-block w-100", lineclass=None)
    return svg


def ticket_png(*, registration: Registration) -> outbox.Attachment:
    """The QR code as a PNG for the confirmation mail, shown inline where its HTML says `cid:ticket-qr`."""
    buffer = io.BytesIO()
    segno.make(ticket_url(registration=registration), error="m").save(buffer, kind="png", scale=6, border=4)
    return outbox.Attachment("ticket.png", buffer.getvalue(), "image/png", content_id=IMAGE_ID)
