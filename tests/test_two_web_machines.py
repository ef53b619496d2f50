"""Two web machines: two gunicorn servers on two ports against one database, one Redis cache and one S3-compatible
bucket (moto's server). What one of them stores or counts, the other serves and respects."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings as django_settings
from django.urls import reverse

from actions.models import Action
from actions.tests.factories import ActionFactory
from actions.views import FEEDBACK_LIMIT_PER_HOUR
from bench.server import gunicorn
from conftest import RedisServer, _database_url, free_port
from meetings.models import MeetingDocument
from meetings.tests.factories import MeetingFactory
from partnership.tests.second_factor import VerifiedClient

pytestmark = [pytest.mark.web, pytest.mark.django_db(transaction=True)]

CSRF = secrets.token_hex(16)  # 32 characters: a token Django accepts as both cookie and header


class Machine:
    """One web machine as a browser reaches it: its own address, the session cookie of whoever is signed in."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"

    def request(self, method: str, path: str, *, session: str = "", **kwargs: Any) -> requests.Response:
        cookies = {"csrftoken": CSRF} | ({django_settings.SESSION_COOKIE_NAME: session} if session else {})
        headers = {"X-CSRFToken": CSRF} if method == "POST" else {}
        return requests.request(
            method, self.base + path, cookies=cookies, headers=headers, allow_redirects=False, timeout=30, **kwargs
        )


@pytest.fixture
def machines(
    settings: Any, tmp_path: Path, s3_storage: dict[str, str], redis_server: RedisServer
) -> Iterator[tuple[Machine, Machine]]:
    """Two gunicorn servers (two workers each) in production mode on the test database, the test's own Redis as
    their cache, and the test's bucket as their storage; one secret key for them and the test, which signs sessions."""
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith(("CACHE_", "CELERY_", "AWS_"))},
        **s3_storage,
        "DJANGO_SETTINGS_MODULE": "partnership.settings",
        "DATABASE_URL": _database_url(),
        "CACHE_URL": f"rediscache://127.0.0.1:{redis_server.port}/0",
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        # Plain HTTP on the loopback, without the TLS proxy production has in front.
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
    }
    with ExitStack() as stack:
        ports = free_port(), free_port()
        for port in ports:
            # Each machine has a disk of its own, which the other cannot read.
            stack.enter_context(gunicorn({**env, "MEDIA_ROOT": str(tmp_path / f"disk-{port}")}, port))
        yield Machine(ports[0]), Machine(ports[1])


def session_of(user: Any) -> str:
    client = VerifiedClient()
    client.force_login(user)
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def test_a_document_uploaded_on_one_machine_is_downloaded_on_the_other_and_feedback_limits_hold_on_both(
    machines, s3_server, s3_storage, partnership, coordinator, partner, outsider
):
    first, second = machines
    meeting = MeetingFactory.create(partnership=partnership)

    uploaded = first.request(
        "POST",
        reverse("meetings:document_upload", args=[meeting.pk]),
        session=session_of(coordinator),
        data={"title": "Slides", "kind": "presentation", "visibility": "members"},
        files={"file": ("eib-funding.pdf", b"%PDF-1.4 EIB funding")},
    )

    assert uploaded.status_code == 302, uploaded.text[:2000]
    document = MeetingDocument.objects.get()
    listing = s3_server.client().list_objects_v2(Bucket=s3_storage["AWS_STORAGE_BUCKET_NAME"])
    assert [item["Key"] for item in listing["Contents"]] == [document.file.name]
    download = second.request("GET", document.get_absolute_url(), session=session_of(partner))
    assert (download.status_code, download.content) == (200, b"%PDF-1.4 EIB funding")
    assert download.headers["Content-Disposition"] == 'attachment; filename="eib-funding.pdf"'
    assert second.request("GET", document.get_absolute_url(), session=session_of(outsider)).status_code == 404
    assert second.request("GET", document.get_absolute_url()).status_code == 404

    consulted = ActionFactory.create(partnership=partnership, state=Action.State.PUBLIC_FEEDBACK)
    path = reverse("actions:feedback", args=[consulted.pk])
    comment = {"name": "Ana", "email": "ana@example.org", "body": "Please add bike paths."}
    answers = [machine.request("POST", path, data=comment).status_code for machine in (first, second) * 5]
    assert answers == [302] * FEEDBACK_LIMIT_PER_HOUR

    assert first.request("POST", path, data=comment).status_code == 429
    assert second.request("POST", path, data=comment).status_code == 429
    assert consulted.comments.count() == FEEDBACK_LIMIT_PER_HOUR
