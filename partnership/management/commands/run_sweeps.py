"""Run the periodic sweeps in this process, on Celery Beat's schedule (`CELERY_BEAT_SCHEDULE`).

`make run` starts it beside the development server, so the embedded default (SQLite, no broker) sends
its reminders, retries and survey reminders as production does, only from one process: each sweep runs
here as its task would on a worker, and the mails it queues go out from here (to the console by default).
Production runs `celery beat` and workers instead.
"""

from __future__ import annotations

import logging
import signal
import time
from datetime import datetime
from typing import Any

from celery import current_app
from celery.schedules import BaseSchedule, maybe_schedule
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)
# The portal's Celery app (the project package loads it), without importing the project layer from here.
app = current_app._get_current_object()  # type: ignore[attr-defined]


def _schedule(value: Any) -> BaseSchedule:
    """A schedule entry's `schedule` (seconds, a timedelta or a Celery schedule) as a Celery schedule."""
    schedule = maybe_schedule(value, app=app)
    assert isinstance(schedule, BaseSchedule)
    return schedule


class Command(BaseCommand):
    verbosity = 1
    help = "Run the periodic sweeps (Celery Beat's schedule) in this process, for the embedded default."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--tick", type=float, default=5.0, help="Seconds between looks at the schedule.")
        parser.add_argument(
            "--every", type=float, default=None, help="Run every sweep this often instead of on its schedule."
        )
        parser.add_argument("--once", action="store_true", help="Run every sweep once, then stop.")

    def handle(self, *args: Any, tick: float, every: float | None, once: bool, **options: Any) -> None:
        self.verbosity = int(options["verbosity"])
        if self.verbosity < 2:  # Celery logs each task run at INFO: one line a sweep, every few seconds
            logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
        app.loader.import_default_modules()
        entries = {
            name: (entry["task"], _schedule(every if every is not None else entry["schedule"]))
            for name, entry in app.conf.beat_schedule.items()
        }
        last_run: dict[str, datetime | None] = dict.fromkeys(entries)
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stderr.write(f"Sweeps running: {', '.join(sorted(entries))}")
        while not stopping:
            for name, (task, schedule) in entries.items():
                last = last_run[name]
                if last is None or schedule.is_due(last).is_due:
                    last_run[name] = timezone.now()
                    self._run(name, task)
                if stopping:
                    break
            if once:
                return
            time.sleep(tick)

    def _run(self, name: str, task: str) -> None:
        close_old_connections()
        try:
            result = app.tasks[task].apply(throw=True)
        except Exception:
            # One sweep's trouble (a locked database, a mail server down) must not stop the others.
            logger.exception("Sweep %s failed", name)
            return
        finally:
            close_old_connections()
        if self.verbosity > 1:
            self.stderr.write(f"Swept {name}: {result.result}")
