"""Thin Celery tasks for surveys."""

from celery import shared_task

from surveys import services


@shared_task(ignore_result=True)
def reminders_sweep() -> int:
    """Queue due survey reminders (Beat runs it every minute); overlapping runs skip locked rows."""
    return services.reminders_sweep()


@shared_task(ignore_result=True)
def erase_expired_respondents() -> int:
    return services.respondents_erase_expired()
