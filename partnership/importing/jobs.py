"""Imports of large files as background jobs (`partnership.jobs`): checked, then imported, by a worker.

A file of more rows than `settings.IMPORT_IN_REQUEST_ROWS` is stored (default storage, under
`private/imports/`) and a job is requested for its check (a dry run); the preview the admin shows is
read from the job's result. Confirming requests a second job, keyed on the first, that imports the
same stored file in one transaction: a row found wrong imports nothing, and a job run twice (or a
confirm clicked twice) imports once. The stored file is deleted once imported, once found wrong, or
by `import_files_sweep` after `IMPORT_FILE_DAYS` days.

Progress is written on a connection of its own: the import's rows are saved in one transaction the
page cannot see until it commits (a check's never does), so progress written in it would not show.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from import_export.results import RowResult

from partnership import selectors
from partnership.importing.files import IMPORT_FORMATS
from partnership.jobs import Progress, job_handler, job_latest, job_request
from partnership.models import Job, Partnership

logger = logging.getLogger(__name__)
KIND = "partnership.importing.jobs.import_job"
FOLDER = "private/imports"
PREVIEW_ROWS = 1000  # the preview of a large file shows its first rows; every invalid row is listed
PROGRESS_EVERY = 200


def read_dataset(data: bytes, format_index: int) -> Any:
    """A file's table, read by the import format the form chose (ImportFileError if it cannot be)."""
    input_format: Any = IMPORT_FORMATS[format_index]()
    return input_format.create_dataset(data)


def in_request_rows() -> int:
    return int(getattr(settings, "IMPORT_IN_REQUEST_ROWS", 2000))


def import_check_request(
    *,
    data: bytes,
    file_name: str,
    resource: str,
    format_index: int,
    admin: str,
    partnership: Partnership,
    chosen: Partnership | None,
    by: Any,
) -> Job:
    """Store an uploaded file and request its check (a dry run) as a job of `partnership`, for `by`.

    `resource` is the dotted path of the import's resource class; `chosen` the partnership the form chose
    (given to the resource), `partnership` the one whose coordinators see the job."""
    stored = default_storage.save(f"{FOLDER}/{uuid.uuid4().hex}", ContentFile(data))
    params = {
        "resource": resource,
        "file": stored,
        "file_name": file_name,
        "format": format_index,
        "admin": admin,
        "partnership": chosen.pk if chosen is not None else None,
        "user": by.pk,
        "dry_run": True,
    }
    return job_request(kind=KIND, partnership=partnership, by=by, params=params)


def import_confirm_request(*, check: Job, by: Any) -> Job:
    """Request the import of a checked file, as `by` (whose rights every row is checked against again, in the
    import's one transaction); a second confirm of the same check returns the first's job."""
    if check.kind != KIND or not check.params.get("dry_run") or check.state != Job.State.DONE:
        raise ValueError("only a finished check of an import can be confirmed")
    if check.result.get("has_errors") or check.result.get("has_validation_errors"):
        raise ValueError("a file with errors cannot be imported")
    key = f"import:{check.pk}"
    earlier = job_latest(key=key)
    if earlier is not None and earlier.state != Job.State.FAILED:
        return earlier
    return job_request(
        kind=KIND,
        partnership=check.partnership,
        by=by,
        params={**check.params, "dry_run": False, "user": by.pk},
        key=key,
    )


def import_jobs_visible(user: Any, *, admin: str) -> QuerySet[Job]:
    """The import jobs of one admin's import that `user` may see: those of the partnerships they coordinate."""
    jobs = Job.objects.filter(kind=KIND, params__admin=admin).select_related("partnership")
    if user.is_superuser:
        return jobs
    return jobs.filter(partnership__in=selectors.partnerships_coordinated(user))


class _SideProgress:
    """Progress written at once on a connection of its own (see the module's note); it renews the lease too."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.connection = connections.create_connection(DEFAULT_DB_ALIAS)

    def __call__(self, done: int, total: int) -> None:
        until = timezone.now() + timedelta(seconds=settings.JOB_LEASE_SECONDS)
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {Job._meta.db_table} SET done = %s, total = %s, claimed_until = %s "  # noqa: S608
                    "WHERE id = %s AND state = %s AND attempts = %s",
                    [done, total, until, self.job.pk, Job.State.RUNNING, self.job.attempts],
                )
        except Exception:  # progress is only shown; the import goes on without it
            logger.warning("Could not write the progress of job %s", self.job.pk, exc_info=True)

    def close(self) -> None:
        self.connection.close()


@job_handler
def import_job(job: Job, progress: Progress) -> dict[str, Any]:
    """Check (dry run) or import a stored file with its resource, as the user who asked; the result as
    `result_data` writes it. The file is deleted after an import, or after a check that found errors."""
    params = job.params
    user = get_user_model().objects.get(pk=params["user"])
    chosen = Partnership.objects.get(pk=params["partnership"]) if params.get("partnership") else None
    with default_storage.open(params["file"], "rb") as stored:
        data = stored.read()
    dataset = read_dataset(data, int(params["format"]))
    total = len(dataset)
    progress(0, total)
    resource = import_string(params["resource"])(user=user, partnership=chosen)
    side = _SideProgress(job)
    import_row = resource.import_row
    counted = [0]

    def import_row_counted(row: Any, instance_loader: Any, **kwargs: Any) -> Any:
        row_result = import_row(row, instance_loader, **kwargs)
        counted[0] += 1
        if counted[0] % PROGRESS_EVERY == 0:
            side(counted[0], total)
        return row_result

    resource.import_row = import_row_counted
    try:
        result = resource.import_data(
            dataset,
            dry_run=bool(params["dry_run"]),
            raise_errors=False,
            file_name=params.get("file_name", ""),
            user=user,
        )
    finally:
        side.close()
    progress(total, total)
    summary = result_data(result)
    if not params["dry_run"] and not (summary["has_errors"] or summary["has_validation_errors"]):
        admin_history_write(result, user=user, model=resource._meta.model, file_name=params.get("file_name", ""))
    if not params["dry_run"] or summary["has_errors"] or summary["has_validation_errors"]:
        default_storage.delete(params["file"])
    return summary


HISTORY_VERBS = {RowResult.IMPORT_TYPE_NEW: ADDITION, RowResult.IMPORT_TYPE_UPDATE: CHANGE}


def admin_history_write(result: Any, *, user: Any, model: Any, file_name: str) -> int:
    """Each record an import added or changed gets its entry in the admin's history, as an import in the
    request gives it; written from the rows' ids and names, without keeping 37,000 records in memory."""
    content_type = ContentType.objects.get_for_model(model)
    entries = [
        LogEntry(
            user_id=user.pk,
            content_type_id=content_type.pk,
            object_id=str(row.object_id),
            object_repr=str(row.object_repr)[:200],
            action_flag=HISTORY_VERBS[row.import_type],
            change_message=(
                gettext("Added by the import of “%(file)s”.")
                if row.import_type == RowResult.IMPORT_TYPE_NEW
                else gettext("Changed by the import of “%(file)s”.")
            )
            % {"file": file_name or "?"},
        )
        for row in result.rows
        if row.import_type in HISTORY_VERBS and row.object_id is not None
    ]
    LogEntry.objects.bulk_create(entries, batch_size=1000)
    return len(entries)


def result_data(result: Any) -> dict[str, Any]:
    """An import's result as JSON, in the shape the import page's template reads (see `JobResult`)."""

    def text(value: Any) -> str:
        return "" if value is None else str(value)

    valid = list(result.valid_rows())
    return {
        "totals": {key: int(value) for key, value in result.totals.items()},
        "total_rows": result.total_rows,
        "diff_headers": [text(header) for header in result.diff_headers],
        "base_errors": [text(error.error) for error in result.base_errors],
        "row_errors": [[line, [text(error.error) for error in errors]] for line, errors in result.row_errors()],
        "invalid_rows": [
            {
                "number": row.number,
                "error_count": row.error_count,
                "field_specific_errors": {
                    text(name): [text(message) for message in messages]
                    for name, messages in row.field_specific_errors.items()
                },
                "non_field_specific_errors": [text(message) for message in row.non_field_specific_errors],
                "values": [text(value) for value in row.values],
            }
            for row in result.invalid_rows
        ],
        "valid_rows": [
            {
                "number": getattr(row, "number", None),
                "import_type": row.import_type,
                "notes": [text(note) for note in getattr(row, "notes", ())],
                "diff": [text(cell) for cell in row.diff or ()],
            }
            for row in valid[:PREVIEW_ROWS]
        ],
        "valid_count": len(valid),
        "notes": [[number, text(note)] for number, note in getattr(result, "notes", ())],
        "has_errors": result.has_errors(),
        "has_validation_errors": result.has_validation_errors(),
    }


class _Row:
    def __init__(self, data: dict[str, Any]) -> None:
        self.__dict__.update(data)


class JobResult:
    """A job's stored result read as the import page reads django-import-export's Result."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.totals = data.get("totals", {})
        self.total_rows = data.get("total_rows", 0)
        self.diff_headers = data.get("diff_headers", [])
        self.base_errors = [{"error": error} for error in data.get("base_errors", [])]
        self.row_errors = [
            (line, [{"error": error} for error in errors]) for line, errors in data.get("row_errors", [])
        ]
        self.invalid_rows = [_Row(row) for row in data.get("invalid_rows", [])]
        # Each cell was escaped as the diff was made (StylelessDiff.as_html).
        self.valid_rows = [
            _Row({**row, "diff": [mark_safe(cell) for cell in row["diff"]]})  # noqa: S308
            for row in data.get("valid_rows", [])
        ]
        self.valid_count = data.get("valid_count", len(self.valid_rows))
        self.notes = data.get("notes", [])
        self.has_errors = bool(data.get("has_errors"))
        self.has_validation_errors = bool(data.get("has_validation_errors"))

    def __bool__(self) -> bool:
        return True


def import_files_sweep(*, now: Any = None) -> int:
    """Delete stored import files older than `IMPORT_FILE_DAYS` days (a check never confirmed); how many."""
    before = (now or timezone.now()) - timedelta(days=int(getattr(settings, "IMPORT_FILE_DAYS", 3)))
    try:
        _folders, names = default_storage.listdir(FOLDER)
    except FileNotFoundError:
        return 0
    deleted = 0
    for name in names:
        path = f"{FOLDER}/{name}"
        if default_storage.get_modified_time(path) < before:
            default_storage.delete(path)
            deleted += 1
    return deleted
