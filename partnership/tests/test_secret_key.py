"""With DEBUG off, the development or a weak SECRET_KEY fails check --deploy and stops the WSGI application and
the Celery worker; every other command still loads with no environment at all (issue 12, finding 2)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEAK_KEYS = {
    "no key (the built-in development key)": None,
    "a short key": "short-but-random-0123456789",
    "fewer than 5 different characters": "abab" * 20,
}


def run(*command: str, timeout: int = 120, **env: str | None) -> subprocess.CompletedProcess[str]:
    """A command in a clean environment (only PATH and HOME, plus what the test names), from the project root."""
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    clean.update({name: value for name, value in env.items() if value is not None})
    return subprocess.run(
        [sys.executable, *command], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=timeout, check=False
    )


def output(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


@pytest.mark.parametrize("key", WEAK_KEYS.values(), ids=WEAK_KEYS.keys())
def test_check_deploy_fails_naming_secret_key_with_debug_off(key: str | None) -> None:
    result = run("manage.py", "check", "--deploy", DEBUG="0", SECRET_KEY=key)

    assert result.returncode != 0
    assert "partnership.E002" in output(result)
    assert "SECRET_KEY" in output(result)


def test_check_deploy_accepts_a_random_key_and_debug_accepts_any() -> None:
    strong = run("manage.py", "check", "--deploy", DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50))
    assert strong.returncode == 0, output(strong)
    assert "partnership.E002" not in output(strong)

    debug = run("manage.py", "check", "--deploy", DEBUG="1")
    assert "partnership.E002" not in output(debug)


@pytest.mark.parametrize("key", WEAK_KEYS.values(), ids=WEAK_KEYS.keys())
@pytest.mark.parametrize("module", ["partnership.wsgi", "partnership.asgi"])
def test_the_web_application_refuses_to_start_with_a_weak_key(module: str, key: str | None) -> None:
    result = run("-c", f"import {module}", DEBUG="0", SECRET_KEY=key)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_the_wsgi_application_starts_with_a_random_key_or_debug() -> None:
    strong = run("-c", "import partnership.wsgi", DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50))
    assert strong.returncode == 0, strong.stderr
    debug = run("-c", "import partnership.wsgi", DEBUG="1")
    assert debug.returncode == 0, debug.stderr


def test_the_celery_worker_refuses_to_start_with_the_development_key() -> None:
    celery = str(Path(sys.executable).with_name("celery"))
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"), "DEBUG": "0"}
    result = subprocess.run(
        [celery, "-A", "partnership", "worker", "--loglevel=INFO", "--concurrency=1"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is the built-in development key" in result.stderr


def test_other_commands_load_with_no_environment_at_all() -> None:
    assert (checked := run("manage.py", "check")).returncode == 0, output(checked)
    migrations = run("manage.py", "makemigrations", "--check", "--dry-run")
    assert migrations.returncode == 0, output(migrations)
