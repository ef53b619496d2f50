"""System checks of settings that must hold together."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE = 5
SECRET_KEY_HINT = (
    "Set SECRET_KEY in the environment to 50 or more random characters, e.g. the output of "  # noqa: S105
    "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
)


@register()
def outbox_lease_outlasts_smtp_timeout(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """The sweep takes back a claim older than its lease; a worker may still be inside an SMTP hand-off
    for up to EMAIL_TIMEOUT after renewing it, so the lease must be longer, with as much again to spare,
    or the sweep could hand a mail being sent to a second worker."""
    lease = settings.OUTBOX_RECLAIM_AFTER_SECONDS
    timeout = settings.EMAIL_TIMEOUT or 0
    if lease >= 2 * timeout and lease > 0:
        return []
    return [
        Error(
            f"OUTBOX_RECLAIM_AFTER_SECONDS ({lease}) must be at least twice EMAIL_TIMEOUT ({timeout}).",
            hint="Raise OUTBOX_RECLAIM_AFTER_SECONDS or lower EMAIL_TIMEOUT (e.g. 60 and 30).",
            id="partnership.E001",
        )
    ]


PROCESS_LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.caches, deploy=True)
def cache_is_shared_in_production(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """Rate limits (the public feedback's, login throttling) and cached pages live in the default cache: one kept
    in each process lets every gunicorn worker and web machine count on its own, so a limit never holds."""
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.DEBUG or backend not in PROCESS_LOCAL_CACHES:
        return []
    return [
        Warning(
            f"The default cache ({backend.rsplit('.', 1)[-1]}) is kept in each process: rate limits and login "
            "throttling do not hold across gunicorn workers or web machines.",
            hint="Set CACHE_URL to a shared cache, e.g. rediscache://redis:6379/1.",
            id="partnership.W001",
        )
    ]


def secret_key_problem() -> str | None:
    """Why SECRET_KEY may not serve production (DEBUG off), or None: the built-in development key, or a key
    shorter than 50 characters or of fewer than 5 different ones, lets anyone forge sessions and signed links."""
    if settings.DEBUG:
        return None
    key = str(settings.SECRET_KEY)
    if key == settings.DEVELOPMENT_SECRET_KEY:
        return "SECRET_KEY is the built-in development key, which anyone can read in the source, and DEBUG is off."
    if len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_UNIQUE:
        return (
            f"SECRET_KEY is too weak for production (DEBUG is off): it needs at least {SECRET_KEY_MIN_LENGTH} "
            f"characters, {SECRET_KEY_MIN_UNIQUE} of them different."
        )
    return None


@register(Tags.security, deploy=True)
def secret_key_is_strong(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    problem = secret_key_problem()
    return [Error(problem, hint=SECRET_KEY_HINT, id="partnership.E002")] if problem else []


def refuse_weak_secret_key() -> None:
    """Stop a production process (the WSGI application, a Celery worker) that would run with a weak key;
    management commands and the tests still load without one."""
    problem = secret_key_problem()
    if problem:
        raise ImproperlyConfigured(f"{problem} {SECRET_KEY_HINT}")
