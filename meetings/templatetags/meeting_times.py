"""Template filters that show a meeting's times in the venue's time zone (see meetings/times.py).

{% load meeting_times %}
{{ meeting|meeting_when }}                       Thursday 6 June 2019, 09:30 – 17:00
{{ meeting|meeting_when_labelled }}              … (Europe/Rome time)
{{ meeting.registration_deadline|venue_time:meeting }}   Monday 27 May 2019, 23:59
{{ meeting.registration_deadline|venue_time_labelled:meeting }}   … 23:59 (Europe/Rome time)
{{ some_moment|venue_date:meeting }}, {{ some_moment|venue_clock:meeting }}
{{ day|meeting_day }}                             Thursday 6 June 2019 (a day of the meeting, a date)
{{ registration.days|registered_days }}           Thu 6 Jun, Fri 7 Jun (the days a registration chose)
"""

from __future__ import annotations

from datetime import date, datetime

from django import template

from meetings import times
from meetings.models import Meeting

register = template.Library()


@register.filter
def meeting_when(meeting: Meeting) -> str:
    return times.meeting_when(meeting)


@register.filter
def meeting_when_labelled(meeting: Meeting) -> str:
    return times.meeting_when_labelled(meeting)


@register.filter
def venue_time(moment: datetime | None, meeting: Meeting) -> str:
    return times.venue_time(meeting, moment) if moment else ""


@register.filter
def venue_time_labelled(moment: datetime | None, meeting: Meeting) -> str:
    return times.venue_time_labelled(meeting, moment) if moment else ""


@register.filter
def venue_date(moment: datetime | None, meeting: Meeting) -> str:
    return times.venue_time(meeting, moment, times.DATE) if moment else ""


@register.filter
def venue_clock(moment: datetime | None, meeting: Meeting) -> str:
    return times.venue_time(meeting, moment, times.CLOCK) if moment else ""


@register.filter
def meeting_day(day: date | None) -> str:
    return times.meeting_day(day) if day else ""


@register.filter
def registered_days(days: list[str] | None) -> str:
    return times.registered_days(days or [])
