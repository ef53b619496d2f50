"""Shared checks of the tests that run a real Celery worker against the SMTP sink."""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from email.message import Message
from pathlib import Path
from typing import Any

import redis

from partnership import outbox
from partnership.models import OutboundMessage

Status = OutboundMessage.Status


def wait_until(condition: Callable[[], bool], *, timeout: float = 60, what: str, poll: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(poll)


def worker_env(sink: Any, *, reclaim_after: int) -> dict[str, str]:
    return {"EMAIL_URL": sink.url, "OUTBOX_RECLAIM_AFTER_SECONDS": str(reclaim_after)}


def statuses(prefix: str = "") -> dict[str, int]:
    return dict(Counter(OutboundMessage.objects.filter(key__startswith=prefix).values_list("status", flat=True)))


def queue_length(settings: Any) -> int:
    return int(redis.Redis.from_url(settings.CELERY_BROKER_URL).llen("celery"))


def rows_by_message_id(prefix: str = "") -> dict[str, int]:
    return {m.message_id: m.pk for m in OutboundMessage.objects.filter(key__startswith=prefix).only("pk", "key")}


def sending_now() -> set[int]:
    return set(OutboundMessage.objects.filter(status=Status.SENDING).values_list("pk", flat=True))


def assert_worker_log_clean(log: Path) -> None:
    """The worker logged no errors: no tracebacks, no failed tasks, nothing at ERROR or CRITICAL."""
    text = log.read_text(errors="replace")
    problems = [
        line for line in text.splitlines() if re.search(r"\b(ERROR|CRITICAL)\b|Traceback|raised unexpected", line)
    ]
    assert problems == [], "\n".join(problems[:20])


def kill_when_received(smtp_sink: Any, worker: Any, *, after: int) -> list[str]:
    """The worst moment: kill the worker when the SMTP server holds the `after`-th message, before the
    worker hears "250". The returned list gets that message's Message-ID."""
    killed_during: list[str] = []

    def kill_mid_send(received: Message) -> None:
        if not killed_during and len(smtp_sink.message_ids()) >= after:
            worker.kill()
            killed_during.append(str(received["Message-ID"]))

    smtp_sink.on_receive = kill_mid_send
    return killed_during


def wait_for_the_kill(
    smtp_sink: Any, killed_during: list[str], *, after: int, total: int, concurrency: int, settings: Any
) -> set[int]:
    """Wait for the kill mid-run and return the rows left in sending by the dead worker."""
    wait_until(lambda: bool(killed_during), what=f"{after} messages and the kill")
    sending_at_kill = sending_now()
    assert len(smtp_sink.message_ids()) < total * 0.8, "the kill should come in the middle of the run"
    # A batch is claimed at once (OUTBOX_BATCH_SIZE rows per task); only the row in flight can repeat.
    assert 1 <= len(sending_at_kill) <= concurrency * settings.OUTBOX_BATCH_SIZE
    return sending_at_kill


def recover_and_assert_exactly_once(
    *,
    prefix: str,
    expected: int,
    killed_during: list[str],
    sending_at_kill: set[int],
    restart: Callable[[], Any],
    smtp_sink: Any,
    settings: Any,
    concurrency: int,
) -> None:
    """After a SIGKILL: restart the worker, let it drain, recover what it left with the sweep, and check
    exactly-once as DESIGN.md defines it: everything arrived; repeats only of rows that were in sending
    at the kill, each twice, at most one per worker process (`concurrency`), including the message the
    SMTP server held at that moment."""
    restart()
    last: dict[str, int] = {}

    def drained() -> bool:
        nonlocal last
        now = statuses(prefix)
        settled = queue_length(settings) == 0 and now == last
        last = now
        if not settled:
            time.sleep(0.5)
        return settled

    wait_until(drained, timeout=90, what="the restarted worker to drain the queue")
    assert sending_at_kill <= sending_now(), "only the sweep may take back a row a dead worker held"

    def swept_all_sent() -> bool:
        outbox.outbox_sweep()
        if statuses(prefix) == {Status.SENT: expected}:
            return True
        time.sleep(0.5)
        return False

    wait_until(swept_all_sent, what="the sweep to recover every message")
    smtp_sink.wait_for(expected)
    received = smtp_sink.message_ids()
    by_id = rows_by_message_id(prefix)
    assert set(received) == set(by_id), "every message arrived, and nothing else"
    repeated = {by_id[message_id]: count for message_id, count in received.items() if count > 1}
    assert set(repeated) <= sending_at_kill, f"repeats {repeated} not in sending at the kill {sending_at_kill}"
    assert all(count == 2 for count in repeated.values())
    assert len(repeated) <= concurrency, f"more repeats than messages in flight: {repeated}"
    assert by_id[killed_during[0]] in repeated, "the message the SMTP server had at the kill is sent again"


def lease_env(sink: Any, *, lease: int, handoff: int, email_timeout: int, retry_base: int = 1) -> dict[str, str]:
    """A worker on short leases (seconds, not a minute) that stays inside them: EMAIL_TIMEOUT is at most
    half the claim's lease, as partnership.checks requires."""
    assert 2 * email_timeout <= lease
    return {
        "EMAIL_URL": sink.url,
        "EMAIL_TIMEOUT": str(email_timeout),
        "OUTBOX_RECLAIM_AFTER_SECONDS": str(lease),
        "OUTBOX_HANDOFF_LEASE_SECONDS": str(handoff),
        "OUTBOX_RETRY_BASE_SECONDS": str(retry_base),
    }


def assert_no_task_raised(log: Path) -> None:
    """No task ended with an exception (broker reconnections may still be logged as errors)."""
    text = log.read_text(errors="replace")
    problems = [line for line in text.splitlines() if "raised unexpected" in line]
    assert problems == [], "\n".join(problems[:20])


def attempts(prefix: str = "") -> Counter[int]:
    """How many rows have been tried how many times."""
    return Counter(OutboundMessage.objects.filter(key__startswith=prefix).values_list("attempts", flat=True))


class Sweeper:
    """What Celery Beat does every minute, every `every` seconds in a thread of the test process."""

    def __init__(self, every: float = 1.0) -> None:
        import threading

        self.every = every
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from django.db import connection

        try:
            while not self.stopped.wait(self.every):
                outbox.outbox_sweep()  # a dead broker leaves the rows for the next sweep
        finally:
            connection.close()

    def __enter__(self) -> Sweeper:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join(timeout=30)
