"""Exports of actions: CSV streamed row by row, XLSX written in openpyxl's write-only mode to a temporary file."""

from __future__ import annotations

import csv
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from itertools import islice
from typing import IO, Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse, StreamingHttpResponse

from actions.models import Action

COLUMNS = [
    "code",
    "title",
    "state",
    "priority_area",
    "pillar",
    "level",
    "leader",
    "proposed_by",
    "contributors",
    "problem",
    "description",
    "expected_outcome",
    "timeline",
    "progress",
    "updated_at",
]
PUBLIC_COLUMNS = [column for column in COLUMNS if column not in ("proposed_by",)]


CHUNK_SIZE = 2000
# Each column and the value it is read from; nothing else of an action (its search document above all) is read.
READ = {
    "code": "code",
    "title": "title",
    "state": "state",
    "priority_area": "priority_area__name",
    "pillar": "pillar__name",
    "level": "level",
    "leader": "leader__name",
    "proposed_by": "owner__name",
    "problem": "problem",
    "description": "description",
    "expected_outcome": "expected_outcome",
    "timeline": "timeline",
    "progress": "progress",
    "updated_at": "updated_at",
}


def _contributor_names(action_ids: list[int]) -> dict[int, str]:
    names: dict[int, list[str]] = defaultdict(list)
    through = Action.contributors.through.objects.filter(action_id__in=action_ids)
    for action_id, name in through.values_list("action_id", "organisation__name"):
        names[action_id].append(name)
    return {action_id: "; ".join(sorted(each)) for action_id, each in names.items()}


def rows(actions: QuerySet[Action], *, public: bool = False) -> Iterator[dict[str, Any]]:
    """The actions as export rows, in the queryset's order.

    Plain values are read through a server-side cursor CHUNK_SIZE rows at a time, with one query per
    chunk for the contributors, so memory does not grow with the rows.
    """
    columns = PUBLIC_COLUMNS if public else COLUMNS
    values = actions.prefetch_related(None).values_list("pk", *READ.values()).iterator(chunk_size=CHUNK_SIZE)
    while chunk := list(islice(values, CHUNK_SIZE)):
        contributors = _contributor_names([pk for pk, *_ in chunk])
        for pk, *fields in chunk:
            row = dict(zip(READ, fields, strict=True))
            row.update(
                pillar=row["pillar"] or "",
                leader=row["leader"] or "",
                contributors=contributors.get(pk, ""),
                updated_at=row["updated_at"].isoformat(),
            )
            yield {column: row[column] for column in columns}


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(actions: QuerySet[Action], *, public: bool = False) -> Iterator[str]:
    columns = PUBLIC_COLUMNS if public else COLUMNS
    writer = csv.DictWriter(_Echo(), fieldnames=columns)
    yield "\ufeff" + writer.writeheader()
    for row in rows(actions, public=public):
        yield writer.writerow(row)


def write_xlsx(actions: QuerySet[Action], handle: IO[bytes], *, public: bool = False) -> int:
    """Write the actions as an XLSX workbook into handle, row by row (openpyxl's write-only mode); returns the rows."""
    from openpyxl import Workbook

    columns = PUBLIC_COLUMNS if public else COLUMNS
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("actions")
    sheet.append(columns)
    count = 0
    for row in rows(actions, public=public):
        sheet.append([row[column] for column in columns])
        count += 1
    workbook.save(handle)
    return count


def response(
    actions: QuerySet[Action], *, fmt: str, filename: str, public: bool = False
) -> HttpResponse | StreamingHttpResponse:
    if fmt == "csv":
        streamed = StreamingHttpResponse(csv_lines(actions, public=public), content_type="text/csv; charset=utf-8")
        streamed["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return streamed
    if fmt == "xlsx":
        handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after streaming
        write_xlsx(actions, handle, public=public)
        handle.seek(0)
        return FileResponse(
            handle,
            as_attachment=True,
            filename=f"{filename}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    return HttpResponse(status=404)
