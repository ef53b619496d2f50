"""Every CSV and XLSX file the portal writes goes through partnership.spreadsheets: a text that a spreadsheet
would run as a formula is neutralised, numbers and dates keep their type (issue 12, finding 1)."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from actions.tests.factories import ActionFactory
from meetings.tests.factories import MeetingFactory, RegistrationFactory
from partnership import spreadsheets
from partnership.tests.factories import OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://x","y")'
FORMULAS = [HYPERLINK, "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]


def csv_table(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_cells(content: bytes, sheet: str | None = None) -> list[list[Any]]:
    """The cells of a sheet as openpyxl reads them back (not values: their types matter)."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [list(row) for row in (book[sheet] if sheet else book.active).iter_rows()]


def assert_inert(cell: Any, text: str) -> None:
    """A text cell holding what was typed (XML reads a carriage return as a line feed), marked as literal
    text: never a formula."""
    assert (cell.value, cell.data_type, cell.quotePrefix) == (text.replace("\r", "\n"), "s", True)


def test_the_writer_neutralises_formula_text_and_keeps_numbers_and_dates_typed() -> None:
    moment = timezone.make_aware(datetime.datetime(2019, 6, 6, 9, 30))
    row = [*FORMULAS, -3, -2.5, Decimal("-1.25"), datetime.date(2019, 6, 6), moment, True, None, "plain", "a=b"]
    header = [f"c{i}" for i in range(len(row))]

    [_, written] = csv_table("".join(spreadsheets.csv_lines(header, [row])).encode())
    assert written[: len(FORMULAS)] == ["'" + text for text in FORMULAS]
    rest = ["-3", "-2.5", "-1.25", "2019-06-06", moment.isoformat(), "True", "", "plain", "a=b"]
    assert written[len(FORMULAS) :] == rest

    handle = io.BytesIO()
    spreadsheets.write_xlsx(handle, [spreadsheets.Sheet("data", header, [row])])
    [_, cells] = xlsx_cells(handle.getvalue())
    for cell, text in zip(cells, FORMULAS, strict=False):
        assert_inert(cell, text)
    numbers = cells[len(FORMULAS) : len(FORMULAS) + 3]
    assert [(cell.value, cell.data_type) for cell in numbers] == [(-3, "n"), (-2.5, "n"), (-1.25, "n")]
    day, when, flag, empty, plain, inner = cells[len(FORMULAS) + 3 :]
    assert (day.is_date, day.value.date()) == (True, datetime.date(2019, 6, 6))
    assert (when.is_date, when.value) == (True, timezone.make_naive(moment))
    assert (flag.value, flag.data_type) == (True, "b")
    assert empty.value is None
    assert (plain.value, plain.quotePrefix, inner.value, inner.quotePrefix) == ("plain", False, "a=b", False)


def test_the_long_list_exports_an_action_titled_as_a_formula_as_text(client, partnership, coordinator) -> None:
    ActionFactory(partnership=partnership, title=HYPERLINK, problem="-1", state=Action.State.LONG_LISTED)
    client.force_login(coordinator)

    download = client.get(reverse("actions:export", args=[partnership.slug, "csv"]))
    header, row = csv_table(download.getvalue())
    record = dict(zip(header, row, strict=True))
    assert (record["title"], record["problem"]) == ("'" + HYPERLINK, "'-1")
    assert download["Cache-Control"] == "private, no-store"

    download = client.get(reverse("actions:export", args=[partnership.slug, "xlsx"]))
    header_cells, cells = xlsx_cells(download.getvalue())
    by_column = {head.value: cell for head, cell in zip(header_cells, cells, strict=True)}
    assert_inert(by_column["title"], HYPERLINK)
    assert_inert(by_column["problem"], "-1")
    assert download["Cache-Control"] == "private, no-store"


def test_the_participants_export_keeps_a_need_starting_with_equals_as_text(client, partnership, coordinator) -> None:
    meeting: Any = MeetingFactory(partnership=partnership)
    RegistrationFactory(
        meeting=meeting, person=PersonFactory(name="@Ana"), accessibility_needs="=1+2", dietary_needs="-vegan"
    )
    client.force_login(coordinator)
    url = reverse("meetings:participants", kwargs={"pk": meeting.pk})

    download = client.get(url, {"format": "csv"})
    header, row = csv_table(download.getvalue())
    record = dict(zip(header, row, strict=True))
    assert (record["name"], record["accessibility_needs"], record["dietary_needs"]) == ("'@Ana", "'=1+2", "'-vegan")
    assert download["Cache-Control"] == "private, no-store"

    download = client.get(url, {"format": "xlsx"})
    header_cells, cells = xlsx_cells(download.getvalue())
    by_column = {head.value: cell for head, cell in zip(header_cells, cells, strict=True)}
    assert_inert(by_column["accessibility_needs"], "=1+2")
    assert_inert(by_column["name"], "@Ana")
    assert download["Cache-Control"] == "private, no-store"


def test_the_admins_exports_are_written_by_the_same_writer(admin_client) -> None:
    OrganisationFactory(name=HYPERLINK, short_name="+385")
    url = reverse("admin:partnership_organisation_export")
    form = admin_client.get(url).context["form"]
    fields = {name: "on" for name in form.fields if name.startswith("organisationresource_")}
    formats = [choice for choice in form.fields["format"].choices if choice[0] != ""]
    assert [label.lower() for _value, label in formats] == ["csv", "xlsx"]

    exported = admin_client.post(url, {"format": "0", "resource": "0", **fields})
    assert {"private", "no-store"} <= {part.strip() for part in exported["Cache-Control"].split(",")}
    rows = csv_table(exported.content)
    assert ["'" + HYPERLINK, "'+385"] in [[cell for cell in row if cell in ("'" + HYPERLINK, "'+385")] for row in rows]

    exported = admin_client.post(url, {"format": "1", "resource": "0", **fields})
    cells = [cell for row in xlsx_cells(exported.content) for cell in row if cell.value in (HYPERLINK, "+385")]
    assert len(cells) == 2
    for cell in cells:
        assert_inert(cell, cell.value)


def test_an_exported_file_imports_back_unchanged_its_quotes_taken_off(admin_client) -> None:
    OrganisationFactory(name="-Zagreb urban lab", short_name="+385")
    url = reverse("admin:partnership_organisation_export")
    form = admin_client.get(url).context["form"]
    fields = {name: "on" for name in form.fields if name.startswith("organisationresource_")}
    exported = admin_client.post(url, {"format": "0", "resource": "0", **fields}).content
    assert b"'-Zagreb urban lab" in exported and b"'+385" in exported

    upload = SimpleUploadedFile("organisations.csv", exported)
    preview = admin_client.post(
        reverse("admin:partnership_organisation_import"), {"resource": "0", "format": "0", "import_file": upload}
    )

    assert "confirm_form" in preview.context
    assert {row.import_type for row in preview.context["result"].rows} == {"skip"}
