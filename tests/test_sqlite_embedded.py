"""The embedded default (SQLite, no broker) under concurrent writes: requests wait for each other instead
of failing with "database is locked". A subprocess runs the portal on a SQLite file of its own, whatever
database the rest of the suite uses, and posts three cancellations at the same moment from three threads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.sqlite
ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import json, threading
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.db import connection
from django.test import Client
from django.urls import reverse
from meetings.models import Registration
from meetings.tests.factories import MeetingFactory, RegistrationFactory
from partnership.models import Membership
from partnership.tests.factories import member_user

meeting = MeetingFactory.create(capacity=3)
users = [member_user(meeting.partnership, Membership.Role.PARTNER) for _ in range(3)]
for user in users:
    RegistrationFactory.create(meeting=meeting, person=user.person)
waiting = RegistrationFactory.create_batch(3, meeting=meeting, state=Registration.State.WAITLISTED)
clients = []
for user in users:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    clients.append(client)
connection.close()
url = reverse("meetings:register", args=[meeting.pk])
barrier = threading.Barrier(len(clients))
codes = []

def cancel(client):
    try:
        barrier.wait(timeout=30)
        codes.append(client.post(url, {"decline": "1", "reason": "Cannot travel"}).status_code)
    finally:
        connection.close()

threads = [threading.Thread(target=cancel, args=(client,)) for client in clients]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(timeout=120)
states = sorted(Registration.objects.filter(meeting=meeting).values_list("state", flat=True))
print(json.dumps({"codes": sorted(codes), "states": states}))
"""


def test_three_simultaneous_cancellations_on_sqlite_all_succeed(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "partnership.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "CELERY_BROKER_URL": "",
        "CACHE_URL": "locmemcache://",
        "EMAIL_URL": "dummymail://",
        "DEBUG": "1",
        "SITE_URL": "http://testserver",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["codes"] == [302, 302, 302], result.stderr[-3000:]
    # Each freed place went to one waiting person.
    assert outcome["states"] == ["cancelled"] * 3 + ["registered"] * 3
