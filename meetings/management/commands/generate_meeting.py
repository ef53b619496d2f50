"""Make a public meeting with N agenda items and M registrations, for the benchmark; prints its id."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from meetings.models import AgendaItem, Meeting, Registration
from partnership.models import Organisation, Partnership, Person


class Command(BaseCommand):
    help = "Create (or reuse) a held public meeting with the given numbers of agenda items and registrations."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--partnership", default="security")
        parser.add_argument("--items", type=int, default=25)
        parser.add_argument("--registrations", type=int, default=40)

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        partnership = Partnership.objects.get(slug=options["partnership"])
        items, registrations = options["items"], options["registrations"]
        title = f"Benchmark meeting: {items} agenda items, {registrations} registrations"
        start = dt.datetime(2020, 3, 2, 9, 0, tzinfo=dt.UTC)
        days = max(1, (items + 11) // 12)
        meeting, created = Meeting.objects.get_or_create(
            partnership=partnership,
            title=title,
            defaults={
                "starts_at": start,
                "ends_at": start + dt.timedelta(days=days - 1, hours=9),
                "timezone": "Europe/Rome",
                "city": "Faenza",
                "country": "IT",
                "is_public": True,
                "state": Meeting.State.HELD,
            },
        )
        if created:
            speakers = list(Organisation.objects.filter(memberships__partnership=partnership)[:3])
            agenda = []
            for index in range(items):
                day, slot = divmod(index, 12)
                begins = start + dt.timedelta(days=day, minutes=45 * slot)
                agenda.append(
                    AgendaItem(
                        meeting=meeting,
                        starts_at=begins,
                        ends_at=begins + dt.timedelta(minutes=40),
                        title=f"Session {index + 1}",
                        kind=AgendaItem.Kind.PLENARY,
                        room=f"Room {slot % 3 + 1}",
                    )
                )
            AgendaItem.objects.bulk_create(agenda)
            for item in meeting.agenda_items.all()[: min(items, 50)]:
                item.speaker_organisations.set(speakers)
            organisation = Organisation.objects.filter(memberships__partnership=partnership).first()
            people = Person.objects.bulk_create(
                [
                    Person(
                        name=f"Participant {n}",
                        email=f"bench-m{meeting.pk}-p{n}@example.org",
                        organisation=organisation,
                    )
                    for n in range(registrations)
                ]
            )
            Registration.objects.bulk_create(
                [Registration(meeting=meeting, person=person, state=Registration.State.ATTENDED) for person in people]
            )
        self.stdout.write(str(meeting.pk))
