"""Thin Celery tasks for meetings."""

from celery import shared_task

from meetings import services


@shared_task(ignore_result=True)
def reminders_sweep() -> int:
    """Queue due reminders (Beat runs it every minute); the outbox keys make overlaps harmless."""
    return services.reminders_sweep()
