"""System checks of settings that must hold together."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


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
