"""The owner's response export: one row per submitted response (CSV or XLSX) and the question codebook.

Rows come from one generator that reads responses in chunks with their answers, so memory stays flat with the
number of answers. Small surveys download at once; larger ones are written by a Celery task into a
`SurveyExport` file whose progress the owner watches.
"""

from __future__ import annotations

import io
import json
import logging
import random
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from partnership import background, spreadsheets
from surveys import selectors, workflow
from surveys.models import Answer, Question, Response, Survey, SurveyExport

logger = logging.getLogger(__name__)

# Above this many submitted responses the download links send the owner to the background export: a request
# that streams for minutes would hold one of the few web workers and meet the proxy's timeout.
DIRECT_LIMIT = 2000
CHUNK_SIZE = 1000
PROGRESS_EVERY = 500
XLSX_CONTENT_TYPE = spreadsheets.XLSX_CONTENT_TYPE
EXPORT_TASK = "surveys.tasks.survey_export_run"

Progress = Callable[[int], None]


@dataclass
class Table:
    header: list[str]
    rows: Iterator[list[Any]]


def survey_questions(survey: Survey) -> list[Question]:
    """The questions in the order of the columns Q1..Qn."""
    return [q for section in selectors.survey_structure(survey) for q in section.questions.all()]


def submitted_count(survey: Survey) -> int:
    return Response.objects.filter(survey=survey, submitted_at__isnull=False).count()


def _cell(value: Any, other: str) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and not other:
        return value
    else:
        text = f"{value}"
    return text + (f" ({other})" if other else "")


def response_table(survey: Survey, *, coarse: bool = False) -> Table:
    """The header and the rows of the export; named surveys carry the respondent's name and e-mail.

    `coarse` rows are for a reader who does not hold the rows (`selectors.holds_the_rows`): region and type only
    as far as results would show them (`selectors.row_labels`), and no response number, time or language, which
    the invitation list could match with a respondent; rows are shuffled within each chunk for the same reason.
    """
    questions = survey_questions(survey)
    named = survey.anonymity == Survey.Anonymity.NAMED and not coarse
    header = ["region", "kind"] if coarse else ["response", "submitted_at", "language", "region", "kind"]
    if named:
        header += ["name", "email"]
    header += [f"Q{i + 1}" for i in range(len(questions))]
    labels = selectors.row_labels(survey) if coarse else {}

    def rows() -> Iterator[list[Any]]:
        fields = ["pk", "submitted_at", "language", "region", "respondent_kind"]
        if named:
            fields += ["invitation__respondent__name", "invitation__respondent__email"]
        submitted = Response.objects.filter(survey=survey, submitted_at__isnull=False).order_by("pk")
        last = 0
        # Chunks of responses by primary key, each with its answers in one query, read as plain values:
        # memory stays flat with the number of answers.
        while chunk := list(submitted.filter(pk__gt=last).values_list(*fields)[:CHUNK_SIZE]):
            last = chunk[-1][0]
            answers: dict[int, dict[int, tuple[Any, str]]] = defaultdict(dict)
            for response_id, question_id, value, other in Answer.objects.filter(
                response_id__in=[row[0] for row in chunk]
            ).values_list("response_id", "question_id", "value", "other_text"):
                answers[response_id][question_id] = (value, other)
            if coarse:
                random.SystemRandom().shuffle(chunk)
            for pk, submitted_at, language, region, kind, *person in chunk:
                given = answers.get(pk, {})
                row: list[Any]
                if coarse:
                    row = list(labels.get((region, kind), ("", "")))
                else:
                    row = [pk, submitted_at.isoformat() if submitted_at else "", language, region, kind]
                if named:
                    row += [value or "" for value in person]
                row += [_cell(*given.get(question.pk, (None, ""))) for question in questions]
                yield row

    return Table(header=header, rows=rows())


def codebook_rows(survey: Survey) -> list[list[str]]:
    """The codebook: one row per column Q1..Qn, with the question, its kind and its choices."""
    rows = [["column", "identity", "section", "question", "kind", "required", "choices"]]
    index = 0
    for section in selectors.survey_structure(survey):
        for question in section.questions.all():
            index += 1
            choices = "; ".join(f"{c.value}={c.label}" for c in question.choices.all())
            rows.append(
                [
                    f"Q{index}",
                    str(question.identity),
                    section.title,
                    question.text,
                    question.kind,
                    "yes" if question.required else "no",
                    choices,
                ]
            )
    return rows


def csv_lines(survey: Survey, *, coarse: bool = False, progress: Progress | None = None) -> Iterator[str]:
    """The CSV export line by line, with a byte-order mark so spreadsheets read it as UTF-8."""
    table = response_table(survey, coarse=coarse)
    return spreadsheets.csv_lines(table.header, table.rows, progress=progress, every=PROGRESS_EVERY)


def write_csv(survey: Survey, file: IO[str], *, coarse: bool = False, progress: Progress | None = None) -> int:
    """Write the CSV export into a text file opened with newline=""; returns the number of responses."""
    table = response_table(survey, coarse=coarse)
    return spreadsheets.write_csv(file, table.header, table.rows, progress=progress, every=PROGRESS_EVERY)


def write_xlsx(survey: Survey, file: IO[bytes], *, coarse: bool = False, progress: Progress | None = None) -> int:
    """Write the XLSX export (sheets "responses" and "codebook") into a binary file; returns the number of responses.

    openpyxl's write-only mode streams each sheet to a temporary file, so memory stays flat here too.
    """
    table = response_table(survey, coarse=coarse)
    codebook = codebook_rows(survey)
    sheets = [
        spreadsheets.Sheet("responses", table.header, table.rows),
        spreadsheets.Sheet("codebook", codebook[0], codebook[1:]),
    ]
    return spreadsheets.write_xlsx(file, sheets, progress=progress, every=PROGRESS_EVERY)


def write(survey: Survey, fmt: str, file: IO[bytes], *, coarse: bool = False, progress: Progress | None = None) -> int:
    """Write the export in this format into a binary file."""
    if fmt == SurveyExport.Format.XLSX:
        return write_xlsx(survey, file, coarse=coarse, progress=progress)
    text = io.TextIOWrapper(file, encoding="utf-8", newline="")
    try:
        return write_csv(survey, text, coarse=coarse, progress=progress)
    finally:
        text.flush()
        text.detach()


def filename(survey: Survey, fmt: str) -> str:
    return f"survey-{survey.pk}-responses.{fmt}"


# Background exports ---------------------------------------------------------------------------


@transaction.atomic
def export_request(*, survey: Survey, fmt: str, by: Any) -> SurveyExport:
    """Queue a background export, or return the one of this survey and format that is already under way; a reader
    who does not hold the rows gets a coarse one (see `response_table`)."""
    if fmt not in SurveyExport.Format.values:
        raise ValueError(f"unknown export format {fmt!r}")
    exports_purge_expired()
    coarse = by is not None and not selectors.holds_the_rows(by, survey)
    pending = (
        SurveyExport.objects.select_for_update()
        .filter(
            survey=survey,
            format=fmt,
            coarse=coarse,
            state__in=workflow.EXPORT_UNDER_WAY,
            created_at__gt=timezone.now() - SurveyExport.STALE_AFTER,
        )
        .first()
    )
    if pending is not None:
        return pending
    export = SurveyExport(
        survey=survey, format=fmt, coarse=coarse, requested_by=by if getattr(by, "pk", None) else None
    )
    export.full_clean()
    export.save()
    # Robust: with the broker down the request still commits its export; `exports_sweep` hands it over later.
    transaction.on_commit(lambda: _hand_to_task(export.pk), robust=True)
    return export


def _hand_to_task(export_id: int) -> None:
    background.enqueue(EXPORT_TASK, export_id)
    SurveyExport.objects.filter(pk=export_id, state=SurveyExport.State.QUEUED).update(enqueued_at=timezone.now())


def _lease_end() -> Any:
    return timezone.now() + timedelta(seconds=settings.JOB_LEASE_SECONDS)


def _lease_expired(now: Any) -> Q:
    return Q(state=SurveyExport.State.RUNNING) & (Q(claimed_until__lt=now) | Q(claimed_until__isnull=True))


def export_run(*, export: SurveyExport) -> SurveyExport:
    """Write the export's file, counting progress; running it again once it is done or failed does nothing.

    A queued export, or one whose worker died (its lease ran out), is (re)written from the start; one that a
    live worker holds is left to it. Only the claim's holder (its `started_at`) may record the outcome.
    """
    survey = export.survey
    total = submitted_count(survey)
    now = timezone.now()
    claimed = (
        SurveyExport.objects.filter(pk=export.pk)
        .filter(Q(state=SurveyExport.State.QUEUED) | _lease_expired(now))
        .update(
            state=SurveyExport.State.RUNNING,
            started_at=now,
            claimed_until=_lease_end(),
            rows_done=0,
            rows_total=total,
            error="",
        )
    )
    if not claimed:
        export.refresh_from_db()
        return export
    mine = SurveyExport.objects.filter(pk=export.pk, state=SurveyExport.State.RUNNING, started_at=now)

    def progress(done: int) -> None:
        mine.update(rows_done=done, rows_total=max(total, done), claimed_until=_lease_end())

    storage = export.file.storage
    try:
        with tempfile.TemporaryFile() as handle:
            rows = write(survey, export.format, handle, coarse=export.coarse, progress=progress)
            mine.update(claimed_until=_lease_end())  # the upload to the store may take a while
            handle.seek(0)
            name = storage.save(
                export.file.field.generate_filename(export, filename(survey, export.format)), File(handle)
            )
    except Exception as error:  # whatever went wrong is shown to the owner, who may try again
        logger.exception("Export %s of survey %s failed", export.pk, survey.pk)
        mine.update(
            state=SurveyExport.State.FAILED, error=f"{type(error).__name__}: {error}"[:1000], finished_at=timezone.now()
        )
        export.refresh_from_db()
        return export
    with transaction.atomic():
        finished = mine.update(
            state=SurveyExport.State.DONE,
            file=name,
            rows_done=rows,
            rows_total=rows,
            finished_at=timezone.now(),
            claimed_until=None,
        )
        if finished:
            # A newer file replaces the earlier finished ones of the same survey, format and coarseness.
            SurveyExport.objects.filter(
                survey=survey,
                format=export.format,
                coarse=export.coarse,
                pk__lt=export.pk,
                state__in=workflow.EXPORT_FINISHED,
            ).delete()
    if not finished:
        storage.delete(name)  # the export was deleted or taken over while this run wrote its file
    export.refresh_from_db()
    return export


def exports_sweep(*, now: Any = None) -> int:
    """Hand again to tasks the exports the broker lost and those whose worker died (Beat, every 20 s): the
    jobs' sweep for exports, which keep their own model (see SurveyExport)."""
    now = now or timezone.now()
    handed_before = now - timedelta(seconds=settings.JOB_HANDOFF_SECONDS)
    lost = Q(state=SurveyExport.State.QUEUED) & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=handed_before))
    with transaction.atomic():
        ids = list(
            SurveyExport.objects.filter(lost | _lease_expired(now))
            .order_by("created_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:100]
        )
        SurveyExport.objects.filter(pk__in=ids).update(enqueued_at=now)
    for index, export_id in enumerate(ids):
        try:
            background.enqueue(EXPORT_TASK, export_id)
        except Exception:  # the broker is still down: the next sweep tries these again
            SurveyExport.objects.filter(pk__in=ids[index:]).update(enqueued_at=None)
            logger.warning("Could not hand export %s to the broker", export_id, exc_info=True)
            break
    return len(ids)


def exports_purge_expired(*, now: Any = None) -> int:
    """Delete exports (and their files) requested longer than the retention ago."""
    cutoff = (now or timezone.now()) - SurveyExport.RETENTION
    deleted, _by_model = SurveyExport.objects.filter(created_at__lt=cutoff).delete()
    return deleted
