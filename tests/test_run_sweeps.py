"""`make run` runs the periodic sweeps beside the development server (manage.py run_sweeps), so the
embedded default (SQLite, no broker, mail to the console) sends a reminder that falls due while it runs,
once. The portal runs in subprocesses on a SQLite file of its own, whatever database the suite uses."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.sqlite
ROOT = Path(__file__).resolve().parent.parent
TITLE = "Sweeps beside the development server"

MEETING = f"""
import datetime as dt
import django
django.setup()
from django.utils import timezone
from meetings.tests.factories import MeetingFactory, RegistrationFactory
# Thirteen days ahead: its 14-day reminder to the registered is due from now on.
meeting = MeetingFactory.create(title={TITLE!r}, starts_at=timezone.now() + dt.timedelta(days=13))
RegistrationFactory.create(meeting=meeting)
"""


def wait_until(condition: Callable[[], bool], *, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_make_run_starts_the_sweeps_beside_the_server():
    recipe = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "manage.py run_sweeps" in recipe and "manage.py runserver" in recipe


def test_a_reminder_due_while_the_sweeps_run_goes_to_the_console_once(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "partnership.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "CELERY_BROKER_URL": "",
        "CACHE_URL": "locmemcache://",
        "EMAIL_URL": "consolemail://",
        "DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    out, err = tmp_path / "sweeps.out", tmp_path / "sweeps.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        sweeps = subprocess.Popen(
            [*manage, "run_sweeps", "--tick", "0.2", "--every", "1", "-v2"],
            cwd=ROOT,
            env=env,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    try:

        def sweeps_of_reminders() -> int:
            return len(re.findall(r"^Swept meeting-reminders", err.read_text(), re.MULTILINE))

        wait_until(lambda: sweeps_of_reminders() >= 1, what="the first sweep")
        subprocess.run([sys.executable, "-c", MEETING], cwd=ROOT, env=env, check=True, timeout=120)
        wait_until(lambda: f"Subject: Reminder: {TITLE}" in out.read_text(), what="the reminder on the console")
        # Three more sweeps of the reminders after it went out: none sends it again.
        seen = sweeps_of_reminders()
        wait_until(lambda: sweeps_of_reminders() >= seen + 3, what="three more sweeps")
    finally:
        os.killpg(sweeps.pid, signal.SIGTERM)
        sweeps.wait(timeout=30)
    assert out.read_text().count(f"Subject: Reminder: {TITLE}") == 1
    assert sweeps.returncode == 0
    assert not re.search(r"Traceback|Sweep \S+ failed", err.read_text()), err.read_text()[-3000:]
