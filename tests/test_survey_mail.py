"""Survey invitations and reminders through a real worker, Redis and an SMTP sink: exactly once as DESIGN.md says."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
import redis
from django.db import connection, transaction
from django.utils import timezone

from partnership import outbox
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


def wait_until(condition: Callable[[], bool], *, timeout: float = 60, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def statuses(prefix: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in OutboundMessage.objects.filter(key__startswith=prefix).values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def queue_length(settings: Any) -> int:
    return int(redis.Redis.from_url(settings.CELERY_BROKER_URL).llen("celery"))


def rows_by_message_id(prefix: str) -> dict[str, int]:
    return {m.message_id: m.pk for m in OutboundMessage.objects.filter(key__startswith=prefix).only("pk", "key")}


def assert_worker_log_clean(log: Path) -> None:
    text = log.read_text(errors="replace")
    problems = [
        line for line in text.splitlines() if re.search(r"\b(ERROR|CRITICAL)\b|Traceback|raised unexpected", line)
    ]
    assert problems == [], "\n".join(problems[:20])


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

    # The worst moment: the SMTP server has a message, the worker has not yet heard "250".
    killed_during: list[str] = []

    def kill_mid_send(received: Message) -> None:
        if not killed_during and len(smtp_sink.message_ids()) >= KILL_AFTER:
            worker.kill()
            killed_during.append(str(received["Message-ID"]))

    smtp_sink.on_receive = kill_mid_send
    assert services.invitations_send(survey=survey, by=None) == RESPONDENTS
    assert OutboundMessage.objects.filter(key__startswith=invitations).count() == RESPONDENTS

    wait_until(lambda: bool(killed_during), what=f"{KILL_AFTER} invitations and the kill")
    sending_at_kill = set(OutboundMessage.objects.filter(status=Status.SENDING).values_list("pk", flat=True))
    assert len(smtp_sink.message_ids()) < RESPONDENTS * 0.8, "the kill should come in the middle of the run"
    assert 1 <= len(sending_at_kill) <= CONCURRENCY

    celery_worker_factory(concurrency=CONCURRENCY, extra_env=env)
    last: dict[str, int] = {}

    def drained() -> bool:
        nonlocal last
        now = statuses(invitations)
        settled = queue_length(settings) == 0 and now == last
        last = now
        if not settled:
            time.sleep(0.5)
        return settled

    wait_until(drained, timeout=90, what="the restarted worker to drain the queue")
    still_sending = set(OutboundMessage.objects.filter(status=Status.SENDING).values_list("pk", flat=True))
    assert sending_at_kill <= still_sending, "only the sweep may take back a row a dead worker held"

    def swept_all_sent() -> bool:
        outbox.outbox_sweep()
        if statuses(invitations) == {Status.SENT: RESPONDENTS}:
            return True
        time.sleep(0.5)
        return False

    wait_until(swept_all_sent, what="the sweep to recover every invitation")
    smtp_sink.wait_for(RESPONDENTS)
    received = smtp_sink.message_ids()
    by_id = rows_by_message_id(invitations)
    assert set(received) == set(by_id), "every invitation arrived, and nothing else"
    repeated = {by_id[message_id]: count for message_id, count in received.items() if count > 1}
    assert set(repeated) <= sending_at_kill, f"repeats {repeated} not in sending at the kill {sending_at_kill}"
    assert all(count == 2 for count in repeated.values())
    assert by_id[killed_during[0]] in repeated, "the invitation the SMTP server had at the kill is sent again"
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
