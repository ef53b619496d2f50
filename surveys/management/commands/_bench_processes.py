"""The processes the survey benchmarks run beside the measurement: an in-process SMTP sink that notes when each
recipient's mail arrived, and one real Celery worker on this database and broker."""

from __future__ import annotations

import logging
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import redis
from django.conf import settings
from django.core.management.base import CommandError

ROOT = Path(settings.BASE_DIR)
WORKER_READY_SECONDS = 60


class Sink:
    """What an in-process aiosmtpd server received: recipients and when each arrived."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.lock = threading.Lock()
        self.received: Counter[str] = Counter()
        self.arrived: dict[str, float] = {}

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def record(self, recipients: list[str]) -> None:
        now = time.perf_counter()
        with self.lock:
            for address in recipients:
                self.received[address.lower()] += 1
                self.arrived[address.lower()] = now

    def recipients(self) -> set[str]:
        with self.lock:
            return set(self.received)

    def counts(self) -> Counter[str]:
        with self.lock:
            return Counter(self.received)

    def last_at(self, addresses: set[str]) -> float | None:
        with self.lock:
            times = [self.arrived[a] for a in addresses if a in self.arrived]
        return max(times) if times else None


@contextmanager
def smtp_sink() -> Iterator[Sink]:
    from aiosmtpd.controller import Controller

    # aiosmtpd logs every SMTP command at INFO: thousands of lines, and time taken from the measurement.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    with free_socket() as port:
        sink = Sink("127.0.0.1", port)

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            sink.record(list(envelope.rcpt_tos))
            return "250 Message accepted for delivery"

    controller = Controller(Handler(), hostname=sink.host, port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@contextmanager
def free_socket() -> Iterator[int]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


class Worker:
    def __init__(self, process: subprocess.Popen[bytes], log: Path) -> None:
        self.process = process
        self.log = log

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise CommandError(f"The Celery worker exited with {self.process.returncode}:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def celery_worker(email_url: str) -> Iterator[Worker]:
    """One real worker process (prefork, concurrency 1) on this database and broker, mailing to the sink."""
    log = Path(tempfile.mkstemp(prefix="bench-surveys-worker-", suffix=".log")[1])
    # A worker with DEBUG off refuses the development key (partnership.checks): one of its own, if none is set.
    env = {"SECRET_KEY": secrets.token_urlsafe(50), **os.environ, "EMAIL_URL": email_url}
    with log.open("ab") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "partnership",
                "worker",
                "--loglevel=INFO",
                "--concurrency=1",
                "--pool=prefork",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    worker = Worker(process, log)
    try:
        deadline = time.monotonic() + WORKER_READY_SECONDS
        while " ready." not in log.read_text(errors="replace"):
            worker.check_alive()
            if time.monotonic() > deadline:
                raise CommandError(f"The Celery worker was not ready in {WORKER_READY_SECONDS}s:\n{worker.log_tail()}")
            time.sleep(0.1)
        yield worker
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def queue_length() -> int:
    return int(redis.Redis.from_url(settings.CELERY_BROKER_URL).llen("celery"))


def wait_for_idle_queue(worker: Worker, timeout: float = 120) -> None:
    """Tasks queued before the run (the demo's mails) are worked off first, outside the measurement."""
    deadline = time.monotonic() + timeout
    while queue_length() > 0:
        worker.check_alive()
        if time.monotonic() > deadline:
            raise CommandError(f"The broker's queue did not empty in {timeout:.0f}s before the run.")
        time.sleep(0.2)
    time.sleep(0.5)
