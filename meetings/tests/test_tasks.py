"""The meetings' Celery task: the reminder sweep Beat runs every minute, thin and idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from meetings import tasks
from meetings.models import Meeting, Registration, ReminderRule
from meetings.tests.factories import MeetingFactory, RegistrationFactory
from partnership.models import OutboundMessage
from partnership.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def due_meeting():
    """A meeting in two days with one rule (a day-2 reminder to the registered), due now, and one person registered."""
    start = timezone.now() + dt.timedelta(days=2, hours=-1)
    meeting = MeetingFactory(
        starts_at=start, ends_at=start + dt.timedelta(hours=8), registration_deadline=None, reminders=False
    )
    ReminderRule.objects.create(
        meeting=meeting, days_before=2, anchor=ReminderRule.Anchor.START, audience=ReminderRule.Audience.REGISTERED
    )
    RegistrationFactory(meeting=meeting, person=PersonFactory(email="aino@hel.example"))
    RegistrationFactory(meeting=meeting, state=Registration.State.DECLINED)
    return meeting


def test_the_sweep_task_queues_and_sends_the_due_reminder(due_meeting, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queued = tasks.reminders_sweep.delay().get()

    assert queued == 1
    reminder = OutboundMessage.objects.get(key__startswith=f"meeting:{due_meeting.pk}:reminder:")
    assert (reminder.to_email, reminder.status) == ("aino@hel.example", OutboundMessage.Status.SENT)
    assert [message.to for message in mail.outbox] == [["aino@hel.example"]]


def test_running_the_sweep_twice_sends_once(due_meeting, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = tasks.reminders_sweep.delay().get()
    with django_capture_on_commit_callbacks(execute=True):
        second = tasks.reminders_sweep.delay().get()

    assert (first, second) == (1, 0)
    assert OutboundMessage.objects.filter(key__startswith=f"meeting:{due_meeting.pk}:reminder:").count() == 1
    assert len(mail.outbox) == 1


def test_the_sweep_task_sends_nothing_for_a_cancelled_meeting(due_meeting, django_capture_on_commit_callbacks):
    Meeting.objects.filter(pk=due_meeting.pk).update(state=Meeting.State.CANCELLED)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.reminders_sweep.delay().get() == 0

    assert not OutboundMessage.objects.exists()
    assert mail.outbox == []
