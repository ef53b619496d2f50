"""The daily digest through a real worker, Redis and an SMTP server: two overlapping Beat runs start one durable
job, which writes one outbox mail per user and day, and each user receives their digest exactly once; a worker
killed midway leaves the job to another once its lease runs out, and nobody gets a second digest."""

from __future__ import annotations

import time

import pytest
from mail_checks import wait_until

from actions import services as action_services
from actions.models import Action
from actions.tests.factories import ActionFactory
from partnership import background, jobs, outbox
from partnership.models import Job, OutboundMessage
from partnership.tests.factories import PartnershipFactory, PersonFactory, UserFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
RECLAIM_AFTER_SECONDS = 5


def test_two_overlapping_beat_runs_send_each_user_one_digest_through_a_worker(celery_worker_factory, smtp_sink):
    action = ActionFactory.create(
        partnership=PartnershipFactory.create(), state=Action.State.UNDER_DISCUSSION, title="Safer markets"
    )
    readers = []
    for number in range(20):
        user = UserFactory.create()
        PersonFactory.create(organisation=action.owner, user=user, email=f"reader{number}@city.example")
        readers.append(user)
    author = PersonFactory.create(organisation=action.owner)
    for number in range(2):
        action_services.comment_add(action=action, author=author, body=f"Comment {number}")
    celery_worker_factory(concurrency=2, extra_env={"EMAIL_URL": smtp_sink.url})

    background.enqueue("partnership.tasks.digests_start")
    background.enqueue("partnership.tasks.digests_start")

    smtp_sink.wait_for(20, timeout=60)
    wait_until(lambda: Job.objects.filter(state=Job.State.DONE).exists(), timeout=60, what="the digest job")
    job = Job.objects.get()
    background.enqueue(jobs.TASK, job.pk)  # a redelivered hand-off of the same job adds nothing
    background.enqueue("partnership.tasks.digests_start")  # nor a later run the same day
    time.sleep(3)
    assert Job.objects.count() == 1
    assert OutboundMessage.objects.filter(key__startswith="digest:").count() == 20
    assert set(smtp_sink.message_ids().values()) == {1}, "every digest was received exactly once"
    assert sorted(message["To"] for message in smtp_sink.messages) == sorted(
        f"reader{number}@city.example" for number in range(20)
    )
    message = smtp_sink.messages[0]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Safer markets" in str(message.get_payload(0) if message.is_multipart() else message.get_payload())


def test_a_digest_job_whose_worker_is_killed_midway_is_finished_by_another_each_user_mailed_once(
    celery_worker_factory, smtp_sink, settings
):
    readers = 150
    action = ActionFactory.create(partnership=PartnershipFactory.create(), state=Action.State.UNDER_DISCUSSION)
    for number in range(readers):
        user = UserFactory.create()
        PersonFactory.create(organisation=action.owner, user=user, email=f"reader{number}@city.example")
    action_services.comment_add(action=action, author=PersonFactory.create(organisation=action.owner), body="Hi")
    settings.OUTBOX_RECLAIM_AFTER_SECONDS = RECLAIM_AFTER_SECONDS
    env = {
        "EMAIL_URL": smtp_sink.url,
        "JOB_LEASE_SECONDS": "3",
        "OUTBOX_RECLAIM_AFTER_SECONDS": str(RECLAIM_AFTER_SECONDS),
    }
    worker = celery_worker_factory(concurrency=2, extra_env=env)

    background.enqueue("partnership.tasks.digests_start")
    wait_until(lambda: Job.objects.filter(done__gt=0).exists(), timeout=30, what="the first users' digests", poll=0.01)
    worker.kill()
    job = Job.objects.get()
    assert job.state == Job.State.RUNNING and 0 < job.done < readers, "the worker was killed midway"
    sending_at_kill = set(OutboundMessage.objects.filter(status="sending").values_list("key", flat=True))

    celery_worker_factory(concurrency=2, extra_env=env)
    killed_at = time.monotonic()
    while Job.objects.get().state != Job.State.DONE or len(smtp_sink.message_ids()) < readers:
        assert time.monotonic() - killed_at < 60, "the digest was not finished after the kill"
        jobs.jobs_sweep()
        outbox.outbox_sweep()
        time.sleep(0.5)

    time.sleep(1)
    assert OutboundMessage.objects.filter(key__startswith="digest:").count() == readers
    assert {message["To"] for message in smtp_sink.messages} == {f"reader{n}@city.example" for n in range(readers)}
    # Only a mail the dead worker was handing to the SMTP server may come twice, under the same Message-ID.
    repeated = {message_id for message_id, count in smtp_sink.message_ids().items() if count > 1}
    in_flight = {OutboundMessage(key=key).message_id for key in sending_at_kill}
    assert repeated <= in_flight and len(repeated) <= 2
