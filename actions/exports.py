"""Exports of actions: CSV streamed row by row, XLSX written in openpyxl's write-only mode to a temporary file."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from typing import Any

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


def rows(actions: QuerySet[Action], *, public: bool = False) -> Iterator[dict[str, Any]]:
    columns = PUBLIC_COLUMNS if public else COLUMNS
    queryset = actions.select_related("priority_area", "pillar", "leader", "owner").prefetch_related("contributors")
    for action in queryset.iterator(chunk_size=2000):
        row = {
            "code": action.code,
            "title": action.title,
            "state": action.state,
            "priority_area": action.priority_area.name,
            "pillar": action.pillar.name if action.pillar else "",
            "level": action.level,
            "leader": action.leader.name if action.leader else "",
            "proposed_by": action.owner.name,
            "contributors": "; ".join(sorted(org.name for org in action.contributors.all())),
            "problem": action.problem,
            "description": action.description,
            "expected_outcome": action.expected_outcome,
            "timeline": action.timeline,
            "progress": action.progress,
            "updated_at": action.updated_at.isoformat(),
        }
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


def response(
    actions: QuerySet[Action], *, fmt: str, filename: str, public: bool = False
) -> HttpResponse | StreamingHttpResponse:
    if fmt == "csv":
        streamed = StreamingHttpResponse(csv_lines(actions, public=public), content_type="text/csv; charset=utf-8")
        streamed["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return streamed
    if fmt == "xlsx":
        from openpyxl import Workbook

        columns = PUBLIC_COLUMNS if public else COLUMNS
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("actions")
        sheet.append(columns)
        for row in rows(actions, public=public):
            sheet.append([row[column] for column in columns])
        handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after streaming
        workbook.save(handle)
        handle.seek(0)
        return FileResponse(
            handle,
            as_attachment=True,
            filename=f"{filename}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    return HttpResponse(status=404)
