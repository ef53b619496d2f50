"""Demo meetings: the Florence meeting of the seed, the ones around it, and one still to come."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.db import transaction
from django.utils import timezone

from meetings.models import AgendaItem, Meeting, MeetingTransition, Minutes, Registration, ReminderRule
from meetings.services import DEFAULT_REMINDERS, sanitise_html
from partnership.models import Organisation, Partnership, Person

ROME = zoneinfo.ZoneInfo("Europe/Rome")
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")

# day (1 or 2), start, end, kind, title, room, speaking organisations (short names)
FLORENCE_AGENDA = [
    (1, "09:30", "10:00", "plenary", "Welcome by Regione Toscana", "Sala Pegaso", ["Tuscany"]),
    (
        1,
        "10:00",
        "10:45",
        "plenary",
        "The Orientation Paper after the Bucharest Ministerial Meeting",
        "Sala Pegaso",
        ["Nice", "Madrid", "Efus"],
    ),
    (1, "10:45", "11:00", "break", "Coffee break", "", []),
    (1, "11:00", "12:30", "teaser", "Teaser Session: partners pitch potential actions", "Sala Pegaso", []),
    (1, "12:30", "13:30", "break", "Lunch", "", []),
    (1, "13:30", "14:15", "presentation", "Survey of local security needs in Croatia", "Sala Pegaso", ["MGIPU"]),
    (1, "14:15", "15:00", "presentation", "EIB funding opportunities for secure urban areas", "Sala Pegaso", ["EIB"]),
    (
        1,
        "15:30",
        "18:30",
        "site_visit",
        "Site visit to Prato: the [chì-na] cultural association, Pop Up and the "
        "White Paper on the Regional Policies of Urban Security",
        "Prato",
        ["Tuscany"],
    ),
    (
        2,
        "09:00",
        "09:30",
        "plenary",
        "Opening of day 2 by the Regional Minister Vittorio Bugli",
        "Sala Pegaso",
        ["Tuscany"],
    ),
    (2, "09:30", "11:30", "working_group", "Working group: Urban planning and design", "Room A", []),
    (2, "09:30", "11:30", "working_group", "Working group: Technology for smart and secure cities", "Room B", []),
    (2, "09:30", "11:30", "working_group", "Working group: Managing security and sharing public space", "Room C", []),
    (2, "11:30", "12:30", "plenary", "Reports from the working groups: the action long list", "Sala Pegaso", ["Efus"]),
    (
        2,
        "12:30",
        "13:00",
        "plenary",
        "Next steps and the Brussels meeting at the European Week of Regions and Cities",
        "Sala Pegaso",
        ["Nice"],
    ),
]


def _at(day: dt.date, hhmm: str, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    hour, minute = (int(part) for part in hhmm.split(":"))
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def _meeting(partnership: Partnership, title: str, **fields: Any) -> Meeting:
    state = fields.pop("state")
    meeting, created = Meeting.objects.update_or_create(partnership=partnership, title=title, defaults=fields)
    if meeting.state != state:
        MeetingTransition.objects.create(meeting=meeting, from_state=meeting.state, to_state=state, reason="demo data")
        meeting.state = state
        meeting.save(update_fields=["state"])
    if created:
        ReminderRule.objects.bulk_create(
            [ReminderRule(meeting=meeting, days_before=d, anchor=a, audience=au) for d, a, au in DEFAULT_REMINDERS]
        )
    return meeting


@transaction.atomic
def load_meetings(records: dict[str, Any]) -> dict[str, Meeting]:
    security: Partnership = records["security"]
    orgs: dict[str, Organisation] = records["organisations"]
    people: dict[str, Person] = records["people"]
    paris = _meeting(
        security,
        "Kick-off meeting, Paris",
        number=1,
        kind=Meeting.Kind.PARTNERSHIP_MEETING,
        host=orgs["Efus"],
        venue="Efus",
        city="Paris",
        country="FR",
        timezone="Europe/Paris",
        starts_at=dt.datetime(2019, 1, 25, 9, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")),
        ends_at=dt.datetime(2019, 1, 25, 17, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")),
        is_public=True,
        state=Meeting.State.HELD,
    )
    florence = _meeting(
        security,
        "Third partnership meeting, Florence",
        number=3,
        kind=Meeting.Kind.PARTNERSHIP_MEETING,
        description=(
            "Hosted by Regione Toscana. Main objective: start working towards the definition of Actions, "
            "with a participatory approach and ownership by Partners."
        ),
        host=orgs["Tuscany"],
        venue="Palazzo Strozzi Sacrati",
        address="Piazza del Duomo 10",
        city="Florence",
        country="IT",
        timezone="Europe/Rome",
        starts_at=_at(dt.date(2019, 6, 6), "09:30", ROME),
        ends_at=_at(dt.date(2019, 6, 7), "13:00", ROME),
        capacity=60,
        registration_deadline=_at(dt.date(2019, 5, 24), "23:59", ROME),
        is_public=True,
        state=Meeting.State.MINUTES_PUBLISHED,
    )
    brussels = _meeting(
        security,
        "Partnership meeting and EWRC workshop, Brussels",
        number=4,
        kind=Meeting.Kind.PARTNERSHIP_MEETING,
        description="Back to back with the Partnership's workshop at the European Week of Regions and Cities.",
        venue="European Committee of the Regions",
        city="Brussels",
        country="BE",
        timezone="Europe/Brussels",
        starts_at=_at(dt.date(2019, 10, 9), "09:00", BRUSSELS),
        ends_at=_at(dt.date(2019, 10, 9), "13:00", BRUSSELS),
        is_public=True,
        state=Meeting.State.HELD,
    )
    workshop = _meeting(
        security,
        "Workshop at the European Week of Regions and Cities",
        number=None,
        kind=Meeting.Kind.WORKSHOP,
        description="The Partnership's workshop at the European Week of Regions and Cities, after its meeting.",
        city="Brussels",
        country="BE",
        timezone="Europe/Brussels",
        starts_at=_at(dt.date(2019, 10, 9), "14:30", BRUSSELS),
        ends_at=_at(dt.date(2019, 10, 9), "16:00", BRUSSELS),
        is_public=True,
        state=Meeting.State.HELD,
    )
    brussels.linked_meetings.add(workshop)
    florence.linked_meetings.add(brussels)
    start = timezone.localtime(timezone.now() + dt.timedelta(days=30), BRUSSELS).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    online = _meeting(
        security,
        "Online partnership meeting: Action Plan drafting",
        number=None,
        kind=Meeting.Kind.WEBINAR,
        format=Meeting.Format.ONLINE,
        join_url="https://meet.example.eu/security-partnership",
        timezone="Europe/Brussels",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        capacity=40,
        registration_deadline=start - dt.timedelta(days=3),
        state=Meeting.State.REGISTRATION_OPEN,
    )
    for day, begin, end, kind, title, room, speakers in FLORENCE_AGENDA:
        date = dt.date(2019, 6, 5 + day)
        item, _ = AgendaItem.objects.update_or_create(
            meeting=florence,
            title=title,
            defaults={"starts_at": _at(date, begin, ROME), "ends_at": _at(date, end, ROME), "kind": kind, "room": room},
        )
        item.speaker_organisations.set([orgs[short] for short in speakers])
    AgendaItem.objects.update_or_create(
        meeting=online,
        title="Drafting the actions selected in Brussels",
        defaults={"starts_at": start, "ends_at": start + dt.timedelta(hours=3), "kind": AgendaItem.Kind.PLENARY},
    )
    for email, person in people.items():
        if person.organisation.memberships.filter(partnership=security).exists():
            Registration.objects.get_or_create(
                meeting=florence,
                person=person,
                defaults={
                    "state": Registration.State.ATTENDED,
                    "days": ["2019-06-06", "2019-06-07"],
                    "site_visit": True,
                    "registered_at": florence.starts_at - dt.timedelta(days=20),
                    "checked_in_at": florence.starts_at,
                    "consent_participant_list": True,
                },
            )
            if email != "partner@helsinki.example":
                Registration.objects.get_or_create(
                    meeting=online,
                    person=person,
                    defaults={"state": Registration.State.INVITED, "invited_at": timezone.now()},
                )
    Minutes.objects.update_or_create(
        meeting=florence,
        defaults={
            "body": sanitise_html(
                "<p>The Tuscany Region opened the meeting, congratulating the Partnership on the Orientation Paper "
                "presented at the Informal Ministerial Meeting in Bucharest.</p>"
                "<p>In the Teaser Session partners collected potential Actions, which became the long list "
                "discussed in working groups on day 2.</p>"
            ),
            "decisions": sanitise_html("<ul><li>The long list of Actions is the basis for the Action Plan.</li></ul>"),
            "follow_ups": sanitise_html(
                "<ul><li>Other countries are invited to repeat the Croatian survey.</li>"
                "<li>Next meeting: Brussels, 9 October 2019.</li></ul>"
            ),
            "published_at": florence.ends_at + dt.timedelta(days=14),
        },
    )
    return {"paris": paris, "florence": florence, "brussels": brussels, "online": online}
