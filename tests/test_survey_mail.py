"""Survey invitations and reminders through a real worker, Redis and an SMTP sink: exactly once as DESIGN.md says."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from mail_checks import (
    assert_worker_log_clean,
    kill_when_received,
    queue_length,
    recover_and_assert_exactly_once,
    rows_by_message_id,
    statuses,
    wait_for_the_kill,
    wait_until,
)

from partnership.models import OutboundMessage
from surveys import services
from surveys.models import Invitation, Question, Respondent, Survey
from surveys.tests.factories import QuestionFactory, SurveyFactory, open_survey

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
Status = OutboundMessage.Status
CONCURRENCY = 2
RECLAIM_AFTER_SECONDS = 5
RESPONDENTS = 1000
KILL_AFTER = 300
STILL_WAITING = 200


def survey_with_respondents(count: int) -> Survey:
    survey = SurveyFactory.create(reminder_after_days=7, reminder_gap_days=5, reminder_max=2)
    QuestionFactory.create(section__survey=survey, kind=Question.Kind.LIKERT, required=True)
    survey = open_survey(survey)
    Respondent.objects.bulk_create(
        Respondent(
            survey=survey,
            name=f"Safety officer {number}",
            email=f"officer{number}@municipality{number % 40}.example",
            region=f"Region {number % 5}",
            language="hr" if number % 3 else "en",
        )
        for number in range(count)
    )
    return survey


def test_a_thousand_invitations_survive_a_killed_worker_and_overlapping_reminder_sweeps(
    celery_worker_factory, smtp_sink, settings, tmp_path
):
    settings.OUTBOX_RECLAIM_AFTER_SECONDS = RECLAIM_AFTER_SECONDS
    env = {"EMAIL_URL": smtp_sink.url, "OUTBOX_RECLAIM_AFTER_SECONDS": str(RECLAIM_AFTER_SECONDS)}
    survey = survey_with_respondents(RESPONDENTS)
    invitations = f"survey:{survey.pk}:invitation:"
    worker = celery_worker_factory(concurrency=CONCURRENCY, extra_env=env)

    killed_during = kill_when_received(smtp_sink, worker, after=KILL_AFTER)
    assert services.invitations_send(survey=survey, by=None) == RESPONDENTS
    assert OutboundMessage.objects.filter(key__startswith=invitations).count() == RESPONDENTS

    sending_at_kill = wait_for_the_kill(
        smtp_sink, killed_during, after=KILL_AFTER, total=RESPONDENTS, concurrency=CONCURRENCY, settings=settings
    )

    recover_and_assert_exactly_once(
        prefix=invitations,
        expected=RESPONDENTS,
        killed_during=killed_during,
        sending_at_kill=sending_at_kill,
        restart=lambda: celery_worker_factory(concurrency=CONCURRENCY, extra_env=env),
        smtp_sink=smtp_sink,
        settings=settings,
        concurrency=CONCURRENCY,
    )
    with smtp_sink.lock:
        recipients = {str(message["To"]) for message in smtp_sink.messages}
    assert recipients == set(survey.respondents.values_list("email", flat=True))

    # Most have answered; the others get their first reminder from two sweeps that overlap.
    waiting = list(survey.invitations.order_by("?").values_list("pk", flat=True)[:STILL_WAITING])
    with transaction.atomic():
        survey.invitations.exclude(pk__in=waiting).update(state=Invitation.State.SUBMITTED)
    smtp_sink.on_receive = None
    due = timezone.now() + timedelta(days=survey.reminder_after_days, minutes=1)
    barrier = threading.Barrier(2)
    queued: list[int] = []

    def sweep() -> None:
        try:
            barrier.wait(timeout=10)
            queued.append(services.reminders_sweep(now=due, batch=50))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(queued) == 2
    assert sum(queued) == STILL_WAITING, f"the sweeps split the due reminders: {queued}"
    assert services.reminders_sweep(now=due) == 0

    reminders = f"survey:{survey.pk}:reminder:"
    wait_until(
        lambda: statuses(reminders) == {Status.SENT: STILL_WAITING} and queue_length(settings) == 0,
        what="every reminder sent",
    )
    smtp_sink.wait_for(RESPONDENTS + STILL_WAITING)
    received = smtp_sink.message_ids()
    by_id = rows_by_message_id(reminders)
    assert set(OutboundMessage.objects.filter(key__startswith=reminders).values_list("key", flat=True)) == {
        f"{reminders}{pk}:1" for pk in waiting
    }
    assert all(received[message_id] == 1 for message_id in by_id), "a reminder was sent twice"
    assert set(survey.invitations.filter(reminders_sent=1).values_list("pk", flat=True)) == set(waiting)
    assert_worker_log_clean(tmp_path / "worker.log")
