""" "Write to participants" through a real worker, Redis and an SMTP server: the click writes a job row, a worker
turns it into one outbox mail per recipient, and each recipient receives the letter exactly once."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse
from mail_checks import wait_until

from meetings.models import Registration
from meetings.tests.factories import MeetingFactory, RegistrationFactory
from partnership import background, jobs
from partnership.models import Job, OutboundMessage
from partnership.tests.factories import PersonFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_letter_to_the_registered_reaches_each_of_them_once_through_a_worker(
    celery_worker_factory, smtp_sink, client, partnership, coordinator
):
    meeting = MeetingFactory.create(partnership=partnership, title="Faenza meeting", city="Faenza")
    registered = [
        RegistrationFactory.create(meeting=meeting, person=PersonFactory.create(email=f"r{n}@city.example"))
        for n in range(30)
    ]
    RegistrationFactory(
        meeting=meeting, state=Registration.State.INVITED, person=PersonFactory.create(email="no@city.example")
    )
    celery_worker_factory(concurrency=2, extra_env={"EMAIL_URL": smtp_sink.url})
    client.force_login(coordinator)

    page = client.post(
        reverse("meetings:write", kwargs={"pk": meeting.pk}),
        {"audience": "registered", "subject": "Site visit", "body": "The bus leaves at 8:00."},
        follow=True,
    )

    assert page.status_code == 200
    wait_until(lambda: Job.objects.get().state == Job.State.DONE, timeout=60, what="the letter's job to finish")
    smtp_sink.wait_for(30, timeout=60)
    job = Job.objects.get()
    background.enqueue(jobs.TASK, job.pk)  # a second hand-off of the same job (a redelivered task) adds nothing
    time.sleep(2)
    assert OutboundMessage.objects.filter(key__startswith=f"meeting:{meeting.pk}:letter:").count() == 30
    assert set(smtp_sink.message_ids().values()) == {1}, "every letter was received exactly once"
    received = {message["To"] for message in smtp_sink.messages}
    assert received == {registration.person.email for registration in registered}
    assert 'data-state="done"' in client.get(reverse("meetings:write", kwargs={"pk": meeting.pk})).content.decode()
