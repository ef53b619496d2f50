from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import factory
from django.utils import timezone

from meetings.models import AgendaItem, Meeting, MeetingDocument, Registration
from meetings.services import reminder_rules_ensure_defaults
from partnership.tests.factories import PartnershipFactory, PersonFactory

ROME = zoneinfo.ZoneInfo("Europe/Rome")


def local_start(days_ahead: int = 30, hour: int = 9, minute: int = 30, zone: zoneinfo.ZoneInfo = ROME) -> dt.datetime:
    """A start time some days from now, at a round local hour in the venue's zone."""
    day = timezone.localtime(timezone.now(), zone).date() + dt.timedelta(days=days_ahead)
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


class MeetingFactory(factory.django.DjangoModelFactory[Meeting]):
    """A two-day in-person meeting in Florence, registration open, with the default reminder rules."""

    class Meta:
        model = Meeting
        skip_postgeneration_save = True

    partnership = factory.SubFactory(PartnershipFactory)
    title = factory.Sequence(lambda n: f"Partnership meeting {n}")
    venue = "Palazzo Strozzi Sacrati"
    address = "Piazza del Duomo 10"
    city = "Florence"
    country = "IT"
    timezone = "Europe/Rome"
    starts_at = factory.LazyFunction(local_start)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(days=1, hours=3, minutes=30))
    registration_deadline = factory.LazyAttribute(lambda o: o.starts_at - dt.timedelta(days=10))
    state = Meeting.State.REGISTRATION_OPEN
    is_public = True

    @factory.post_generation
    def reminders(obj: Meeting, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted is not False:
            reminder_rules_ensure_defaults(meeting=obj)


def ended_meeting(**fields: Any) -> Meeting:
    """A meeting that ended an hour ago, after a morning's work: it may be marked held, and people checked in."""
    now = timezone.now()
    defaults: dict[str, Any] = {
        "starts_at": now - dt.timedelta(hours=5),
        "ends_at": now - dt.timedelta(hours=1),
        "registration_deadline": None,
    }
    return MeetingFactory.create(**{**defaults, **fields})


class AgendaItemFactory(factory.django.DjangoModelFactory[AgendaItem]):
    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    title = factory.Sequence(lambda n: f"Agenda item {n}")
    starts_at = factory.LazyAttribute(lambda o: o.meeting.starts_at)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(minutes=45))
    kind = AgendaItem.Kind.PLENARY


class RegistrationFactory(factory.django.DjangoModelFactory[Registration]):
    """A registration row as a given state leaves it (no mail, no token: use the services for those)."""

    class Meta:
        model = Registration

    meeting = factory.SubFactory(MeetingFactory)
    person = factory.SubFactory(PersonFactory)
    state = Registration.State.REGISTERED
    invited_at = factory.LazyFunction(timezone.now)
    registered_at = factory.LazyFunction(timezone.now)
    days = factory.LazyAttribute(lambda o: [day.isoformat() for day in o.meeting.days])


class MeetingDocumentFactory(factory.django.DjangoModelFactory[MeetingDocument]):
    class Meta:
        model = MeetingDocument

    meeting = factory.SubFactory(MeetingFactory)
    title = factory.Sequence(lambda n: f"Presentation {n}")
    kind = MeetingDocument.Kind.PRESENTATION
    visibility = MeetingDocument.Visibility.MEMBERS
    file = factory.django.FileField(filename="slides.pdf", data=b"%PDF-1.4 slides")
    content_type = "application/pdf"
    size = 15
