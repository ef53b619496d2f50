"""The response exports: CSV and XLSX in the wide layout (labels or codes) or the long one, SPSS and Stata
files, and the codebook that names each column (`surveys.layouts` says what the columns are).

Rows come from one generator that reads responses in chunks with their answers, so memory stays flat with the
number of answers for CSV and XLSX. Small surveys download CSV and XLSX at once; larger ones, and every SPSS
or Stata file (written whole, within `spreadsheets.STATISTICAL_MAX_CELLS`), are written by a Celery task
into a `SurveyExport` file whose progress the owner watches.
"""

from __future__ import annotations

import io
import logging
import random
import shutil
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
from django.utils import timezone, translation
from django.utils.translation import gettext

from partnership import background, spreadsheets
from surveys import layouts, selectors, workflow
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
    columns: list[layouts.Column] | None = None  # the wide layout's columns, for statistical files


def survey_questions(survey: Survey) -> list[Question]:
    """The questions in the order of the columns Q1..Qn."""
    return [q for section in selectors.survey_structure(survey) for q in section.questions.all()]


def submitted_count(survey: Survey) -> int:
    return Response.objects.filter(survey=survey, submitted_at__isnull=False).count()


def _meta_columns(survey: Survey, *, coarse: bool, layout: str) -> list[layouts.Column]:
    """The columns before the answers; named surveys carry the respondent's name and e-mail.

    `coarse` rows are for a reader who does not hold the rows (`selectors.holds_the_rows`): region and type only
    as far as results would show them (`selectors.row_labels`), and no response number, time or language, which
    the invitation list could match with a respondent; the long layout numbers them in the file instead.
    """
    columns = []
    if not coarse:
        columns += [
            layouts.Column("response", gettext("Response number")),
            layouts.Column("submitted_at", gettext("Submitted at"), "datetime"),
            layouts.Column("language", gettext("Language answered in"), "text"),
        ]
    elif layout == layouts.LONG:
        columns.append(layouts.Column("row", gettext("Response (numbered in this file)")))
    columns += [
        layouts.Column("region", gettext("Municipality or region"), "text"),
        layouts.Column("kind", gettext("Respondent type"), "text"),
    ]
    if survey.anonymity == Survey.Anonymity.NAMED and not coarse:
        columns += [layouts.Column("name", gettext("Name"), "text"), layouts.Column("email", gettext("E-mail"), "text")]
    return columns


def _responses(survey: Survey, *, coarse: bool) -> Iterator[tuple[list[Any], dict[int, tuple[Any, str]]]]:
    """Each submitted response's leading cells (see `_meta_columns`) with its answers by question id.

    Chunks of responses by primary key, each with its answers in one query, read as plain values: memory stays
    flat with the number of answers. Coarse rows are shuffled within each chunk."""
    named = survey.anonymity == Survey.Anonymity.NAMED and not coarse
    labels = selectors.row_labels(survey) if coarse else {}
    fields = ["pk", "submitted_at", "language", "region", "respondent_kind"]
    if named:
        fields += ["invitation__respondent__name", "invitation__respondent__email"]
    submitted = Response.objects.filter(survey=survey, submitted_at__isnull=False).order_by("pk")
    last = 0
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
            row: list[Any] = (
                list(labels.get((region, kind), ("", ""))) if coarse else [pk, submitted_at, language, region, kind]
            )
            yield row + [value or "" for value in person], answers.get(pk, {})


def response_table(survey: Survey, *, coarse: bool = False, layout: str = layouts.LABELS) -> Table:
    """The header and the rows of the export in this layout (`surveys.layouts`)."""
    if layout not in layouts.LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    meta = _meta_columns(survey, coarse=coarse, layout=layout)
    questions = layouts.question_columns(survey, survey_questions(survey), layout=layout)

    if layout == layouts.LONG:

        def long_rows() -> Iterator[list[Any]]:
            for number, (lead, given) in enumerate(_responses(survey, coarse=coarse), start=1):
                lead = [number, *lead] if coarse else lead
                for question in questions:
                    for row in question.long_rows(given.get(question.question.pk)):
                        yield lead + row

        return Table(header=[c.name for c in meta] + layouts.LONG_HEADER, rows=long_rows())

    columns = meta + [column for question in questions for column in question.columns]

    def wide_rows() -> Iterator[list[Any]]:
        for lead, given in _responses(survey, coarse=coarse):
            yield lead + [cell for question in questions for cell in question.cells(given.get(question.question.pk))]

    return Table(header=[c.name for c in columns], rows=wide_rows(), columns=columns)


CODEBOOK_HEADER = ["column", "identity", "section", "question", "kind", "required", "label", "type", "values"]


def codebook_rows(survey: Survey, *, layout: str = layouts.LABELS) -> list[list[str]]:
    """The codebook: one row per column of the wide layout (the long layout's `variable`), with its question,
    its label, its type and its values (codes with their labels; the labels variant shows the label)."""
    rows = [CODEBOOK_HEADER]
    for column in _meta_columns(survey, coarse=False, layout=layout):
        rows.append([column.name, "", "", "", "", "", column.label, column.type, layouts.describe(column)])
    questions = survey_questions(survey)
    with translation.override(survey.default_language):
        for question in layouts.question_columns(survey, questions, layout=layouts.CODES):
            source = question.question
            for column in question.columns:
                rows.append(
                    [
                        column.name,
                        str(source.identity),
                        source.section.title,
                        source.text,
                        source.kind,
                        "yes" if source.required else "no",
                        column.label,
                        column.type,
                        layouts.describe(column),
                    ]
                )
    return rows


def csv_lines(
    survey: Survey, *, coarse: bool = False, layout: str = layouts.LABELS, progress: Progress | None = None
) -> Iterator[str]:
    """The CSV export line by line, with a byte-order mark so spreadsheets read it as UTF-8."""
    table = response_table(survey, coarse=coarse, layout=layout)
    return spreadsheets.csv_lines(table.header, table.rows, progress=progress, every=PROGRESS_EVERY)


def write_csv(
    survey: Survey,
    file: IO[str],
    *,
    coarse: bool = False,
    layout: str = layouts.LABELS,
    progress: Progress | None = None,
) -> int:
    """Write the CSV export into a text file opened with newline=""; returns the number of rows."""
    table = response_table(survey, coarse=coarse, layout=layout)
    return spreadsheets.write_csv(file, table.header, table.rows, progress=progress, every=PROGRESS_EVERY)


def write_xlsx(
    survey: Survey,
    file: IO[bytes],
    *,
    coarse: bool = False,
    layout: str = layouts.LABELS,
    progress: Progress | None = None,
) -> int:
    """Write the XLSX export (sheets "responses" and "codebook") into a binary file; returns the number of rows.

    openpyxl's write-only mode streams each sheet to a temporary file, so memory stays flat here too.
    """
    table = response_table(survey, coarse=coarse, layout=layout)
    codebook = codebook_rows(survey, layout=layout)
    sheets = [
        spreadsheets.Sheet("responses", table.header, table.rows),
        spreadsheets.Sheet("codebook", codebook[0], codebook[1:]),
    ]
    return spreadsheets.write_xlsx(file, sheets, progress=progress, every=PROGRESS_EVERY)


def write_statistical(
    survey: Survey, fmt: str, file: IO[bytes], *, coarse: bool = False, progress: Progress | None = None
) -> int:
    """Write the SPSS or Stata file: the codes variant of the wide layout, with the question's text as each
    variable's label and the labels of its codes. Held whole in memory, within
    `spreadsheets.STATISTICAL_MAX_CELLS`; pyreadstat writes to a path, which is then copied into `file`."""
    table = response_table(survey, coarse=coarse, layout=layouts.CODES)
    assert table.columns is not None
    variables = [spreadsheets.Variable(c.name, c.label, c.type, c.values or None) for c in table.columns]
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/export.{fmt}"
        count = spreadsheets.write_statistical(
            path, fmt, variables, table.rows, file_label=survey.title, progress=progress, every=PROGRESS_EVERY
        )
        with open(path, "rb") as written:
            shutil.copyfileobj(written, file)
    return count


def write(
    survey: Survey,
    fmt: str,
    file: IO[bytes],
    *,
    coarse: bool = False,
    layout: str = layouts.LABELS,
    progress: Progress | None = None,
) -> int:
    """Write the export in this format (and layout, for CSV and XLSX) into a binary file."""
    if fmt in spreadsheets.STATISTICAL_FORMATS:
        return write_statistical(survey, fmt, file, coarse=coarse, progress=progress)
    if fmt == SurveyExport.Format.XLSX:
        return write_xlsx(survey, file, coarse=coarse, layout=layout, progress=progress)
    text = io.TextIOWrapper(file, encoding="utf-8", newline="")
    try:
        return write_csv(survey, text, coarse=coarse, layout=layout, progress=progress)
    finally:
        text.flush()
        text.detach()


def filename(survey: Survey, fmt: str, layout: str = layouts.LABELS) -> str:
    variant = "" if layout == layouts.LABELS or fmt in spreadsheets.STATISTICAL_FORMATS else f"-{layout}"
    return f"survey-{survey.pk}-responses{variant}.{fmt}"


def content_type(fmt: str) -> str:
    if fmt == SurveyExport.Format.XLSX:
        return XLSX_CONTENT_TYPE
    return spreadsheets.STATISTICAL_CONTENT_TYPES.get(fmt, "text/csv")


# Background exports ---------------------------------------------------------------------------


@transaction.atomic
def export_request(*, survey: Survey, fmt: str, by: Any, layout: str = layouts.LABELS) -> SurveyExport:
    """Queue a background export, or return the one of this survey, format and layout that is already under way;
    a reader who does not hold the rows gets a coarse one (see `_meta_columns`)."""
    if fmt not in SurveyExport.Format.values:
        raise ValueError(f"unknown export format {fmt!r}")
    if layout not in layouts.LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    if fmt in spreadsheets.STATISTICAL_FORMATS:
        layout = layouts.CODES
    exports_purge_expired()
    coarse = by is not None and not selectors.holds_the_rows(by, survey)
    pending = (
        SurveyExport.objects.select_for_update()
        .filter(
            survey=survey,
            format=fmt,
            layout=layout,
            coarse=coarse,
            state__in=workflow.EXPORT_UNDER_WAY,
            created_at__gt=timezone.now() - SurveyExport.STALE_AFTER,
        )
        .first()
    )
    if pending is not None:
        return pending
    export = SurveyExport(
        survey=survey,
        format=fmt,
        layout=layout,
        coarse=coarse,
        requested_by=by if getattr(by, "pk", None) else None,
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
            rows = write(survey, export.format, handle, coarse=export.coarse, layout=export.layout, progress=progress)
            mine.update(claimed_until=_lease_end())  # the upload to the store may take a while
            handle.seek(0)
            name = storage.save(
                export.file.field.generate_filename(export, filename(survey, export.format, export.layout)),
                File(handle),
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
            # A newer file replaces the earlier finished ones of the same survey, format, layout and coarseness.
            SurveyExport.objects.filter(
                survey=survey,
                format=export.format,
                layout=export.layout,
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
