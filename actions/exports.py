"""Exports of actions: CSV streamed row by row, XLSX written to a temporary file, both by partnership.spreadsheets."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from itertools import islice
from typing import IO, Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse

from actions.models import Action
from partnership import spreadsheets

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


def _table(actions: QuerySet[Action], public: bool) -> tuple[list[str], Iterator[list[Any]]]:
    columns = PUBLIC_COLUMNS if public else COLUMNS
    return columns, ([row[column] for column in columns] for row in rows(actions, public=public))


def csv_lines(actions: QuerySet[Action], *, public: bool = False) -> Iterator[str]:
    return spreadsheets.csv_lines(*_table(actions, public))


def write_xlsx(actions: QuerySet[Action], handle: IO[bytes], *, public: bool = False) -> int:
    """Write the actions as an XLSX workbook into handle, row by row (openpyxl's write-only mode); returns the rows."""
    return spreadsheets.write_xlsx(handle, [spreadsheets.Sheet("actions", *_table(actions, public))])


def response(
    actions: QuerySet[Action], *, fmt: str, filename: str, public: bool = False
) -> HttpResponse | StreamingHttpResponse:
    return spreadsheets.response(fmt, *_table(actions, public), filename=filename, title="actions")
