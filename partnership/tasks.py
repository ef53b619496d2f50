"""Thin Celery tasks: they take ids and call the outbox services."""

from __future__ import annotations

from celery import shared_task

from partnership import jobs, notifications, once, outbox, services
from partnership.importing import jobs as import_jobs


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_message(message_id: int) -> bool:
    """Send one outbox row; running it twice sends once, since the row is claimed first."""
    try:
        return outbox.message_send(message_id=message_id)
    except outbox.TransientSendError as error:
        if not send_message.app.conf.task_always_eager:
            send_message.apply_async((message_id,), countdown=error.retry_in)
        return False


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_messages(message_ids: list[int]) -> int:
    """Send a batch of outbox rows over one SMTP connection; a row that fails for now is put back
    with a later send_after, and the sweep hands it to a task again."""
    return outbox.messages_send_batch(message_ids=message_ids)


@shared_task(ignore_result=True)
def outbox_sweep() -> dict[str, int]:
    result = outbox.outbox_sweep()
    return {"reclaimed": result.reclaimed, "enqueued": result.enqueued}


@shared_task(ignore_result=True)
def coordinator_access_sweep() -> int:
    """Admin access follows memberships that end or begin with the calendar (hourly, for Beat)."""
    return services.coordinator_access_sweep()


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def job_run(job_id: int) -> bool:
    """Run one background job; running it twice has the effect of once, since the row is claimed first."""
    return jobs.job_run(job_id=job_id)


@shared_task(ignore_result=True)
def jobs_sweep() -> dict[str, int]:
    """Hand lost and abandoned jobs to workers again (Beat, every 20 s)."""
    result = jobs.jobs_sweep()
    return {"enqueued": result.enqueued, "failed": result.failed}


@shared_task(ignore_result=True)
def import_files_sweep() -> int:
    """Delete the stored files of large imports checked but never confirmed (Beat, daily)."""
    return import_jobs.import_files_sweep()


@shared_task(ignore_result=True)
def digests_start() -> int:
    """Start the day's notification digests, one durable job per partnership and day (Beat, hourly)."""
    return len(notifications.digests_start())


@shared_task(ignore_result=True)
def spent_form_tokens_purge() -> int:
    """Delete create forms' one-time tokens spent long ago (Beat, daily)."""
    return once.spent_tokens_purge()
