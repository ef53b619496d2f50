"""The "Send invitations" job of a long respondent list: run once however often it is started, and shown truthfully
on the manage page to the survey's owner and coordinators only; background exports recovered by their sweep."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from partnership import jobs
from partnership.models import Job, OutboundMessage
from surveys import services
from surveys.models import Invitation, Survey, SurveyExport
from surveys.services import invitations
from surveys.tests.factories import RespondentFactory, open_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def long_list(built, monkeypatch):
    monkeypatch.setattr(invitations, "INVITE_IN_REQUEST_LIMIT", 2)
    monkeypatch.setattr(invitations, "INVITE_CHUNK", 2)
    survey = open_survey(built.survey)
    RespondentFactory.create_batch(5, survey=survey)
    return survey


def queued_job(survey: Survey, by) -> Job:
    """The click, with no worker to take it yet (a test's on_commit callbacks run only when asked)."""
    assert services.invitations_dispatch(survey=survey, by=by) == (5, True)
    return Job.objects.get()


def manage_page(client, survey: Survey) -> str:
    return client.get(reverse("surveys:manage", kwargs={"pk": survey.pk})).content.decode()


def test_a_job_run_twice_or_taken_over_midway_invites_each_respondent_once(long_list, ministry):
    job = queued_job(long_list, ministry)
    # A first worker wrote one chunk, then died holding the job; its lease has run out.
    services.invitations_send(survey=long_list, by=ministry, respondents=list(long_list.respondents.all()[:2]))
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.RUNNING, attempts=1, total=5, done=2, claimed_until=timezone.now() - timedelta(seconds=1)
    )

    assert jobs.job_run(job_id=job.pk) is True
    assert jobs.job_run(job_id=job.pk) is False

    job.refresh_from_db()
    assert (job.state, job.done, job.total, job.result) == (Job.State.DONE, 5, 5, {"invited": 5})
    assert Invitation.objects.filter(survey=long_list).count() == 5
    keys = OutboundMessage.objects.filter(key__startswith=f"survey:{long_list.pk}:invitation:")
    assert keys.count() == 5


def test_a_job_that_cannot_run_fails_with_its_reason(long_list, ministry):
    job = queued_job(long_list, ministry)
    services.survey_transition(survey=long_list, to_state=Survey.State.CLOSED, by=ministry)

    assert jobs.job_run(job_id=job.pk) is False

    job.refresh_from_db()
    assert (job.state, job.error) == (Job.State.FAILED, "Open the survey before sending invitations.")
    assert not Invitation.objects.exists()


def test_the_manage_page_shows_the_job_queued_then_its_progress_then_done_or_failed(client, long_list, ministry):
    client.force_login(ministry)
    job = queued_job(long_list, ministry)

    page = manage_page(client, long_list)
    assert 'data-state="queued"' in page
    assert "Waiting for a worker to start" in page
    assert 'name="invite"' not in page, "no second send while the job is open"
    assert 'http-equiv="refresh"' in page

    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, done=2, total=5)
    page = manage_page(client, long_list)
    assert 'data-state="running"' in page
    assert "2 of 5 invitations written" in page
    assert '<progress id="invite-job-progress" class="w-100" max="5" value="2">' in page

    Job.objects.filter(pk=job.pk).update(state=Job.State.FAILED, error="Open the survey before sending invitations.")
    page = manage_page(client, long_list)
    assert 'data-state="failed"' in page
    assert 'http-equiv="refresh"' not in page
    assert "Failed: Open the survey before sending invitations. (2 invitations were written before.)" in page
    assert 'name="invite"' in page, "the owner may try again"

    assert jobs.job_request(kind=job.kind, partnership=job.partnership, by=ministry, params=job.params, key=job.key)
    jobs.job_run(job_id=Job.objects.filter(state=Job.State.QUEUED).get().pk)
    page = manage_page(client, long_list)
    assert 'data-state="done"' in page
    assert "5 invitations written; the funnel shows them going out." in page


def test_only_the_owner_and_the_coordinators_see_the_job(client, long_list, ministry, coordinator, partner, outsider):
    queued_job(long_list, ministry)
    for allowed in (ministry, coordinator):
        client.force_login(allowed)
        assert 'data-state="queued"' in manage_page(client, long_list)
    address = reverse("surveys:manage", kwargs={"pk": long_list.pk})
    client.force_login(partner)
    assert client.get(address).status_code == 403
    assert client.post(address, {"invite": "1"}).status_code == 403
    client.force_login(outsider)
    assert client.get(address).status_code == 404
    assert client.post(address, {"invite": "1"}).status_code == 404
    assert Job.objects.count() == 1


def test_an_export_held_by_a_live_worker_is_left_to_it_and_handed_again_once_its_lease_runs_out(built, ministry):
    from surveys import exports

    export = SurveyExport.objects.create(survey=built.survey, format="csv", requested_by=ministry)
    holder_started = timezone.now() - timedelta(seconds=5)
    SurveyExport.objects.filter(pk=export.pk).update(
        state=SurveyExport.State.RUNNING, started_at=holder_started, claimed_until=timezone.now() + timedelta(minutes=1)
    )

    assert exports.exports_sweep() == 0
    exports.export_run(export=export)  # a second delivery of the task while the first worker writes
    export.refresh_from_db()
    assert (export.state, export.started_at) == (SurveyExport.State.RUNNING, holder_started)

    SurveyExport.objects.filter(pk=export.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert exports.exports_sweep() == 1  # eager here: the export is written at once
    export.refresh_from_db()
    assert export.state == SurveyExport.State.DONE
    assert export.file.name and export.claimed_until is None


def test_an_export_the_broker_never_got_is_handed_over_by_the_sweep_and_a_recent_hand_off_is_left(built, ministry):
    from surveys import exports

    lost = SurveyExport.objects.create(survey=built.survey, format="csv", requested_by=ministry)
    handed = SurveyExport.objects.create(
        survey=built.survey, format="xlsx", requested_by=ministry, enqueued_at=timezone.now()
    )

    assert exports.exports_sweep() == 1

    lost.refresh_from_db()
    handed.refresh_from_db()
    assert (lost.state, handed.state) == (SurveyExport.State.DONE, SurveyExport.State.QUEUED)
