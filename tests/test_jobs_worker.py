"""Background jobs through a real worker and Redis: a click made while the broker is down is not lost, and a job
whose worker is killed midway is finished by another worker once its lease runs out, inviting each respondent once."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.urls import reverse
from mail_checks import wait_until

from conftest import free_port
from partnership import background, jobs
from partnership.models import Job, OutboundMessage
from surveys import services
from surveys.models import Invitation, Question, Respondent, Survey
from surveys.services import invitations
from surveys.tests.factories import QuestionFactory, SurveyFactory, open_survey

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
LEASE_SECONDS = 3


def survey_with_respondents(partnership: object, count: int) -> Survey:
    survey = SurveyFactory.create(partnership=partnership)
    QuestionFactory.create(section__survey=survey, kind=Question.Kind.LIKERT, required=True)
    survey = open_survey(survey)
    Respondent.objects.bulk_create(
        Respondent(survey=survey, name=f"Officer {number}", email=f"officer{number}@town{number}.example")
        for number in range(count)
    )
    return survey


@contextmanager
def broker_unreachable() -> Iterator[None]:
    """This process publishes to a closed port, as when Redis is down at the click."""
    from partnership.celery import app as celery_app

    app: Any = celery_app  # its connection pools are private attributes

    def fresh_connections() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    closed = f"redis://127.0.0.1:{free_port()}/0"
    # Celery reads CELERY_BROKER_URL from the environment before its own setting.
    saved = app.conf.broker_url, os.environ.get("CELERY_BROKER_URL"), app.conf.get("broker_write_url")
    app.conf.broker_url = app.conf.broker_write_url = os.environ["CELERY_BROKER_URL"] = closed
    fresh_connections()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.broker_write_url = saved[0], saved[2]
        if saved[1] is None:
            del os.environ["CELERY_BROKER_URL"]
        else:
            os.environ["CELERY_BROKER_URL"] = saved[1]
        fresh_connections()


def test_a_click_made_while_the_broker_is_down_is_kept_and_run_once_by_the_sweep(
    celery_worker_factory, smtp_sink, client, partnership, coordinator, monkeypatch
):
    monkeypatch.setattr(invitations, "INVITE_IN_REQUEST_LIMIT", 10)
    survey = survey_with_respondents(partnership, 40)
    celery_worker_factory(concurrency=2, extra_env={"EMAIL_URL": smtp_sink.url})
    client.force_login(coordinator)
    manage = reverse("surveys:manage", kwargs={"pk": survey.pk})

    with broker_unreachable():
        page = client.post(manage, {"invite": "1"}, follow=True)

    assert page.status_code == 200
    assert "The invitations to 40 respondents are being written and sent" in page.content.decode()
    job = Job.objects.get()
    assert (job.state, job.enqueued_at) == (Job.State.QUEUED, None), "committed with the click, never handed over"
    assert 'data-state="queued"' in client.get(manage).content.decode()
    time.sleep(1)
    assert not Invitation.objects.exists()

    # The broker is back: the sweep hands the job over, and a second hand-off of it changes nothing.
    assert jobs.jobs_sweep().enqueued == 1
    background.enqueue(jobs.TASK, job.pk)
    wait_until(lambda: Job.objects.get().state == Job.State.DONE, timeout=30, what="the job to finish")
    smtp_sink.wait_for(40, timeout=30)
    time.sleep(1)
    assert set(smtp_sink.message_ids().values()) == {1}
    assert Invitation.objects.filter(survey=survey).count() == 40
    job.refresh_from_db()
    assert (job.done, job.total, job.attempts, job.result) == (40, 40, 1, {"invited": 40})
    shown = client.get(manage).content.decode()
    assert 'data-state="done"' in shown
    assert "40 invitations written" in shown


def test_a_job_whose_worker_is_killed_midway_is_finished_by_another_once_its_lease_runs_out(
    celery_worker_factory, smtp_sink, partnership, settings, monkeypatch
):
    respondents = 4 * invitations.INVITE_CHUNK
    monkeypatch.setattr(invitations, "INVITE_IN_REQUEST_LIMIT", 10)
    env = {"EMAIL_URL": smtp_sink.url, "JOB_LEASE_SECONDS": str(LEASE_SECONDS)}
    survey = survey_with_respondents(partnership, respondents)
    worker = celery_worker_factory(concurrency=2, extra_env=env)

    assert services.invitations_dispatch(survey=survey, by=None) == (respondents, True)
    wait_until(lambda: Job.objects.get().done > 0, timeout=30, what="the first chunk", poll=0.01)
    worker.kill()

    job = Job.objects.get()
    assert job.state == Job.State.RUNNING
    assert 0 < job.done < respondents, "the worker was killed midway"
    killed_at = time.monotonic()
    celery_worker_factory(concurrency=2, extra_env=env)
    # The killed worker's task waits in Redis for its visibility timeout: the sweep, not redelivery, recovers it.
    while Job.objects.get().state != Job.State.DONE:
        assert time.monotonic() - killed_at < 40, "the job was not taken over"
        jobs.jobs_sweep()
        time.sleep(0.5)

    job.refresh_from_db()
    assert time.monotonic() - killed_at >= LEASE_SECONDS - 1, "not taken over before the lease ran out"
    assert (job.done, job.total, job.attempts, job.error) == (respondents, respondents, 2, "")
    assert Invitation.objects.filter(survey=survey).count() == respondents
    assert OutboundMessage.objects.filter(key__startswith=f"survey:{survey.pk}:invitation:").count() == respondents


def test_an_export_requested_while_the_broker_is_down_is_kept_and_written_by_the_sweep(
    client, partnership, coordinator
):
    from partnership.celery import app
    from surveys import exports
    from surveys.models import SurveyExport

    survey = survey_with_respondents(partnership, 0)
    client.force_login(coordinator)
    address = reverse("surveys:exports", kwargs={"pk": survey.pk})
    app.conf.task_always_eager = False  # published to the (unreachable) broker, as in production

    with broker_unreachable():
        page = client.post(address, {"format": "csv"}, follow=True)
        assert page.status_code == 200
        assert "The export is being prepared" in page.content.decode()
        export = SurveyExport.objects.get()
        assert (export.state, export.enqueued_at) == (SurveyExport.State.QUEUED, None)
        assert exports.exports_sweep() == 1  # still down: kept for the next sweep
        export.refresh_from_db()
        assert export.enqueued_at is None

    app.conf.task_always_eager = True  # the broker is back; here the task runs in this process
    assert exports.exports_sweep() == 1
    export.refresh_from_db()
    assert export.state == SurveyExport.State.DONE
