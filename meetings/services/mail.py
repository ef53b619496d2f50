"""The mails the meeting services queue for one registration (invitation, confirmation, changes, minutes)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from meetings import calendar
from meetings.models import Registration, ReminderLink
from meetings.services.tickets import IMAGE_ID, ticket_png, ticket_wanted
from partnership import outbox
from partnership.models import OutboundMessage
from partnership.services import absolute_url
from partnership.tokens import token_new

# Mails that carry the meeting as a calendar entry (a cancellation removes it).
WITH_CALENDAR_ENTRY = ("confirmation", "promoted", "rescheduled", "cancelled")
# Mails that tell someone they have a place: they carry the QR ticket for the door.
WITH_TICKET = ("confirmation", "promoted")
# The links of a meeting mail that lead to the meeting's pages: for someone without an account, their personal link.
PAGE_LINKS = ("meeting_url", "travel_url")


def personal_url_new(registration: Registration) -> str:
    """A fresh personal link to the registration's page (kept hashed, as every personal link; the earlier ones
    keep working)."""
    raw, digest = token_new()
    ReminderLink.objects.create(registration=registration, token_hash=digest)
    return absolute_url(reverse("meetings:personal_link", kwargs={"token": raw}))


def page_links(registration: Registration, links: dict[str, str]) -> dict[str, str]:
    """A mail's links to the meeting's pages, as its recipient can open them: someone without an account (a guest,
    a contact the partner records hold without a login) reaches those pages only through a personal link, so
    each such link is one, fresh unless the mail carries one already (an invitation's)."""
    if registration.person.user_id is not None:
        return links
    personal_url = links.get("personal_url") or personal_url_new(registration)
    return {**links, "personal_url": personal_url, **{name: personal_url for name in PAGE_LINKS if name in links}}


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
        "ticket_image": f"cid:{IMAGE_ID}" if ticket else "",
        **page_links(registration, {"meeting_url": absolute_url(meeting.get_absolute_url()), **(extra or {})}),
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
