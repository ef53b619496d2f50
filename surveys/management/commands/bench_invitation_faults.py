"""Time N survey invitations clean and then through issue 11's fault schedule; prints JSON on its last line.

Both runs send a fresh survey's invitations through the owner's service to an SMTP sink in this process,
through one real Celery worker and a redis-server of this command's own on a free port (never the shared
one), while a thread sweeps the outbox as Celery Beat does (every `--sweep-every` seconds, by default
Beat's own interval). In the second run, by the share of recipients reached: the worker is SIGKILLed at
25 % while the SMTP server holds a message, and a new one started; the broker is killed at 50 % and
restarted empty a second later; from 75 % the SMTP server refuses connections for `--refuse-for` seconds
and then answers 451 for `--busy-for` seconds. The leases are the settings' (production's unless the
environment says otherwise). After each fault: how long delivery stalled, and when it was going again.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from email import message_from_bytes
from itertools import pairwise
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.test.utils import override_settings

from partnership import outbox
from partnership.models import OutboundMessage
from surveys import services
from surveys.management.commands._bench_processes import Worker, celery_worker, free_socket
from surveys.management.commands.bench_surveys import _invitation_survey
from surveys.management.commands.generate_survey_responses import owner_user

ACCEPT = "250 Message accepted for delivery"
BUSY = "451 4.3.0 Try again later"


class FaultySink:
    """An aiosmtpd server that can refuse connections or answer 451, and notes when each recipient first
    arrived, under which Message-IDs, and how often."""

    def __init__(self, port: int) -> None:
        self.host, self.port = "127.0.0.1", port
        self.lock = threading.Lock()
        self.reply = ACCEPT
        self.first: dict[str, float] = {}
        self.last: dict[str, float] = {}
        self.count: Counter[str] = Counter()
        self.message_ids: dict[str, set[str]] = {}
        self.on_receive: Callable[[str], None] | None = None
        self.controller: Any = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def accept_connections(self) -> None:
        from aiosmtpd.controller import Controller

        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                message = message_from_bytes(envelope.original_content or envelope.content)
                recipient = str(message["To"]).lower()
                if sink.on_receive is not None:
                    sink.on_receive(recipient)
                with sink.lock:
                    reply = sink.reply
                    if reply == ACCEPT:
                        sink.first.setdefault(recipient, time.perf_counter())
                        sink.last[recipient] = time.perf_counter()
                        sink.count[recipient] += 1
                        sink.message_ids.setdefault(recipient, set()).add(str(message["Message-ID"]))
                return reply

        if self.controller is None:
            self.controller = Controller(Handler(), hostname=self.host, port=self.port)
            self.controller.start()

    def refuse_connections(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def reached(self, recipients: set[str]) -> int:
        with self.lock:
            return len(recipients & self.first.keys())


class OwnRedis:
    """A redis-server without persistence on a free port: kill() and start() give a broker restarted empty."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis

        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + 10
        while True:
            with suppress(redis.RedisError):
                if redis.Redis.from_url(self.url, socket_connect_timeout=1).ping():
                    return
            if time.monotonic() > deadline:
                raise CommandError(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


@contextmanager
def own_broker() -> Iterator[OwnRedis]:
    """This process and the workers it starts publish to and consume from a redis-server of their own."""
    from celery import current_app as app
    from kombu import pools

    if shutil.which("redis-server") is None:
        raise CommandError("The fault schedule needs redis-server (Debian's redis-server package).")
    with free_socket() as port:
        server = OwnRedis(port)
    server.start()
    previous = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = server.url
    # With no broker in the environment the settings ask for eager tasks; here every task goes to the worker.
    app.conf.update(broker_url=server.url, broker_write_url=server.url, task_always_eager=False)
    pools.reset()
    app._pool = None  # type: ignore[attr-defined]
    app.amqp._producer_pool = None  # type: ignore[attr-defined]
    try:
        with override_settings(CELERY_BROKER_URL=server.url, CELERY_TASK_ALWAYS_EAGER=False):
            yield server
    finally:
        server.kill()
        if previous is not None:
            os.environ["CELERY_BROKER_URL"] = previous


@contextmanager
def sweeping(every: float) -> Iterator[None]:
    """What Celery Beat's outbox-sweep does, every `every` seconds in a thread."""
    stopped = threading.Event()

    def run() -> None:
        try:
            while not stopped.wait(every):
                with suppress(Exception):  # a dead broker leaves the rows for the next sweep
                    outbox.outbox_sweep()
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stopped.set()
        thread.join(timeout=60)


def stalls(arrivals: list[float], faults: list[tuple[str, float]], end: float) -> list[dict[str, Any]]:
    """For each fault, the longest time without a new recipient reached between it and the next fault (or the
    end), and how long after the fault delivery was going again."""
    figures = []
    for index, (name, at) in enumerate(faults):
        until = faults[index + 1][1] if index + 1 < len(faults) else end
        times = [at, *[t for t in arrivals if at < t <= until]]
        gap, resumed = max(((b - a, b) for a, b in pairwise(times)), default=(0.0, at))
        figures.append({"fault": name, "stalled_seconds": round(gap, 1), "resumed_seconds": round(resumed - at, 1)})
    return figures


class Command(BaseCommand):
    help = "Benchmark: N survey invitations clean, then through a killed worker, a lost broker and an SMTP outage."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--invitations", type=int, required=True)
        beat = float(settings.CELERY_BEAT_SCHEDULE["outbox-sweep"]["schedule"])  # type: ignore[arg-type]
        parser.add_argument("--sweep-every", type=float, default=beat, help=f"Default: Beat's {beat:.0f} s.")
        parser.add_argument("--refuse-for", type=float, default=10.0)
        parser.add_argument("--busy-for", type=float, default=10.0)

    def handle(self, *args: Any, **options: Any) -> None:
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        count = options["invitations"]
        self.sweep_every = options["sweep_every"]
        with ExitStack() as stack:
            broker = stack.enter_context(own_broker())
            with free_socket() as port:
                sink = FaultySink(port)
            sink.accept_connections()
            stack.callback(sink.refuse_connections)
            workers: list[Worker] = []

            def start_worker() -> None:
                workers.append(stack.enter_context(celery_worker(sink.url)))

            start_worker()
            stack.enter_context(sweeping(options["sweep_every"]))
            clean = self.run(count, sink)
            schedule = Schedule(sink, broker, workers, start_worker, options["refuse_for"], options["busy_for"])
            faulty = self.run(count, sink, schedule=schedule)
            schedule.join()
        result = {
            "invitations": count,
            "sweep_every_seconds": options["sweep_every"],
            "lease_seconds": settings.OUTBOX_RECLAIM_AFTER_SECONDS,
            "handoff_seconds": settings.OUTBOX_HANDOFF_LEASE_SECONDS,
            "retry_base_seconds": settings.OUTBOX_RETRY_BASE_SECONDS,
            "refuse_for": options["refuse_for"],
            "busy_for": options["busy_for"],
            "clean": clean,
            "faulty": faulty,
            "ratio": round(faulty["seconds"] / clean["seconds"], 2) if clean["seconds"] else None,
        }
        self.stdout.write(json.dumps(result))
        problems = [run.get("error") for run in (clean, faulty) if run.get("error")]
        if problems:
            raise CommandError("; ".join(str(problem) for problem in problems))

    def run(self, count: int, sink: FaultySink, *, schedule: Schedule | None = None) -> dict[str, Any]:
        survey = _invitation_survey(count)
        expected = set(survey.respondents.values_list("email", flat=True))
        prefix = f"survey:{survey.pk}:invitation:"
        if schedule is not None:
            schedule.arm(expected, prefix)
        committed: list[float] = []
        with transaction.atomic():
            transaction.on_commit(lambda: committed.append(time.perf_counter()))
            services.invitations_send(survey=survey, by=owner_user())
        deadline = time.perf_counter() + 600 + count * 0.1
        while sink.reached(expected) < len(expected) and time.perf_counter() < deadline:
            time.sleep(0.1)
        end = time.perf_counter()
        # A message the server held at the kill was delivered, but its row is sent again once its lease ends:
        # wait until every row is marked, so such a repeat is counted.
        open_rows = OutboundMessage.objects.filter(
            key__startswith=prefix, status__in=(OutboundMessage.Status.PENDING, OutboundMessage.Status.SENDING)
        )
        settle_by = time.perf_counter() + 2 * settings.OUTBOX_RECLAIM_AFTER_SECONDS + 4 * self.sweep_every + 60
        while open_rows.exists() and time.perf_counter() < settle_by:
            time.sleep(0.5)
        with sink.lock:
            arrivals = sorted(sink.first[r] for r in expected if r in sink.first)
            repeated = {r: sink.count[r] for r in expected if sink.count[r] > 1}
            split = [r for r in repeated if len(sink.message_ids[r]) > 1]
        start = committed[0]
        figures: dict[str, Any] = {
            "delivered": len(arrivals),
            "repeated": len(repeated),
            "repeated_with_another_message_id": len(split),
            "seconds": round(arrivals[-1] - start, 1) if arrivals else None,
        }
        if schedule is not None:
            faults = [(name, at) for name, at in schedule.fired]
            figures["faults"] = stalls(arrivals, faults, end)
            for fault in figures["faults"]:
                fault["at_seconds"] = round(dict(faults)[fault["fault"]] - start, 1)
            figures["held_by_the_killed_worker"] = schedule.held_report(sink)
        if len(arrivals) != count or split:
            statuses = Counter(OutboundMessage.objects.filter(key__startswith=prefix).values_list("status", flat=True))
            figures["error"] = (
                f"{len(arrivals)} of {count} invitations delivered, {len(split)} under two Message-IDs "
                f"(outbox: {dict(statuses)})"
            )
        return figures


class Schedule:
    """Issue 11's faults, fired from the SMTP server's thread as the share of recipients reached passes 25, 50
    and 75 %; what takes time happens in threads of its own."""

    def __init__(
        self,
        sink: FaultySink,
        broker: OwnRedis,
        workers: list[Worker],
        start_worker: Callable[[], None],
        refuse_for: float,
        busy_for: float,
    ) -> None:
        self.sink, self.broker, self.workers, self.start_worker = sink, broker, workers, start_worker
        self.refuse_for, self.busy_for = refuse_for, busy_for
        self.fired: list[tuple[str, float]] = []
        self.held: list[str] = []
        self.held_at = 0.0
        self.threads: list[threading.Thread] = []
        self.expected: set[str] = set()
        self.prefix = ""

    def arm(self, expected: set[str], prefix: str) -> None:
        self.expected, self.prefix = expected, prefix
        self.sink.on_receive = self.on_receive

    def on_receive(self, recipient: str) -> None:
        if recipient not in self.expected:
            return
        share = (self.sink.reached(self.expected) + 1) / len(self.expected)
        names = [name for name, _ in self.fired]
        if "worker killed" not in names and share >= 0.25:
            self.fired.append(("worker killed", time.perf_counter()))
            process = self.workers[-1].process
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            self._later(self._after_the_kill)
        elif "broker restarted empty" not in names and share >= 0.5:
            self.fired.append(("broker restarted empty", time.perf_counter()))
            self.broker.kill()
            self._later(self._broker_back)
        elif "SMTP refused, then 451" not in names and share >= 0.75:
            self.fired.append(("SMTP refused, then 451", time.perf_counter()))
            self._later(self._smtp_outage)

    def _later(self, action: Callable[[], None]) -> None:
        thread = threading.Thread(target=action, daemon=True)
        self.threads.append(thread)
        thread.start()

    def _after_the_kill(self) -> None:
        try:
            self.held_at = time.perf_counter()
            self.held = list(
                OutboundMessage.objects.filter(
                    key__startswith=self.prefix, status=OutboundMessage.Status.SENDING
                ).values_list("to_email", flat=True)
            )
        finally:
            connection.close()
        self.start_worker()

    def _broker_back(self) -> None:
        time.sleep(1)
        self.broker.start()

    def _smtp_outage(self) -> None:
        self.sink.refuse_connections()
        time.sleep(self.refuse_for)
        with self.sink.lock:
            self.sink.reply = BUSY
        self.sink.accept_connections()
        time.sleep(self.busy_for)
        with self.sink.lock:
            self.sink.reply = ACCEPT

    def held_report(self, sink: FaultySink) -> dict[str, Any]:
        """The rows the killed worker had claimed: how many, and when the last of them was delivered (a message
        the server held at the kill, again) after the kill."""
        with sink.lock:
            times = [sink.last[r.lower()] for r in self.held if r.lower() in sink.last]
        return {
            "rows": len(self.held),
            "last_arrived_seconds": round(max(times) - self.held_at, 1) if times else None,
        }

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=120)
