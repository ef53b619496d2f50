"""The Celery app. Without CELERY_BROKER_URL, tasks run eagerly in the web process after commit."""

import os
from typing import Any

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnership.settings")

app = Celery("partnership")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def refuse_weak_secret_key(**kwargs: Any) -> None:
    """A worker does not start with DEBUG off and a weak or the development SECRET_KEY (Celery logs and
    swallows a receiver's exceptions, so this one exits)."""
    from django.core.exceptions import ImproperlyConfigured

    from partnership.checks import refuse_weak_secret_key

    try:
        refuse_weak_secret_key()
    except ImproperlyConfigured as refused:
        raise SystemExit(f"ImproperlyConfigured: {refused}") from None
