"""How a meeting's times read wherever they are shown: in the venue's time zone, labelled with it.

Every page and mail that shows a meeting's time formats it through these functions (templates through
the `meeting_times` library): the meeting page, agenda, registration, manage and home pages and every
meeting mail, so an invitee reads one time wherever they look. They return text, never a
datetime, because Django's `date` filter first converts an aware datetime to the active time zone
(the server's, in a request or a task): `{{ meeting.local(...)|date }}` shows the server's time.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import formats, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from meetings.models import AgendaItem, Meeting

DATE = "l j F Y"  # Thursday 6 June 2019
DATETIME = "l j F Y, H:i"  # Thursday 6 June 2019, 09:30
CLOCK = "H:i"  # 09:30
SHORT_DAY = "D j M"  # Thu 6 Jun
# The same formats as other languages write them: "četvrtak, 6. lipnja 2019., 09:30", "giovedì 6 giugno 2019, 09:30".
IN_LANGUAGE = {
    "hr": {DATE: "l, j. E Y.", DATETIME: "l, j. E Y., H:i", SHORT_DAY: "D, j. n."},
    "it": {DATE: "l j E Y", DATETIME: "l j E Y, H:i", SHORT_DAY: "D j M"},
}


def _format(moment: date | datetime, fmt: str) -> str:
    return formats.date_format(moment, IN_LANGUAGE.get(translation.get_language() or "", {}).get(fmt, fmt))


def venue_time(meeting: Meeting, moment: datetime, fmt: str = DATETIME) -> str:
    """`moment` as the venue's clock and calendar show it, in the `date` filter's format `fmt`."""
    return _format(meeting.local(moment), fmt)


def meeting_when(meeting: Meeting) -> str:
    """The meeting's start and end in the venue's time zone: "Thursday 6 June 2019, 09:30 – 17:00" on
    one day, "Thursday 6 June 2019, 09:30 – Friday 7 June 2019, 13:00" over several."""
    starts, ends = meeting.local(meeting.starts_at), meeting.local(meeting.ends_at)
    end_format = CLOCK if starts.date() == ends.date() else DATETIME
    return f"{_format(starts, DATETIME)} – {_format(ends, end_format)}"


def meeting_day(day: date) -> str:
    """A day of the meeting (a date, already the venue's), as a label: "Thursday 6 June 2019", "Četvrtak, 6. lipnja
    2019." (in a sentence Croatian and Italian write the weekday in lower case)."""
    return capfirst(_format(day, DATE))


def registered_days(days: list[str]) -> str:
    """The days a registration chose (ISO dates, already the venue's), short: "Thu 6 Jun, Fri 7 Jun"."""
    return ", ".join(_format(date.fromisoformat(day), SHORT_DAY) for day in days)


def zone_label(meeting: Meeting) -> str:
    """What follows a time to say which clock it is on: "Europe/Helsinki time"."""
    return _("%(zone)s time") % {"zone": meeting.timezone}


def meeting_when_labelled(meeting: Meeting) -> str:
    """`meeting_when` followed by its zone: "… 09:30 – 17:00 (Europe/Helsinki time)"."""
    return f"{meeting_when(meeting)} ({zone_label(meeting)})"


def venue_time_labelled(meeting: Meeting, moment: datetime) -> str:
    """`venue_time` followed by its zone: "Wednesday 27 January 2027, 23:59 (Europe/Riga time)"."""
    return f"{venue_time(meeting, moment)} ({zone_label(meeting)})"


def agenda_item_time(item: AgendaItem, meeting: Meeting) -> str:
    """An agenda item's time on the venue's clock, "09:30–10:15", or that it is to be confirmed."""
    if item.time_to_be_confirmed:
        return _("Time to be confirmed")
    return f"{venue_time(meeting, item.starts_at, CLOCK)}–{venue_time(meeting, item.ends_at, CLOCK)}"
