"""The outbox with a real Celery worker, Redis and an SMTP sink: exactly once as DESIGN.md defines it."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from email.message import Message
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone
from mail_checks import assert_worker_log_clean, queue_length, wait_until

from partnership import outbox
from partnership.models import OutboundMessage

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
Status = OutboundMessage.Status
CONCURRENCY = 2
RECLAIM_AFTER_SECONDS = 5
KILL_AFTER = 150


def worker_env(sink: Any) -> dict[str, str]:
    return {"EMAIL_URL": sink.url, "OUTBOX_RECLAIM_AFTER_SECONDS": str(RECLAIM_AFTER_SECONDS)}


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


def statuses() -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in OutboundMessage.objects.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def message_ids_by_row() -> dict[str, int]:
    return {message.message_id: message.pk for message in OutboundMessage.objects.only("pk", "key")}


def test_500_messages_survive_a_killed_worker_exactly_once(celery_worker_factory, smtp_sink, settings, tmp_path):
    settings.OUTBOX_RECLAIM_AFTER_SECONDS = RECLAIM_AFTER_SECONDS
    worker = celery_worker_factory(concurrency=CONCURRENCY, extra_env=worker_env(smtp_sink))
    with transaction.atomic():
        outbox.messages_enqueue_bulk(prepared("bulk", 500))
    assert OutboundMessage.objects.count() == 500

    # The worst moment: the SMTP server has the 150th message, the worker has not yet heard "250".
    killed_during: list[str] = []

    def kill_mid_send(received: Message) -> None:
        if not killed_during and len(smtp_sink.message_ids()) >= KILL_AFTER:
            worker.kill()
            killed_during.append(str(received["Message-ID"]))

    smtp_sink.on_receive = kill_mid_send
    wait_until(lambda: bool(killed_during), what=f"{KILL_AFTER} messages and the kill")
    sending_at_kill = set(OutboundMessage.objects.filter(status=Status.SENDING).values_list("pk", flat=True))
    assert len(smtp_sink.message_ids()) < 400, "the kill should come in the middle of the run"
    # A batch is claimed at once (OUTBOX_BATCH_SIZE rows per task); only the row in flight can repeat.
    assert 1 <= len(sending_at_kill) <= CONCURRENCY * settings.OUTBOX_BATCH_SIZE

    celery_worker_factory(concurrency=CONCURRENCY, extra_env=worker_env(smtp_sink))
    # Let the restarted worker drain the queue; what is left was held by the killed one.
    last: dict[str, int] = {}

    def drained() -> bool:
        nonlocal last
        now = statuses()
        settled = queue_length(settings) == 0 and now == last
        last = now
        if not settled:
            time.sleep(0.5)
        return settled

    wait_until(drained, what="the restarted worker to drain the queue")
    still_sending = set(OutboundMessage.objects.filter(status=Status.SENDING).values_list("pk", flat=True))
    assert sending_at_kill <= still_sending, "only the sweep may take back a row a dead worker held"

    def swept_all_sent() -> bool:
        outbox.outbox_sweep()
        if statuses() == {Status.SENT: 500}:
            return True
        time.sleep(0.5)
        return False

    wait_until(swept_all_sent, what="the sweep to recover every message")

    smtp_sink.wait_for(500)
    received = smtp_sink.message_ids()
    by_id = message_ids_by_row()
    assert set(received) == set(by_id), "every message arrived, and nothing else"
    repeated = {by_id[message_id]: count for message_id, count in received.items() if count > 1}
    assert set(repeated) <= sending_at_kill, f"repeats {repeated} not in sending at the kill {sending_at_kill}"
    assert all(count == 2 for count in repeated.values())
    assert len(repeated) <= CONCURRENCY, f"more repeats than messages in flight: {repeated}"
    assert by_id[killed_during[0]] in repeated, "the message the SMTP server had at the kill is sent again"
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
    assert set(received) == set(message_ids_by_row())
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
