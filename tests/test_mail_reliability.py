"""The outbox with a real Celery worker, Redis and an SMTP sink: exactly once as DESIGN.md defines it."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

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
from mail_checks import worker_env as shared_worker_env

from partnership import outbox
from partnership.models import OutboundMessage

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
Status = OutboundMessage.Status
CONCURRENCY = 2
RECLAIM_AFTER_SECONDS = 5
KILL_AFTER = 150


def worker_env(sink: Any) -> dict[str, str]:
    return shared_worker_env(sink, reclaim_after=RECLAIM_AFTER_SECONDS)


def prepared(prefix: str, count: int, **fields: Any) -> list[OutboundMessage]:
    return [
        OutboundMessage(
            key=f"{prefix}:{number}",
            to_email=f"recipient{number}@example.org",
            subject=f"Message {number}",
            body_text=f"Body {number}",
            **fields,
        )
        for number in range(count)
    ]


def test_500_messages_survive_a_killed_worker_exactly_once(celery_worker_factory, smtp_sink, settings, tmp_path):
    settings.OUTBOX_RECLAIM_AFTER_SECONDS = RECLAIM_AFTER_SECONDS
    worker = celery_worker_factory(concurrency=CONCURRENCY, extra_env=worker_env(smtp_sink))
    with transaction.atomic():
        outbox.messages_enqueue_bulk(prepared("bulk", 500))
    assert OutboundMessage.objects.count() == 500

    killed_during = kill_when_received(smtp_sink, worker, after=KILL_AFTER)
    sending_at_kill = wait_for_the_kill(
        smtp_sink, killed_during, after=KILL_AFTER, total=500, concurrency=CONCURRENCY, settings=settings
    )

    recover_and_assert_exactly_once(
        prefix="bulk:",
        expected=500,
        killed_during=killed_during,
        sending_at_kill=sending_at_kill,
        restart=lambda: celery_worker_factory(concurrency=CONCURRENCY, extra_env=worker_env(smtp_sink)),
        smtp_sink=smtp_sink,
        settings=settings,
        concurrency=CONCURRENCY,
    )
    assert_worker_log_clean(tmp_path / "worker.log")


def test_overlapping_sweeps_send_nothing_twice(celery_worker_factory, smtp_sink, settings, tmp_path):
    due_at = timezone.now() + timedelta(seconds=1)
    with transaction.atomic():
        assert outbox.messages_enqueue_bulk(prepared("due", 200, send_after=due_at)) == 0, "nothing due yet"
    celery_worker_factory(concurrency=CONCURRENCY, extra_env=worker_env(smtp_sink))
    wait_until(lambda: timezone.now() > due_at, what="the messages to fall due")

    sweepers = 2
    barrier = threading.Barrier(sweepers)
    results: list[outbox.SweepResult] = []

    def sweep() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(outbox.outbox_sweep())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(sweepers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == sweepers
    assert sum(result.enqueued for result in results) == 200, "the sweeps split the due rows"

    wait_until(lambda: statuses() == {Status.SENT: 200} and queue_length(settings) == 0, what="all 200 sent")
    smtp_sink.wait_for(200)
    received = smtp_sink.message_ids()
    assert set(received) == set(rows_by_message_id())
    assert max(received.values()) == 1, "a message was sent twice"
    assert_worker_log_clean(tmp_path / "worker.log")


def test_rolled_back_transaction_sends_nothing(celery_worker_factory, smtp_sink, tmp_path):
    celery_worker_factory(concurrency=CONCURRENCY, extra_env=worker_env(smtp_sink))

    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.message_enqueue(key="rolled-back", to_email="a@example.org", subject="Never", body_text="Never")
        raise RuntimeError("the change that caused the mail failed")
    committed = outbox.message_enqueue(key="committed", to_email="b@example.org", subject="Sent", body_text="Sent")
    assert committed is not None

    smtp_sink.wait_for(1)
    wait_until(lambda: statuses() == {Status.SENT: 1}, what="the committed message to be marked sent")
    assert smtp_sink.message_ids() == {committed.message_id: 1}
    assert list(OutboundMessage.objects.values_list("key", flat=True)) == ["committed"]
    assert_worker_log_clean(tmp_path / "worker.log")


def test_transient_refusal_is_retried_by_the_worker_with_backoff(celery_worker_factory, smtp_sink, tmp_path):
    smtp_sink.reply = "451 4.3.0 Try again later"
    celery_worker_factory(
        concurrency=CONCURRENCY, extra_env={**worker_env(smtp_sink), "OUTBOX_RETRY_BASE_SECONDS": "1"}
    )
    message = outbox.message_enqueue(key="transient", to_email="a@example.org", subject="Later", body_text="Later")
    assert message is not None

    # No sweep runs here: the second attempt comes from the task re-queueing itself.
    wait_until(lambda: smtp_sink.refused >= 2, what="the worker to retry after a 451")
    with smtp_sink.lock:
        smtp_sink.reply = "250 Message accepted for delivery"
        refused = smtp_sink.refused
    wait_until(lambda: statuses() == {Status.SENT: 1}, what="delivery once the server accepts")

    row = OutboundMessage.objects.get()
    assert row.attempts == refused + 1
    assert smtp_sink.message_ids() == {message.message_id: 1}
    assert_worker_log_clean(tmp_path / "worker.log")
