"""The one writer of every CSV and XLSX file the portal hands out.

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return would be read as a formula by a
spreadsheet (OWASP's "CSV injection"): in CSV it is prefixed with a single quote; in XLSX it is written as a
text cell marked with Excel's own quote prefix, so the value stays exactly what the user typed and is never
evaluated, not even after the cell is edited. Numbers, dates and booleans keep their type in XLSX (a negative
number stays a number); CSV writes them as they are. Rows are consumed one at a time, so files of any size
stream with flat memory.
"""

from __future__ import annotations

import csv
import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from import_export.formats import base_formats
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Exports hold personal data: no shared cache may keep them, and the browser keeps no copy.
NO_STORE = "private, no-store"
# A long export reports its progress after every this many rows (of its first sheet).
PROGRESS_EVERY = 500

Row = Sequence[Any]
Progress = Callable[[int], None]


@dataclass
class Sheet:
    title: str
    header: Row
    rows: Iterable[Row]


def is_formula_like(value: str) -> bool:
    return value.startswith(FORMULA_STARTS)


def _typed(value: Any) -> bool:
    return isinstance(value, (bool, int, float, Decimal, datetime.date, datetime.time))


def unquote(value: Any) -> Any:
    """A cell as read back from a file this module wrote: the quote put before a formula-like text is taken off,
    so an exported file imports back unchanged."""
    if isinstance(value, str) and value.startswith("'") and is_formula_like(value[1:]):
        return value[1:]
    return value


def csv_cell(value: Any) -> Any:
    """A value as CSV writes it: a formula-like text gets a leading single quote."""
    if value is None:
        return ""
    if _typed(value):
        return value.isoformat() if isinstance(value, (datetime.date, datetime.time)) else value
    text = str(value)
    return "'" + text if is_formula_like(text) else text


def csv_lines(
    header: Row, rows: Iterable[Row], *, progress: Progress | None = None, every: int = PROGRESS_EVERY
) -> Iterator[str]:
    """The CSV file line by line, starting with a byte-order mark so spreadsheets read it as UTF-8."""

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())
    yield "\ufeff" + writer.writerow([csv_cell(value) for value in header])
    for count, row in enumerate(rows, start=1):
        yield writer.writerow([csv_cell(value) for value in row])
        if progress is not None and count % every == 0:
            progress(count)


def write_csv(
    file: IO[str], header: Row, rows: Iterable[Row], *, progress: Progress | None = None, every: int = PROGRESS_EVERY
) -> int:
    """Write a CSV file into a text file opened with newline=""; returns the number of rows after the header."""
    count = -1
    for line in csv_lines(header, rows, progress=progress, every=every):
        file.write(line)
        count += 1
    return count


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.make_naive(value)  # XLSX has no time zones: the portal's local time
    if _typed(value):
        return value
    cell = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    cell.data_type = "s"
    if is_formula_like(cell.value):
        cell.quotePrefix = True
    return cell


def write_xlsx(
    file: IO[bytes], sheets: Iterable[Sheet], *, progress: Progress | None = None, every: int = PROGRESS_EVERY
) -> int:
    """Write the sheets into a binary file (openpyxl's write-only mode); returns the rows of the first sheet."""
    workbook = Workbook(write_only=True)
    first: int | None = None
    for sheet in sheets:
        written = workbook.create_sheet(sheet.title)
        written.append([_xlsx_cell(written, value) for value in sheet.header])
        count = 0
        for count, row in enumerate(sheet.rows, start=1):
            written.append([_xlsx_cell(written, value) for value in row])
            if progress is not None and first is None and count % every == 0:
                progress(count)
        first = count if first is None else first
    workbook.save(file)
    return first or 0


def csv_response(
    header: Row, rows: Iterable[Row], *, filename: str, stream: bool = True
) -> HttpResponse | StreamingHttpResponse:
    """A CSV download, streamed row by row unless it is known to be small."""
    lines = csv_lines(header, rows)
    response: HttpResponse | StreamingHttpResponse = (
        StreamingHttpResponse(lines, content_type=CSV_CONTENT_TYPE)
        if stream
        else HttpResponse("".join(lines), content_type=CSV_CONTENT_TYPE)
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = NO_STORE
    return response


def xlsx_response(sheets: Iterable[Sheet], *, filename: str) -> FileResponse:
    """An XLSX download, written to a temporary file first (a workbook is a zip, written at its end)."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after streaming
    write_xlsx(handle, sheets)
    handle.seek(0)
    return file_response(handle, filename=filename, content_type=XLSX_CONTENT_TYPE)


def file_response(handle: IO[bytes], *, filename: str, content_type: str) -> FileResponse:
    """A stored export handed out as an attachment that no cache keeps."""
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["Cache-Control"] = NO_STORE
    return response


def response(
    fmt: str, header: Row, rows: Iterable[Row], *, filename: str, title: str = "data"
) -> HttpResponse | StreamingHttpResponse:
    """A download of one table as `csv` or `xlsx`; 404 for any other format."""
    if fmt == "csv":
        return csv_response(header, rows, filename=f"{filename}.csv")
    if fmt == "xlsx":
        return xlsx_response([Sheet(title, header, rows)], filename=f"{filename}.xlsx")
    return HttpResponse(status=404)


class AdminCSV(base_formats.CSV):
    """django-import-export's CSV export, written by this module."""

    def export_data(self, dataset: Any, **kwargs: Any) -> str:
        return "".join(csv_lines(dataset.headers or [], dataset))


class AdminXLSX(base_formats.XLSX):
    """django-import-export's XLSX export, written by this module."""

    def export_data(self, dataset: Any, **kwargs: Any) -> bytes:
        with tempfile.TemporaryFile() as handle:
            write_xlsx(handle, [Sheet("export", dataset.headers or [], dataset)])
            handle.seek(0)
            return handle.read()


ADMIN_EXPORT_FORMATS = [AdminCSV, AdminXLSX]


# Statistical files ----------------------------------------------------------------------------

STATISTICAL_FORMATS = ("sav", "dta")
STATISTICAL_CONTENT_TYPES = {"sav": "application/x-spss-sav", "dta": "application/x-stata-dta"}
# SPSS and Stata files are written whole from a table held in memory. Measured by `bench_surveys --export
# --format sav`: about 125 bytes a cell at the peak (the columns, pandas' frame and ReadStat's buffers), so the
# 250,000-answer bench survey (10,000 responses in 64 columns) adds 76-79 MB. The stated bound is
# STATISTICAL_BYTES_PER_CELL (a fifth over the measure, for the allocator's noise), which `make bench` checks;
# above STATISTICAL_MAX_CELLS cells (at most 600 MB) the file is refused with a message; CSV and XLSX stream instead.
STATISTICAL_MAX_CELLS = 4_000_000
STATISTICAL_BYTES_PER_CELL = 150


@dataclass
class Variable:
    """A column of an SPSS or Stata file: an ASCII name of at most 32 characters (Stata's limit), its label,
    its type ("number", "text" or "datetime") and the labels of its coded values."""

    name: str
    label: str
    type: str = "text"
    value_labels: dict[int, str] | None = None


class TooLarge(ValueError):
    pass


def write_statistical(
    path: str,
    fmt: str,
    variables: Sequence[Variable],
    rows: Iterable[Row],
    *,
    file_label: str = "",
    progress: Progress | None = None,
    every: int = PROGRESS_EVERY,
) -> int:
    """Write an SPSS `.sav` or Stata `.dta` file with pyreadstat; returns the number of rows.

    Numbers go into flat arrays of doubles (missing: NaN), texts into lists (missing: empty, which both formats
    read as missing text), date-times naive in the portal's time zone. Memory is bounded by
    STATISTICAL_MAX_CELLS: the row that would pass it stops the file with `TooLarge`.
    """
    from array import array

    import pandas as pd
    import pyreadstat

    if fmt not in STATISTICAL_FORMATS:
        raise ValueError(f"unknown statistical format {fmt!r}")
    columns: list[Any] = [array("d") if v.type == "number" else [] for v in variables]
    nan = float("nan")
    width = max(len(variables), 1)
    count = 0
    for count, row in enumerate(rows, start=1):
        if count * width > STATISTICAL_MAX_CELLS:
            raise TooLarge(f"more than {STATISTICAL_MAX_CELLS} cells: download CSV instead")
        for variable, column, value in zip(variables, columns, row, strict=True):
            if variable.type == "number":
                column.append(nan if value is None or value == "" else float(value))
            elif variable.type == "datetime":
                aware = isinstance(value, datetime.datetime) and timezone.is_aware(value)
                column.append(timezone.make_naive(value) if aware else value)
            else:
                column.append("" if value is None else ILLEGAL_CHARACTERS_RE.sub("", str(value)))
        if progress is not None and count % every == 0:
            progress(count)
    data = {}
    for variable, column in zip(variables, columns, strict=True):
        if variable.type == "datetime":
            data[variable.name] = pd.Series(column, dtype="datetime64[us]")
        elif variable.type == "number":
            data[variable.name] = pd.Series(column, dtype="float64")
        else:
            data[variable.name] = pd.Series(column, dtype=object)
    frame = pd.DataFrame(data, columns=[v.name for v in variables])
    labels: dict[str, str | None] = {v.name: v.label for v in variables}
    value_labels: dict[str, dict[int | float, str]] = {
        v.name: dict(v.value_labels.items()) for v in variables if v.value_labels
    }
    if fmt == "sav":
        measures = {v.name: ("nominal" if v.value_labels else "scale") for v in variables if v.type == "number"}
        pyreadstat.write_sav(
            frame,
            path,
            file_label=file_label[:64],
            column_labels=labels,
            variable_value_labels=value_labels,
            variable_measure=measures,
        )
    else:
        # Stata keeps 80 characters of a label.
        pyreadstat.write_dta(
            frame,
            path,
            file_label=file_label[:80],
            column_labels={name: (label or "")[:80] for name, label in labels.items()},
            variable_value_labels=value_labels,
        )
    return count
