"""Background jobs: a row committed with the request, claimed with a lease, run once, recovered by the sweep."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from partnership import jobs, outbox
from partnership.models import Job, OutboundMessage

pytestmark = pytest.mark.django_db
COUNT = "partnership.tests.test_jobs.count_handler"
RUNS: list[int] = []


@jobs.job_handler
def count_handler(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    RUNS.append(job.pk)
    progress(0, 3)
    if job.params.get("take_over") and len(RUNS) == 1:
        # A second worker takes the job over while this one stalls past its lease.
        Job.objects.filter(pk=job.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
        assert jobs.job_run(job_id=job.pk) is True
    if job.params.get("fail"):
        raise ValueError("the file has no header row")
    progress(3)
    return {"count": 3}


def not_a_handler(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    return {}


@pytest.fixture(autouse=True)
def _fresh_runs() -> None:
    RUNS.clear()


def request(partnership: Any, coordinator: Any = None, **params: Any) -> Job:
    return jobs.job_request(kind=COUNT, partnership=partnership, by=coordinator, params=params, key="count:1")


def test_a_request_is_committed_then_run_once_and_a_second_run_does_nothing(
    partnership, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = request(partnership, coordinator)
    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.result, job.requested_by) == (
        Job.State.DONE,
        3,
        3,
        {"count": 3},
        coordinator,
    )
    assert job.started_at and job.finished_at and job.claimed_until is None
    assert jobs.job_run(job_id=job.pk) is False
    assert [job.pk] == RUNS


def test_a_repeated_click_returns_the_open_job_and_a_later_one_starts_anew(partnership, monkeypatch):
    monkeypatch.setattr(transaction, "on_commit", lambda *args, **kwargs: None)  # no worker takes it here
    first = request(partnership)
    assert request(partnership) == first
    assert Job.objects.count() == 1
    Job.objects.filter(pk=first.pk).update(state=Job.State.DONE)
    assert request(partnership) != first


def test_a_rolled_back_request_leaves_nothing_and_runs_nothing(partnership, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        request(partnership)
        raise RuntimeError
    assert not Job.objects.exists()
    assert RUNS == []


def test_only_marked_handlers_run(partnership):
    with pytest.raises(ImportError):
        jobs.job_request(kind="partnership.tests.test_jobs.not_a_handler", partnership=partnership, by=None, params={})


def test_a_failure_is_kept_with_its_reason(partnership, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = request(partnership, fail=True)
    job.refresh_from_db()
    assert (job.state, job.error) == (Job.State.FAILED, "ValueError: the file has no header row")
    assert job.finished_at is not None


def test_a_worker_that_lost_its_lease_leaves_the_job_to_the_one_that_took_it_over(
    partnership, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = request(partnership, take_over=True)
    job.refresh_from_db()
    assert [job.pk, job.pk] == RUNS
    assert (job.state, job.attempts, job.result) == (Job.State.DONE, 2, {"count": 3})


def test_the_sweep_hands_over_jobs_the_broker_lost_and_those_whose_worker_died(partnership, settings):
    now = timezone.now()
    lost = Job.objects.create(kind=COUNT, partnership=partnership, enqueued_at=None)
    handed_long_ago = Job.objects.create(kind=COUNT, partnership=partnership, enqueued_at=now - timedelta(minutes=5))
    handed_just_now = Job.objects.create(kind=COUNT, partnership=partnership, enqueued_at=now)
    abandoned = Job.objects.create(
        kind=COUNT,
        partnership=partnership,
        state=Job.State.RUNNING,
        attempts=1,
        claimed_until=now - timedelta(seconds=1),
    )
    held = Job.objects.create(
        kind=COUNT,
        partnership=partnership,
        state=Job.State.RUNNING,
        attempts=1,
        claimed_until=now + timedelta(minutes=1),
    )
    given_up = Job.objects.create(
        kind=COUNT,
        partnership=partnership,
        state=Job.State.RUNNING,
        attempts=settings.JOB_MAX_ATTEMPTS,
        claimed_until=now - timedelta(seconds=1),
    )

    result = jobs.jobs_sweep()  # eager here: each job handed over runs at once

    states = dict(Job.objects.values_list("pk", "state"))
    assert (result.enqueued, result.failed) == (3, 1)
    assert sorted(RUNS) == sorted([lost.pk, handed_long_ago.pk, abandoned.pk])
    assert [states[j.pk] for j in (lost, handed_long_ago, abandoned)] == [Job.State.DONE] * 3
    assert (states[handed_just_now.pk], states[held.pk]) == (Job.State.QUEUED, Job.State.RUNNING)
    assert states[given_up.pk] == Job.State.FAILED


def test_bulk_mail_is_handed_to_tasks_oldest_first(partnership, django_capture_on_commit_callbacks):
    start = timezone.now()
    messages = [
        OutboundMessage(
            key=f"bulk:{number}",
            to_email=f"person{number}@example.org",
            subject="Invitation",
            body_text="Hello",
            created_at=start + timedelta(seconds=number),
        )
        for number in range(5)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.messages_enqueue_bulk(messages) == 5
    assert [sent.to[0] for sent in mail.outbox] == [f"person{number}@example.org" for number in range(5)]
