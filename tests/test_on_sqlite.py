"""SQLite, the embedded default, in subprocesses of its own whatever database the suite uses: the tests marked
`sqlite_too` (the hostile-input sweep of the meeting pages, huge ids, NUL characters) run there again, and
respondents who submit at the same moment are all recorded, none answered "database is locked"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

pytestmark = pytest.mark.sqlite
ROOT = Path(__file__).resolve().parent.parent


def sqlite_environment(tmp_path: Path) -> dict[str, Any]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "partnership.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "CELERY_BROKER_URL": "",
        "CACHE_URL": "locmemcache://",
        "EMAIL_URL": "dummymail://",
        "DEBUG": "1",
        "SITE_URL": "http://testserver",
    }


def test_the_tests_marked_sqlite_too_pass_on_sqlite(tmp_path):
    if connection.vendor == "sqlite":
        pytest.skip("the suite runs on SQLite already, these tests with it")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "sqlite_too", "-q", "-p", "no:randomly", "-x"],
        cwd=ROOT,
        env=sqlite_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "skipped" not in result.stdout.splitlines()[-1]


SUBMITS = """
import json, threading
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.db import connection
from django.test import Client
from django.urls import reverse
from partnership.tokens import token_hash
from partnership.tests.factories import PartnershipFactory
from surveys import services
from surveys.models import Invitation, InvitationToken, Question, Response
from surveys.tests.factories import QuestionFactory, RespondentFactory, SectionFactory, SurveyFactory, open_survey

survey = SurveyFactory.create(partnership=PartnershipFactory.create())
question = QuestionFactory.create(section=SectionFactory.create(survey=survey), kind=Question.Kind.SHORT_TEXT)
open_survey(survey)
respondents = RespondentFactory.create_batch(5, survey=survey)
services.invitations_send(survey=survey, by=None, respondents=respondents)
clients = []
for number, invitation in enumerate(Invitation.objects.filter(survey=survey)):
    token = f"personal-link-{number}"
    InvitationToken.objects.create(invitation=invitation, token_hash=token_hash(token))
    client = Client(raise_request_exception=False)
    client.get(reverse("surveys:personal_link", kwargs={"token": token}))
    client.post(reverse("surveys:answer", args=[survey.pk]), {"language": "en"})
    client.post(reverse("surveys:section", args=[survey.pk, 1]), {f"q{question.pk}": "More light"})
    clients.append(client)
connection.close()
review = reverse("surveys:review", args=[survey.pk])
barrier = threading.Barrier(len(clients))
codes = []

def submit(client):
    try:
        barrier.wait(timeout=30)
        codes.append(client.post(review).status_code)
    finally:
        connection.close()

threads = [threading.Thread(target=submit, args=(client,)) for client in clients]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(timeout=120)
submitted = Response.objects.filter(survey=survey, submitted_at__isnull=False).count()
print(json.dumps({"codes": sorted(codes), "submitted": submitted}))
"""


def test_five_respondents_submitting_at_once_on_sqlite_are_all_recorded(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", SUBMITS],
        cwd=ROOT,
        env=sqlite_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome == {"codes": [302] * 5, "submitted": 5}, result.stderr[-3000:]
