"""The outbox recovers within a lease from every fault: a refused SMTP connection, a 4xx storm, a broker
restarted empty, a killed worker. Real worker, PostgreSQL, the test's own redis-server and aiosmtpd."""

from __future__ import annotations

import threading
import time
from collections import Counter
from email.message import Message
from typing import Any

import pytest
from django.db import transaction
from mail_checks import (
    Sweeper,
    assert_no_task_raised,
    assert_worker_log_clean,
    attempts,
    lease_env,
    queue_length,
    rows_by_message_id,
    statuses,
    wait_until,
)

from partnership import outbox
from partnership.models import OutboundMessage
from surveys import services
from surveys.models import Question, Respondent, Survey
from surveys.tests.factories import QuestionFactory, SurveyFactory, open_survey

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
Status = OutboundMessage.Status
CONCURRENCY = 2
LEASE = 4  # the claim's lease: OUTBOX_RECLAIM_AFTER_SECONDS, a minute in production
HANDOFF = 3  # OUTBOX_HANDOFF_LEASE_SECONDS
EMAIL_TIMEOUT = 2
ACCEPT = "250 Message accepted for delivery"
BUSY = "451 4.3.0 Try again later"


def prepared(prefix: str, count: int) -> list[OutboundMessage]:
    return [
        OutboundMessage(key=f"{prefix}:{n:04}", to_email=f"r{n}@example.org", subject=f"S{n}", body_text="Body")
        for n in range(count)
    ]


def on_short_leases(settings: Any, sink: Any, *, lease: int = LEASE, retry_base: int = 1) -> dict[str, str]:
    """The test process (which sweeps) and its workers on the same short leases."""
    settings.OUTBOX_RECLAIM_AFTER_SECONDS = lease
    settings.OUTBOX_HANDOFF_LEASE_SECONDS = HANDOFF
    settings.EMAIL_TIMEOUT = EMAIL_TIMEOUT
    return lease_env(sink, lease=lease, handoff=HANDOFF, email_timeout=EMAIL_TIMEOUT, retry_base=retry_base)


def settled(prefix: str, settings: Any) -> bool:
    """The broker's queue is empty and no row is being sent."""
    return queue_length(settings) == 0 and Status.SENDING not in statuses(prefix)


def sweep_until_all_sent(prefix: str, expected: int, timeout: float = 60) -> None:
    def all_sent() -> bool:
        outbox.outbox_sweep()
        if statuses(prefix) == {Status.SENT: expected}:
            return True
        time.sleep(0.3)
        return False

    wait_until(all_sent, timeout=timeout, what=f"all {expected} sent")


def assert_each_once(sink: Any, prefix: str) -> None:
    received = sink.message_ids()
    assert set(received) == set(rows_by_message_id(prefix)), "every message arrived, and nothing else"
    assert max(received.values()) == 1, "a message was sent twice"


def test_a_refused_connection_puts_the_batch_back_untried_and_it_goes_once_the_server_accepts(
    celery_worker_factory, smtp_sink, settings, tmp_path
):
    env = on_short_leases(settings, smtp_sink, retry_base=1)
    settings.OUTBOX_BATCH_SIZE = 10
    smtp_sink.refuse_connections()
    celery_worker_factory(concurrency=CONCURRENCY, extra_env=env)
    with transaction.atomic():
        assert outbox.messages_enqueue_bulk(prepared("refused", 30)) == 30

    wait_until(
        lambda: settled("refused:", settings) and not OutboundMessage.objects.filter(last_error="").exists(),
        what="the three batches to put their rows back",
    )
    assert OutboundMessage.objects.filter(last_error__contains="Connection refused").exists()
    assert statuses("refused:") == {Status.PENDING: 30}, "no row waits in sending for the reclaim"
    assert attempts("refused:") == {0: 30}, "nothing was tried, so no attempt counts"
    assert_no_task_raised(tmp_path / "worker.log")

    smtp_sink.accept_connections()
    sweep_until_all_sent("refused:", 30)
    assert attempts("refused:") == {1: 30}
    assert_each_once(smtp_sink, "refused:")
    assert_no_task_raised(tmp_path / "worker.log")


def test_a_451_storm_costs_the_attempts_of_a_few_rows_not_of_the_queue(
    celery_worker_factory, smtp_sink, settings, tmp_path
):
    env = on_short_leases(settings, smtp_sink, retry_base=5)
    settings.OUTBOX_BATCH_SIZE = 20
    smtp_sink.reply = BUSY
    celery_worker_factory(concurrency=CONCURRENCY, extra_env=env)
    with transaction.atomic():
        assert outbox.messages_enqueue_bulk(prepared("storm", 200)) == 200

    wait_until(
        lambda: settled("storm:", settings) and not OutboundMessage.objects.filter(last_error="").exists(),
        what="the ten batches to put their rows back",
    )
    tried = sum(count for tries, count in attempts("storm:").items() if tries)
    assert statuses("storm:") == {Status.PENDING: 200}
    # A batch stops after two refusals in a row (outbox.STORM_REFUSALS) and the workers leave SMTP alone
    # meanwhile; at worst each process has its own pause (a per-process cache) and one more batch started.
    assert 2 <= tried <= 2 * 2 * CONCURRENCY, f"{tried} rows tried in a storm"
    assert smtp_sink.refused == tried
    assert_no_task_raised(tmp_path / "worker.log")

    smtp_sink.reply = ACCEPT
    sweep_until_all_sent("storm:", 200)
    assert_each_once(smtp_sink, "storm:")
    assert_worker_log_clean(tmp_path / "worker.log")


def test_the_sweep_hands_again_within_the_handoff_lease_what_a_broker_restarted_empty_lost(
    own_broker, celery_worker_factory, smtp_sink, settings, tmp_path
):
    # A claim's lease far longer than the hand-off's: the sweep must not wait for the former.
    env = on_short_leases(settings, smtp_sink, lease=30)
    with transaction.atomic():
        assert outbox.messages_enqueue_bulk(prepared("lost", 120)) == 120
    handed = time.monotonic()
    assert queue_length(settings) > 0, "the tasks wait in the broker"
    own_broker.kill()
    own_broker.start()
    assert queue_length(settings) == 0, "the broker came back empty"

    assert outbox.outbox_sweep().enqueued == 0, "within the hand-off lease the tasks may still be on their way"
    wait_until(lambda: time.monotonic() - handed > HANDOFF + 0.2, what="the hand-off lease to end")
    assert outbox.outbox_sweep().enqueued == 120
    assert outbox.outbox_sweep().enqueued == 0, "handed again once"
    celery_worker_factory(concurrency=CONCURRENCY, extra_env=env)

    wait_until(lambda: statuses("lost:") == {Status.SENT: 120}, what="all 120 sent")
    smtp_sink.wait_for(120)
    assert_each_once(smtp_sink, "lost:")
    assert_worker_log_clean(tmp_path / "worker.log")


# The "Done when" of issue 11, sized for CI: a survey's invitations through every fault at once.
RESPONDENTS = 1000
REFUSE_FOR = 10
BUSY_FOR = 10
RECOVERY_BUDGET = 90


def survey_with_respondents(count: int, name: str) -> Survey:
    survey = SurveyFactory.create(title=name)
    QuestionFactory.create(section__survey=survey, kind=Question.Kind.LIKERT, required=True)
    survey = open_survey(survey)
    Respondent.objects.bulk_create(
        Respondent(survey=survey, name=f"Officer {n}", email=f"{name}{n}@municipality{n % 40}.example", language="en")
        for n in range(count)
    )
    return survey


def invite_and_time(survey: Survey, sink: Any, expected: int) -> float:
    """Click "Send invitations" and return when the last invitation arrived, in seconds after the click."""
    started = time.monotonic()
    services.invitations_send(survey=survey, by=None)
    prefix = f"survey:{survey.pk}:invitation:"
    wait_until(lambda: len(sink.message_ids()) >= expected, timeout=300, what=f"{expected} invitations", poll=0.2)
    assert OutboundMessage.objects.filter(key__startswith=prefix).count() == RESPONDENTS
    return time.monotonic() - started


class FaultSchedule:
    """Faults triggered by the run's progress at the sink: the worker SIGKILLed at 25 % while the server
    holds a message, the broker killed and restarted empty at 50 %, the SMTP server refusing
    connections for 10 s and then answering 451 for 10 s from 75 %."""

    def __init__(self, *, sink: Any, worker: Any, broker: Any, start_worker: Any, prefix: str, total: int) -> None:
        self.sink, self.worker, self.broker, self.start_worker = sink, worker, broker, start_worker
        self.prefix, self.total = prefix, total
        self.fired: list[str] = []
        self.in_flight: list[str] = []  # the Message-ID the server held when the worker was killed
        self.threads: list[threading.Thread] = []
        self.seen: set[str] = set()

    def on_receive(self, message: Message) -> None:
        if not str(message["X-Portal-Key"]).startswith(self.prefix):
            return
        self.seen.add(str(message["Message-ID"]))
        progress = len(self.seen) / self.total
        if "worker" not in self.fired and progress >= 0.25:
            self.fired.append("worker")
            self.worker.kill()
            self.in_flight.append(str(message["Message-ID"]))
            self._later(self.start_worker)
        elif "broker" not in self.fired and progress >= 0.5:
            self.fired.append("broker")
            self.broker.kill()
            self._later(self._broker_back)
        elif "smtp" not in self.fired and progress >= 0.75:
            self.fired.append("smtp")
            self._later(self._smtp_outage)

    def _later(self, action: Any) -> None:
        thread = threading.Thread(target=action, daemon=True)
        self.threads.append(thread)
        thread.start()

    def _broker_back(self) -> None:
        time.sleep(1)
        self.broker.start()

    def _smtp_outage(self) -> None:
        self.sink.refuse_connections()
        time.sleep(REFUSE_FOR)
        self.sink.reply = BUSY
        self.sink.accept_connections()
        time.sleep(BUSY_FOR)
        self.sink.reply = ACCEPT

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=60)


def test_a_thousand_invitations_through_a_killed_worker_a_lost_broker_and_an_smtp_outage(
    own_broker, celery_worker_factory, smtp_sink, settings, tmp_path
):
    env = on_short_leases(settings, smtp_sink)
    clean = survey_with_respondents(RESPONDENTS, "clean")
    faulty = survey_with_respondents(RESPONDENTS, "faulty")
    worker = celery_worker_factory(concurrency=CONCURRENCY, extra_env=env)
    prefix = f"survey:{faulty.pk}:invitation:"

    with Sweeper(every=1.0):
        clean_time = invite_and_time(clean, smtp_sink, RESPONDENTS)
        schedule = FaultSchedule(
            sink=smtp_sink,
            worker=worker,
            broker=own_broker,
            start_worker=lambda: celery_worker_factory(concurrency=CONCURRENCY, extra_env=env),
            prefix=prefix,
            total=RESPONDENTS,
        )
        smtp_sink.on_receive = schedule.on_receive
        faulty_time = invite_and_time(faulty, smtp_sink, 2 * RESPONDENTS)
        schedule.join()
        wait_until(lambda: statuses(prefix) == {Status.SENT: RESPONDENTS}, timeout=60, what="every row marked sent")

    assert schedule.fired == ["worker", "broker", "smtp"]
    assert faulty_time <= clean_time + RECOVERY_BUDGET, f"clean {clean_time:.0f} s, with the faults {faulty_time:.0f} s"
    by_id = rows_by_message_id(prefix)
    received = Counter({message_id: n for message_id, n in smtp_sink.message_ids().items() if message_id in by_id})
    assert set(received) == set(by_id), "every recipient got the invitation"
    repeated = {message_id: n for message_id, n in received.items() if n > 1}
    assert set(repeated.values()) <= {2}, f"a message came more than twice: {repeated}"
    # Repeats only of messages in flight at a kill: the worker's, and the SMTP server's own at its outage.
    assert len(repeated) <= 2 * CONCURRENCY, f"more repeats than messages in flight: {repeated}"
    assert schedule.in_flight[0] in repeated, "the message the server held when the worker died came again"
    with smtp_sink.lock:
        per_recipient = Counter(
            {(str(m["To"]), str(m["Message-ID"])) for m in smtp_sink.messages if str(m["Message-ID"]) in by_id}
        )
    assert Counter(to for to, _ in per_recipient) == Counter(faulty.respondents.values_list("email", flat=True))
    assert_no_task_raised(tmp_path / "worker.log")
