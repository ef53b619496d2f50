"""Time the reminder sweep over a meeting with many registrations; prints JSON for `make bench`."""

from __future__ import annotations

import datetime as dt
import json
import statistics
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from meetings import services
from meetings.models import Meeting, Registration, ReminderRule
from partnership.models import Organisation, Partnership, Person


class Command(BaseCommand):
    help = "Time meetings.services.reminders_sweep with N registrations over 20 meetings (medians of repeated runs)."

    meetings = 20

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--partnership", default="security")
        parser.add_argument("--registrations", type=int, default=100_000)
        parser.add_argument("--runs", type=int, default=7)

    def handle(self, *args: Any, **options: Any) -> None:
        meetings = [
            self._meeting(options["partnership"], options["registrations"] // self.meetings, number)
            for number in range(self.meetings)
        ]
        meeting = meetings[0]
        rule = meeting.reminder_rules.get(days_before=2, anchor=ReminderRule.Anchor.START)
        not_due = meeting.starts_at - dt.timedelta(days=20)
        due_at = meeting.starts_at - dt.timedelta(days=1)
        idle = []
        for _ in range(options["runs"]):
            started = time.perf_counter()
            services.reminders_sweep(now=not_due)
            idle.append(time.perf_counter() - started)
        due = []
        for _ in range(options["runs"]):
            # The query the sweep runs for a due rule: the registered people of the meeting, by index.
            started = time.perf_counter()
            rows = list(meeting.registrations.filter(state__in=Registration.HOLDS_PLACE).values_list("pk", "person_id"))
            due.append(time.perf_counter() - started)
        with connection.cursor() as cursor:
            cursor.execute(
                "EXPLAIN SELECT id FROM meetings_registration "
                "WHERE meeting_id = %s AND state IN ('registered', 'confirmed', 'attended')",
                [meeting.pk],
            )
            plan = " ".join(str(column) for row in cursor.fetchall() for column in row)
        self.stdout.write(
            json.dumps(
                {
                    "registrations": Registration.objects.filter(meeting__in=meetings).count(),
                    "meetings": len(meetings),
                    "idle_sweep_ms": round(statistics.median(idle) * 1000, 2),
                    "due_rows": len(rows),
                    "due_rows_ms": round(statistics.median(due) * 1000, 2),
                    "uses_index": "index" in plan.lower(),
                    "rule": str(rule),
                    "due_at": due_at.isoformat(),
                }
            )
        )

    @transaction.atomic
    def _meeting(self, slug: str, count: int, number: int) -> Meeting:
        partnership = Partnership.objects.get(slug=slug)
        title = f"Benchmark reminders {number + 1}: {count} registrations"
        start = timezone.now().replace(microsecond=0) + dt.timedelta(days=30)
        meeting, created = Meeting.objects.get_or_create(
            partnership=partnership,
            title=title,
            defaults={
                "starts_at": start,
                "ends_at": start + dt.timedelta(hours=6),
                "state": Meeting.State.REGISTRATION_OPEN,
            },
        )
        if created:
            services.reminder_rules_ensure_defaults(meeting=meeting)
            organisation = Organisation.objects.filter(memberships__partnership=partnership).first()
            batch = 10_000
            for offset in range(0, count, batch):
                people = Person.objects.bulk_create(
                    [
                        Person(
                            name=f"Registered {n}",
                            email=f"bench-r{meeting.pk}-{n}@example.org",
                            organisation=organisation,
                        )
                        for n in range(offset, min(offset + batch, count))
                    ]
                )
                Registration.objects.bulk_create(
                    [Registration(meeting=meeting, person=p, state=Registration.State.REGISTERED) for p in people]
                )
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE meetings_registration")
        return meeting
