"""The mails the meeting services queue for one registration (invitation, confirmation, changes, minutes)."""

from __future__ import annotations

from typing import Any

from meetings import calendar
from meetings.models import Registration
from meetings.services.tickets import IMAGE_ID, ticket_png, ticket_wanted
from partnership import outbox
from partnership.models import OutboundMessage
from partnership.services import absolute_url

# Mails that carry the meeting as a calendar entry (a cancellation removes it).
WITH_CALENDAR_ENTRY = ("confirmation", "promoted", "rescheduled", "cancelled")
# Mails that tell someone they have a place: they carry the QR ticket for the door.
WITH_TICKET = ("confirmation", "promoted")


def registration_mail_queue(
    *, registration: Registration, kind: str, key_suffix: str, extra: dict[str, Any] | None = None
) -> OutboundMessage | None:
    """Queue one meeting mail for one registration; the key makes a repeat do nothing."""
    meeting = registration.meeting
    person = registration.person
    attachments: tuple[outbox.Attachment, ...] = ()
    if kind in WITH_CALENDAR_ENTRY:
        method = "CANCEL" if kind == "cancelled" else "REQUEST"
        ics = calendar.meeting_calendar(
            meetings=[meeting], include_join_url=registration.holds_place, method=method, attendee=person
        )
        attachments = (outbox.Attachment("meeting.ics", ics, f"text/calendar; method={method}; charset=utf-8"),)
    ticket = kind in WITH_TICKET and ticket_wanted(registration=registration)
    if ticket:
        attachments += (ticket_png(registration=registration),)
    context = {
        "meeting": meeting,
        "person": person,
        "registration": registration,
        "meeting_url": absolute_url(meeting.get_absolute_url()),
        "ticket_image": f"cid:{IMAGE_ID}" if ticket else "",
        **(extra or {}),
    }
    key = f"meeting:{meeting.pk}:{kind}:{registration.pk}" + (f":{key_suffix}" if key_suffix else "")
    return outbox.message_queue(
        key=key,
        to_email=person.email,
        template=f"meetings/email/{kind}",
        language=person.language,
        context=context,
        attachments=attachments,
        partnership_id=meeting.partnership_id,
    )
