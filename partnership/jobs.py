"""Durable background jobs: the request is a row committed with the click; Celery only carries it.

A job's kind is the dotted path of a handler marked with `@job_handler`, so this module imports no app.
`job_run` claims the row atomically with a lease (queued, or running with an expired lease), runs the
handler, which reports progress and so renews the lease, and marks the row done or failed; only the
current holder of the claim may mark it. `jobs_sweep` hands again to a task what the broker lost and what
a killed worker left. Handlers are idempotent (a job run twice has the effect of once).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.module_loading import import_string

from partnership import background
from partnership.models import Job, Partnership

logger = logging.getLogger(__name__)
State = Job.State
TASK = "partnership.tasks.job_run"


class LeaseLost(Exception):
    """Another worker took the job over (this one stalled past its lease); stop without marking the row."""


class Progress(Protocol):
    def __call__(self, done: int, total: int | None = None) -> None: ...


Handler = Callable[[Job, Progress], dict[str, Any]]


def job_handler(function: Handler) -> Handler:
    """Mark a function as a job handler: `job_request(kind="app.module.function", ...)` runs it."""
    function.is_job_handler = True  # type: ignore[attr-defined]
    return function


def handler_for(kind: str) -> Handler:
    function = import_string(kind)
    if not getattr(function, "is_job_handler", False):
        raise ImportError(f"{kind} is not a job handler")
    return function


def job_request(*, kind: str, partnership: Partnership, by: Any, params: dict[str, Any], key: str | None = None) -> Job:
    """Write a job in the caller's transaction and hand it to a worker once that commits.

    With a key, a request while a job of the same key is queued or running returns that job.
    If the broker is down at the commit, the row stays and the sweep hands it over later.
    """
    handler_for(kind)
    if key:
        open_job = Job.objects.filter(key=key, state__in=(State.QUEUED, State.RUNNING)).first()
        if open_job is not None:
            return open_job
    job = Job(
        kind=kind,
        partnership=partnership,
        requested_by=by if getattr(by, "pk", None) else None,
        params=params,
        key=key or "",
    )
    job.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            job.save(force_insert=True)
    except IntegrityError:
        open_job = Job.objects.filter(key=key, state__in=(State.QUEUED, State.RUNNING)).first() if key else None
        if open_job is None:
            raise
        return open_job
    _enqueue_on_commit([job.pk])
    return job


def _enqueue_on_commit(ids: list[int]) -> None:
    # Robust: with the broker down the click still commits its job; the sweep hands it over later.
    transaction.on_commit(lambda: _hand_to_tasks(ids), robust=True)


def _hand_to_tasks(ids: list[int]) -> None:
    for job_id in ids:
        background.enqueue(TASK, job_id)
        # Marked after the hand-off succeeded: a job whose hand-off failed is due for the next sweep at once.
        Job.objects.filter(pk=job_id, state=State.QUEUED).update(enqueued_at=timezone.now())


def _lease_end() -> datetime:
    return timezone.now() + timedelta(seconds=settings.JOB_LEASE_SECONDS)


def _claim(job_id: int) -> int | None:
    """Take a queued job, or a running one whose holder's lease ran out; returns this claim's number."""
    now = timezone.now()
    with transaction.atomic():
        claimed = (
            Job.objects.filter(pk=job_id)
            .filter(Q(state=State.QUEUED) | Q(state=State.RUNNING, claimed_until__lt=now))
            .filter(attempts__lt=settings.JOB_MAX_ATTEMPTS)
            .update(
                state=State.RUNNING,
                claimed_until=_lease_end(),
                started_at=Coalesce(F("started_at"), now),
                attempts=F("attempts") + 1,
                error="",
            )
        )
        if not claimed:
            return None
        return int(Job.objects.filter(pk=job_id).values_list("attempts", flat=True)[0])


def _mine(job_id: int, claim: int) -> Any:
    return Job.objects.filter(pk=job_id, state=State.RUNNING, attempts=claim)


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)[:2000]
    return f"{type(error).__name__}: {error}"[:2000]


def job_run(*, job_id: int) -> bool:
    """Claim and run one job; returns True if this call finished it, False if it was not this call's to run."""
    claim = _claim(job_id)
    if claim is None:
        return False
    job = Job.objects.select_related("partnership", "requested_by").get(pk=job_id)

    def progress(done: int, total: int | None = None) -> None:
        changes: dict[str, Any] = {"done": done, "claimed_until": _lease_end()}
        if total is not None:
            changes["total"] = total
        if not _mine(job_id, claim).update(**changes):
            raise LeaseLost(job_id)

    try:
        result = handler_for(job.kind)(job, progress)
    except LeaseLost:
        logger.warning("Job %s was taken over by another worker", job_id)
        return False
    except Exception as error:  # whatever went wrong is shown to the one who asked, who may try again
        logger.exception("Job %s (%s) failed", job_id, job.kind)
        _mine(job_id, claim).update(
            state=State.FAILED, error=_reason(error), finished_at=timezone.now(), claimed_until=None
        )
        return False
    changes = {"state": State.DONE, "result": result or {}, "finished_at": timezone.now(), "claimed_until": None}
    if "file" in (result or {}):
        changes["result_file"] = result["file"]
    return bool(_mine(job_id, claim).update(**changes))


@dataclass
class SweepResult:
    enqueued: int
    failed: int


def jobs_sweep(*, now: datetime | None = None, limit: int = 1000) -> SweepResult:
    """Hand again to tasks the jobs the broker lost and those whose worker died; give up on a job lost too often."""
    now = now or timezone.now()
    expired = Q(state=State.RUNNING, claimed_until__lt=now)
    failed = Job.objects.filter(expired, attempts__gte=settings.JOB_MAX_ATTEMPTS).update(
        state=State.FAILED,
        error="The job was interrupted too often (its worker stopped each time).",
        finished_at=now,
        claimed_until=None,
    )
    handed_before = now - timedelta(seconds=settings.JOB_HANDOFF_SECONDS)
    lost = Q(state=State.QUEUED) & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=handed_before))
    with transaction.atomic():
        # Locked rows a concurrent sweep holds are skipped, so overlapping sweeps split the work.
        ids = list(
            Job.objects.filter(lost | expired)
            .order_by("created_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        Job.objects.filter(pk__in=ids).update(enqueued_at=now)
    for index, job_id in enumerate(ids):
        try:
            background.enqueue(TASK, job_id)
        except Exception:  # the broker is still down: the next sweep tries these again
            Job.objects.filter(pk__in=ids[index:], state=State.QUEUED).update(enqueued_at=None)
            logger.warning("Could not hand job %s to the broker", job_id, exc_info=True)
            break
    return SweepResult(enqueued=len(ids), failed=failed)


def job_latest(*, key: str) -> Job | None:
    """The newest job of a key (the one a page shows: queued, progress, done or failed)."""
    return Job.objects.filter(key=key).order_by("-created_at", "-pk").first()
