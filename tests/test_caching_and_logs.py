"""Personal pages and exports are kept by no cache, the language cookie is Secure in production, gunicorn's access
log masks the tokens of personal links, and CACHE_KEY_PREFIX keeps two installs apart (issue 12, finding 8)."""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import _redis_reachable, free_port, require
from meetings import services as meeting_services
from meetings.models import Registration
from meetings.tests.factories import MeetingFactory
from partnership.access_log import MASK, SECRET_ARGUMENTS, mask_request_line, mask_url
from partnership.models import OutboundMessage
from partnership.tests.factories import PersonFactory
from partnership.tokens import token_hash
from surveys.models import Survey
from surveys.tests.factories import SurveyFactory

ROOT = Path(__file__).resolve().parent.parent


def no_store(response: Any) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


# Cache-Control ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_partners_own_pages_and_exports_are_kept_by_no_cache(client, partnership, partner, coordinator) -> None:
    client.force_login(partner)
    for name in ("profile", "profile_data"):
        assert no_store(client.get(reverse(name))), name

    client.force_login(coordinator)
    meeting: Any = MeetingFactory.create(partnership=partnership)
    participants = reverse("meetings:participants", kwargs={"pk": meeting.pk})
    for fmt in ("csv", "xlsx"):
        assert no_store(client.get(participants, {"format": fmt})), fmt
        assert no_store(client.get(reverse("actions:export", args=[partnership.slug, fmt]))), fmt
    assert no_store(client.get(reverse("meetings:register", kwargs={"pk": meeting.pk})))


@pytest.mark.django_db
def test_the_registration_by_personal_link_is_kept_by_no_cache(client, partnership) -> None:
    meeting: Any = MeetingFactory.create(partnership=partnership)
    person: Any = PersonFactory.create()
    meeting_services.meeting_invite(meeting=meeting, people=[person], by=None)
    registration = Registration.objects.get(meeting=meeting, person=person)
    body = OutboundMessage.objects.get(key=f"meeting:{meeting.pk}:invitation:{registration.pk}").body_text
    match = re.search(r"/meetings/r/([A-Za-z0-9_-]+)/", body)
    assert match

    landing = client.get(reverse("meetings:personal_link", kwargs={"token": match.group(1)}))
    page = client.get(landing["Location"])

    assert page.status_code == 200
    assert no_store(landing) and no_store(page)


@pytest.mark.django_db
def test_a_respondents_pages_are_kept_by_no_cache(client, partnership) -> None:
    survey: Any = SurveyFactory.create(partnership=partnership)
    Survey.objects.filter(pk=survey.pk).update(
        state=Survey.State.OPEN, open_link_enabled=True, open_link_token=token_hash("open")
    )
    link = reverse("surveys:open_link", kwargs={"token": "open"})
    opened = client.post(link, {"website": ""})
    answer = client.get(opened["Location"])
    assert (opened.status_code, answer.status_code) == (302, 200)
    caught = client.post(link, {"website": "http://spam.example"})  # the honeypot's way to the thank-you page
    thanks = client.get(caught["Location"])
    assert thanks.status_code == 200
    for response in (client.get(link), opened, answer, caught, thanks):
        assert no_store(response), response


# The language cookie ---------------------------------------------------------------------------


def settings_in(**env: str) -> dict[str, Any]:
    """Settings as a fresh process reads them from this environment alone."""
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"), **env}
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'language': s.LANGUAGE_COOKIE_SECURE, 'session': s.SESSION_COOKIE_SECURE, "
        "'prefix': s.CACHES['default'].get('KEY_PREFIX', '')}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "partnership.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_the_language_cookie_is_secure_in_production_as_the_session_cookie_is() -> None:
    production, development = settings_in(DEBUG="0"), settings_in(DEBUG="1")
    assert (production["language"], production["session"]) == (True, True)
    assert (development["language"], development["session"]) == (False, False)


# gunicorn's access log ---------------------------------------------------------------------------


def secret_routes(patterns: list[Any], prefix: str = "") -> list[tuple[str, set[str]]]:
    """Every named route whose address carries a secret argument, with its arguments."""
    found: list[tuple[str, set[str]]] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            found += secret_routes(pattern.url_patterns, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            arguments = set(pattern.pattern.converters) if hasattr(pattern.pattern, "converters") else set()
            if arguments & SECRET_ARGUMENTS:
                found.append((f"{prefix}{pattern.name}", arguments))
    return found


def test_every_address_with_a_token_is_masked_in_the_access_log() -> None:
    routes = secret_routes(get_resolver().url_patterns)
    names = {name for name, _arguments in routes}
    assert {"meetings:personal_link", "meetings:feed", "surveys:personal_link", "surveys:open_link"} <= names
    assert {"surveys:opt_out", "password_reset_confirm"} <= names
    for name, arguments in routes:
        values = {argument: secrets.token_urlsafe(32) for argument in arguments}
        path = reverse(name, kwargs=values)
        for logged in (
            mask_request_line(f"GET {path}?page=2 HTTP/1.1"),
            mask_url(f"https://portal.example.eu{path}"),
            mask_url(path),
            # Opened before logging in (a QR ticket read by a phone's camera): the login page's "next" holds it.
            mask_request_line(f"GET /accounts/login/?{urlencode({'next': path})} HTTP/1.1"),
        ):
            assert MASK in logged, (name, logged)
            assert not any(value in logged for value in values.values()), (name, logged)
    assert mask_url("/p/security/partners/?page=2") == "/p/security/partners/?page=2"
    assert mask_url("/accounts/login/?next=/meetings/") == "/accounts/login/?next=/meetings/"


def test_gunicorn_started_as_make_serve_starts_it_logs_no_token(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "access.log"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_SETTINGS_MODULE": "partnership.settings",
    }
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "partnership.wsgi:application"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--access-logfile", str(log)]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    token = secrets.token_urlsafe(32)
    try:
        for _ in range(150):
            # Without the proxy's header the portal redirects to HTTPS at once: no database is needed.
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                connection.request("GET", f"/surveys/s/{token}/")
                status = connection.getresponse().status
            except OSError:
                time.sleep(0.2)
                continue
            finally:
                connection.close()
            assert status == 301
            break
        for _ in range(50):
            if log.exists() and "/surveys/s/" in log.read_text():
                break
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    written = log.read_text()
    assert f"/surveys/s/{MASK}/" in written
    assert token not in written


# The cache's key prefix ------------------------------------------------------------------------


def cache_in(prefix: str, code: str) -> str:
    url = django_settings.CACHES["default"].get("LOCATION", "")
    script = f"import django; django.setup(); from django.core.cache import cache; {code}"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "partnership.settings",
        "CACHE_URL": f"rediscache://{url.removeprefix('redis://')}",
        "CACHE_KEY_PREFIX": prefix,
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout.strip()


def test_two_installs_with_their_own_prefix_on_one_redis_share_no_keys() -> None:
    location = str(django_settings.CACHES["default"].get("LOCATION", ""))
    require(_redis_reachable(location), "needs Redis: set CACHE_URL=rediscache://127.0.0.1:6379/<db>")
    key = f"shared-{secrets.token_hex(4)}"

    cache_in("portal-a", f"cache.set('{key}', 'a', 60)")
    cache_in("portal-b", f"cache.set('{key}', 'b', 60)")

    assert cache_in("portal-a", f"print(cache.get('{key}'))") == "a"
    assert cache_in("portal-b", f"print(cache.get('{key}'))") == "b"
    assert cache_in("", f"print(cache.get('{key}'))") == "None"
    assert settings_in(CACHE_URL="rediscache://127.0.0.1:6379/1?key_prefix=abc")["prefix"] == "abc"
