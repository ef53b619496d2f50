"""System checks of settings that must hold together in production."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks

ROOT = Path(__file__).resolve().parents[2]
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(autouse=True)
def _production_key(settings):
    """The checks below are of other settings: the key is one production accepts (test_secret_key.py)."""
    settings.SECRET_KEY = secrets.token_urlsafe(50)


def deploy_check_ids() -> list[str]:
    messages = run_checks(include_deployment_checks=True)
    return [str(message.id) for message in messages if str(message.id).startswith("partnership.")]


@pytest.mark.parametrize(
    "backend", ["django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache"]
)
def test_check_deploy_warns_of_a_cache_kept_in_each_process_with_debug_off(settings, backend):
    settings.DEBUG = False
    settings.CACHES = {"default": {"BACKEND": backend}}

    assert deploy_check_ids() == ["partnership.W001"]


def test_a_shared_cache_or_debug_passes(settings):
    settings.CACHES = LOCMEM
    settings.DEBUG = True
    assert deploy_check_ids() == []

    settings.DEBUG = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://h"}}
    assert deploy_check_ids() == []


def test_the_warning_is_only_for_check_deploy(settings):
    settings.DEBUG = False
    settings.CACHES = LOCMEM
    assert "partnership.W001" not in [message.id for message in run_checks()]


def check_deploy(**env: str) -> subprocess.CompletedProcess[str]:
    """`manage.py check --deploy --fail-level WARNING` as .ci/run calls it, with production settings."""
    production = {
        # The test process allows async-unsafe calls (for Playwright), which check --deploy rightly refuses.
        **{name: value for name, value in os.environ.items() if name not in ("CACHE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")},
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "portal.example.eu",
        "DEBUG": "0",
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_check_deploy_with_redis_as_the_cache_and_fail_without():
    shared = check_deploy(CACHE_URL="rediscache://127.0.0.1:6379/1")
    assert shared.returncode == 0, shared.stdout + shared.stderr

    local = check_deploy()
    assert local.returncode != 0
    assert "partnership.W001" in local.stderr + local.stdout
    assert "Set CACHE_URL to a shared cache" in local.stderr + local.stdout
