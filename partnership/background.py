"""Background work is started by task name, so services never import the tasks that call them."""

from __future__ import annotations

from typing import Any

from celery import current_app
from django.utils.module_loading import import_string


def enqueue(task_name: str, *args: Any) -> None:
    """Hand the task named by its dotted path to a worker; without a broker (the embedded default)
    run it here and now, as Celery's eager mode does for tasks called directly."""
    if current_app.conf.task_always_eager:
        import_string(task_name).delay(*args)
        return
    current_app.send_task(task_name, args=args)
