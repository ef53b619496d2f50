"""iCalendar (RFC 5545) files for meetings: stable UID, venue time zone, rising SEQUENCE, CANCEL."""

from __future__ import annotations

from collections.abc import Iterable
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from meetings.models import Meeting
from partnership.models import Person
from partnership.services import absolute_url
from partnership.site_name import site_name


def meeting_uid(meeting: Meeting) -> str:
    return f"{meeting.uid}@{settings.MESSAGE_ID_DOMAIN}"


def _location(meeting: Meeting) -> str:
    parts = [meeting.venue, meeting.address, meeting.city, meeting.country.name if meeting.country else ""]
    return ", ".join(str(part) for part in parts if part)


def meeting_event(meeting: Meeting, *, include_join_url: bool, attendee: Person | None = None) -> Event:
    """The meeting as an event; with `attendee`, the event names them (as invitations from the ORGANIZER
    do), which calendar programs need to match an update or a cancellation to the event they hold."""
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("summary", meeting.title)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.local(meeting.starts_at))
    event.add("dtend", meeting.local(meeting.ends_at))
    event.add("sequence", meeting.sequence)
    event.add("url", absolute_url(meeting.get_absolute_url()))
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["cn"] = vText(name or site_name())
    event.add("organizer", organizer)
    if attendee is not None and attendee.email:
        address = vCalAddress(f"mailto:{attendee.email}")
        address.params["cn"] = vText(attendee.name)
        address.params["role"] = vText("REQ-PARTICIPANT")
        address.params["partstat"] = vText("ACCEPTED")
        address.params["rsvp"] = vText("FALSE")
        event.add("attendee", address)
    location = _location(meeting)
    description = meeting.description
    if include_join_url and meeting.join_url:
        description = f"{description}\n\nJoin online: {meeting.join_url}".strip()
        location = f"{location} / {meeting.join_url}" if location else meeting.join_url
    if location:
        event.add("location", vText(location))
    if description:
        event.add("description", description)
    if meeting.is_cancelled:
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
    return event


def meeting_calendar(
    *,
    meetings: Iterable[Meeting],
    include_join_url: bool | set[int],
    method: str = "PUBLISH",
    attendee: Person | None = None,
) -> bytes:
    """One calendar with an event per meeting, with the VTIMEZONE of each venue's zone.

    `include_join_url` is a flag for all meetings, or the ids of the meetings whose link may be shown;
    `attendee` is the person a mailed entry is for.
    """
    cal = Calendar()
    cal.add("prodid", f"-//{settings.SITE_NAME}//Meetings//EN")
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if method == "CANCEL" else method)
    cal.add("x-wr-calname", site_name())
    for meeting in meetings:
        show = include_join_url if isinstance(include_join_url, bool) else meeting.pk in include_join_url
        cal.add_component(meeting_event(meeting, include_join_url=show, attendee=attendee))
    cal.add_missing_timezones()
    return cal.to_ical()
