"""Reading an uploaded file into a table, as `partnership.importing` describes."""

from __future__ import annotations

import codecs
import csv
import io
from typing import Any

import tablib
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from import_export.formats import base_formats

from partnership import spreadsheets


class ImportFileError(ValueError):
    """A file that cannot be read as a table, with the reason in plain words."""


SEPARATORS = (",", ";", "\t")
SEPARATOR_NAMES = {",": gettext_noop("comma"), ";": gettext_noop("semicolon"), "\t": gettext_noop("tab")}
SAVE_AS_UTF8 = gettext_noop(
    "Save it from your spreadsheet as “CSV UTF-8” (Excel: File › Save as › CSV UTF-8; LibreOffice: "
    "tick “Edit filter settings” and choose “Unicode (UTF-8)”), or as an XLSX workbook, and upload it again."
)
# Two 8-bit encodings spreadsheets still write in the EU. Where a file's bytes read as different letters
# in the two, the weights (how common each letter is in names of the languages written in it) tell which
# reading is likelier: "Ivi\xe6" is "Ivić" (Windows-1250) rather than "Iviæ", "Citt\xe0" is "Città".
EIGHT_BIT = (
    (
        "cp1252",
        gettext_noop("Latin-1 (Windows-1252, Western European)"),
        {**dict.fromkeys("àè", 3), **dict.fromkeys("ìòùêñ", 2), **dict.fromkeys("ãõåûœÀÈÌÒÙÊÑÅ", 1)},
    ),
    (
        "cp1250",
        gettext_noop("Windows-1250 (Central European)"),
        {
            **dict.fromkeys("čćł", 3),
            **dict.fromkeys("đřěąęśżńőČĆŁŚŻĐŘ", 2),
            **dict.fromkeys("ůźűăşţľťďňĚŃŐ", 1),
        },
    ),
)


def decode(data: bytes) -> str:
    """The text of an uploaded file (see the module's note), or ImportFileError saying why not."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise ImportFileError(_("This file says it is UTF-16 text but is not. ") + _(SAVE_AS_UTF8)) from error
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(
            _(
                "This file is a workbook, not text: choose the format “xlsx” and upload it again (save an ODS "
                "workbook as XLSX first)."
            )
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(_("This file is an old Excel workbook (XLS). ") + _(SAVE_AS_UTF8))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise ImportFileError(_("This file is not text. ") + _(SAVE_AS_UTF8))
    readings: list[tuple[float, str, str]] = []
    for codec, label, weights in EIGHT_BIT:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        readings.append((sum(weight * text.count(letter) for letter, weight in weights.items()), text, _(label)))
    if not readings:
        raise ImportFileError(_("This file is not UTF-8 text, nor Latin-1 or Windows-1250. ") + _(SAVE_AS_UTF8))
    if len({text for _score, text, _label in readings}) == 1:
        return readings[0][1]  # every accented letter reads the same in both: unambiguous
    readings.sort(key=lambda reading: -reading[0])
    (score, text, label), (other_score, other_text, other_label) = readings[0], readings[1]
    encoding = label if score > other_score else _("%(one)s or %(other)s") % {"one": label, "other": other_label}
    raise ImportFileError(
        _("This file is not UTF-8 text: it seems to be in %(encoding)s%(where)s. ")
        % {"encoding": encoding, "where": _first_difference(text, other_text)}
        + _(SAVE_AS_UTF8)
    )


def _first_difference(likely: str, other: str) -> str:
    """Where two readings of a file first differ, as “, where row 2 reads “Ivić””."""
    for number, (line, other_line) in enumerate(zip(likely.splitlines(), other.splitlines(), strict=False)):
        if line != other_line:
            at = next(i for i, (a, b) in enumerate(zip(line, other_line, strict=False)) if a != b)
            start = max(line.rfind(c, 0, at) for c in (" ", *SEPARATORS)) + 1
            ends = [i for i in (line.find(c, at) for c in (" ", *SEPARATORS)) if i >= 0]
            word = line[start : min(ends) if ends else len(line)].strip("\"'")
            if number == 0:
                return _(", where the column names read “%(word)s”") % {"word": word}
            return _(", where row %(number)d reads “%(word)s”") % {"number": number, "word": word}
    return ""


def column_key(header: Any) -> str:
    """A column name as the imports know it: "Short name " is short_name."""
    return "_".join(str(header if header is not None else "").strip().lower().split())


def _separator(first_line: str) -> str:
    counts = dict.fromkeys(SEPARATORS, 0)
    quoted = False
    for character in first_line:
        if character == '"':
            quoted = not quoted
        elif not quoted and character in counts:
            counts[character] += 1
    best = max(SEPARATORS, key=lambda separator: counts[separator])
    return best if counts[best] else ","


def _table(rows: list[list[Any]], separator: str | None = None) -> tablib.Dataset:
    """A dataset from rows whose first row names the columns; empty rows at the end dropped, and
    columns with neither a name nor a value."""
    while rows and not any(_filled(cell) for cell in rows[-1]):
        rows.pop()
    if not rows:
        return tablib.Dataset()
    headers = [column_key(header) for header in rows[0]]
    width = len(headers)
    body = []
    for number, row in enumerate(rows[1:], 1):
        cells = ["" if cell is None else spreadsheets.unquote(cell) for cell in row]
        if any(_filled(cell) for cell in cells[width:]):
            hint = (
                " "
                + _("A cell that contains a %(name)s needs quotes around it.") % {"name": _(SEPARATOR_NAMES[separator])}
                if separator
                else ""
            )
            raise ImportFileError(
                ngettext(
                    "Row %(number)d has %(cells)d cells but the first row names %(width)d column.",
                    "Row %(number)d has %(cells)d cells but the first row names %(width)d columns.",
                    width,
                )
                % {"number": number, "cells": len(cells), "width": width}
                + hint
            )
        body.append(cells[:width] + [""] * (width - len(cells)))
    kept = [i for i, header in enumerate(headers) if header or any(_filled(row[i]) for row in body)]
    headers = [headers[i] or f"column_{i + 1}" for i in kept]
    duplicates = sorted({header for header in headers if headers.count(header) > 1})
    if duplicates:
        raise ImportFileError(_("The first row names the column “%(column)s” twice.") % {"column": duplicates[0]})
    return tablib.Dataset(*[[row[i] for i in kept] for row in body], headers=headers)


def _filled(cell: Any) -> bool:
    return cell is not None and str(cell).strip() != ""


def read_text_table(data: bytes) -> tablib.Dataset:
    """A CSV file's table, whatever its separator and encoding (see the module's note)."""
    text = decode(data)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    separator = _separator(first_line)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))
    except csv.Error as error:
        raise ImportFileError(_("This file is not a table of text: %(reason)s.") % {"reason": error}) from error
    return _table(rows, separator)


def read_workbook(data: bytes) -> tablib.Dataset:
    """The first sheet of an XLSX workbook, its empty cells as empty text."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        rows = [list(row) for row in book.active.iter_rows(values_only=True)]
    except Exception as error:  # openpyxl fails in many ways on a file that is not a workbook
        raise ImportFileError(
            _(
                "This file could not be read as an XLSX workbook. Ensure you have chosen the correct format "
                "for the file. “csv” reads text separated by commas, semicolons or tabs, “xlsx” a workbook."
            )
        ) from error
    return _table([[cell.strip() if isinstance(cell, str) else cell for cell in row] for row in rows])


class DelimitedText(base_formats.CSV):
    """CSV with any of the usual separators and encodings; read as bytes so the portal decodes it."""

    def is_binary(self) -> bool:
        return True

    def get_read_mode(self) -> str:
        return "rb"

    def create_dataset(self, in_stream: Any, **kwargs: Any) -> tablib.Dataset:
        return read_text_table(in_stream if isinstance(in_stream, bytes) else str(in_stream).encode())


class Workbook(base_formats.XLSX):
    def create_dataset(self, in_stream: Any) -> tablib.Dataset:
        return read_workbook(in_stream)


IMPORT_FORMATS = [DelimitedText, Workbook]
