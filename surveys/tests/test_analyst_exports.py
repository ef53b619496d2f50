"""Exports an analyst can open: the wide layout (labels and codes), the long one, SPSS and Stata files, read
back by their own readers (csv, openpyxl, pyreadstat) and compared with the answers given."""

from __future__ import annotations

import csv
import datetime
import io
import re
import tempfile
from pathlib import Path
from typing import Any

import openpyxl
import pyreadstat
import pytest
from django.urls import reverse

from partnership import spreadsheets
from surveys import exports, tasks
from surveys.models import Survey, SurveyExport

pytestmark = pytest.mark.django_db


def url(name: str, survey: Survey, **kwargs: Any) -> str:
    return reverse(f"surveys:{name}", kwargs={"pk": survey.pk, **kwargs})


def csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_rows(content: bytes, sheet: str = "responses") -> list[dict[str, Any]]:
    header, *rows = list(openpyxl.load_workbook(io.BytesIO(content))[sheet].iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in rows]


def download(client: Any, address: str) -> bytes:
    response = client.get(address)
    assert response.status_code == 200, address
    return b"".join(response.streaming_content) if response.streaming else response.content


ANSWER_COLUMNS = [
    "Q1",
    "Q2",
    "Q2_other_text",
    "Q3",
    "Q4",
    "Q5_squares",
    "Q5_parks",
    "Q5_schools",
    "Q6",
    "Q7_lighting",
    "Q7_benches",
    "Q8_police",
    "Q8_design",
    "Q8_lighting",
]


def test_the_wide_csv_with_labels_has_a_column_per_option_row_and_item(client, analyst, ministry):
    client.force_login(ministry)
    rows = csv_rows(download(client, url("export_layout", analyst.survey, layout="labels", fmt="csv")))

    assert list(rows[0])[:7] == ["response", "submitted_at", "language", "region", "kind", "name", "email"]
    assert list(rows[0])[7:] == ANSWER_COLUMNS
    zadar, split = ({key: rows[i][key] for key in ANSWER_COLUMNS} for i in (0, 1))
    assert zadar == {
        "Q1": "4",
        "Q2": "Other",
        "Q2_other_text": "cameras at the port",
        "Q3": "Yes",
        "Q4": '\'=HYPERLINK("http://example.com")',  # neutralised by the one writer
        "Q5_squares": "0",
        "Q5_parks": "1",
        "Q5_schools": "1",
        "Q6": "3.5",
        "Q7_lighting": "5",
        "Q7_benches": "2",
        "Q8_police": "1",
        "Q8_design": "2",
        "Q8_lighting": "3",
    }
    assert (split["Q2"], split["Q2_other_text"], split["Q3"], split["Q4"]) == ("Wide", "", "No", "")
    assert (split["Q5_squares"], split["Q5_parks"], split["Q8_lighting"], split["Q8_police"]) == ("1", "0", "1", "3")
    assert rows[0]["submitted_at"] == analyst.responses[0].submitted_at.isoformat()


def test_the_wide_xlsx_with_codes_keeps_numbers_and_dates_typed(client, analyst, ministry):
    client.force_login(ministry)
    rows = xlsx_rows(download(client, url("export_layout", analyst.survey, layout="codes", fmt="xlsx")))

    zadar, split = rows
    assert isinstance(zadar["submitted_at"], datetime.datetime)
    assert zadar["response"] == analyst.responses[0].pk
    assert [zadar[key] for key in ANSWER_COLUMNS[:5]] == [
        4,
        4,
        "cameras at the port",
        1,
        '=HYPERLINK("http://example.com")',
    ]
    assert [zadar[key] for key in ANSWER_COLUMNS[5:]] == [0, 1, 1, 3.5, 5, 2, 1, 2, 3]
    assert [split[key] for key in ("Q2", "Q2_other_text", "Q3", "Q4", "Q6")] == [3, None, 0, None, 12]


def test_the_long_layout_has_one_row_per_answer_with_its_label(client, analyst, ministry):
    client.force_login(ministry)
    rows = csv_rows(download(client, url("export_layout", analyst.survey, layout="long", fmt="csv")))

    first = str(analyst.responses[0].pk)
    zadar = [(r["question"], r["variable"], r["value"], r["label"]) for r in rows if r["response"] == first]
    assert zadar == [
        ("Q1", "Q1", "4", ""),
        ("Q2", "Q2", "4", "Other"),
        ("Q2", "Q2_other_text", "cameras at the port", ""),
        ("Q3", "Q3", "1", "Yes"),
        ("Q4", "Q4", '\'=HYPERLINK("http://example.com")', ""),
        ("Q5", "Q5_parks", "1", "Parks"),
        ("Q5", "Q5_schools", "1", "Schools"),
        ("Q6", "Q6", "3.5", ""),
        ("Q7", "Q7_lighting", "5", "Strongly agree"),
        ("Q7", "Q7_benches", "2", ""),
        ("Q8", "Q8_police", "1", ""),
        ("Q8", "Q8_design", "2", ""),
        ("Q8", "Q8_lighting", "3", ""),
    ]
    assert {r["region"] for r in rows if r["response"] == first} == {"Zadar"}


def test_the_codebook_names_each_column_and_its_values(client, analyst, ministry):
    client.force_login(ministry)
    codebook = {row["column"]: row for row in csv_rows(download(client, url("codebook", analyst.survey)))}

    wide = csv_rows(download(client, url("export_layout", analyst.survey, layout="codes", fmt="csv")))
    assert list(codebook) == list(wide[0])
    assert codebook["Q2"]["values"] == "1=None; 2=Some; 3=Wide; 4=Other"
    assert codebook["Q3"]["values"] == "0=No; 1=Yes"
    assert codebook["Q5_parks"]["label"] == "Which spaces need work?: Parks"
    assert codebook["Q5_parks"]["values"] == "0=not chosen; 1=chosen"
    assert codebook["Q8_design"]["values"] == "rank, 1 first"
    assert codebook["Q7_benches"]["question"] == "Rate the state of public spaces."
    assert codebook["submitted_at"]["type"] == "datetime"


@pytest.mark.parametrize(("fmt", "reader"), [("sav", pyreadstat.read_sav), ("dta", pyreadstat.read_dta)])
def test_spss_and_stata_files_carry_labels_and_read_back_as_the_answers(
    client, analyst, ministry, fmt, reader, django_capture_on_commit_callbacks
):
    client.force_login(ministry)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url("exports", analyst.survey), {"format": fmt}).status_code == 302
    export = SurveyExport.objects.get()
    assert (export.state, export.layout, export.rows_done) == ("done", "codes", 2)
    response = client.get(url("export_download", analyst.survey, export_id=export.pk))
    assert response["Content-Disposition"] == f'attachment; filename="survey-{analyst.survey.pk}-responses.{fmt}"'
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"file.{fmt}"
        path.write_bytes(b"".join(response.streaming_content))
        frame, meta = reader(str(path))

    assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,31}", name) for name in meta.column_names)
    assert meta.column_names[7:] == ANSWER_COLUMNS
    labels = meta.column_names_to_labels
    assert labels["Q1"] == "Safety is considered in planning."
    assert labels["Q7_benches"] == "Rate the state of public spaces.: Benches"
    assert meta.variable_value_labels["Q2"] == {1: "None", 2: "Some", 3: "Wide", 4: "Other"}
    assert meta.variable_value_labels["Q3"] == {0: "No", 1: "Yes"}
    zadar, split = frame.to_dict("records")
    assert zadar["response"] == analyst.responses[0].pk
    assert zadar["email"] == analyst.responses[0].invitation.respondent.email
    assert [zadar[key] for key in ANSWER_COLUMNS] == [
        4,
        4,
        "cameras at the port",
        1,
        '=HYPERLINK("http://example.com")',
        0,
        1,
        1,
        3.5,
        5,
        2,
        1,
        2,
        3,
    ]
    assert (split["Q2"], split["Q3"], split["Q6"], split["Q8_police"]) == (3, 0, 12, 3)
    assert split["Q4"] == "" and split["Q1"] == 2
    assert abs(zadar["submitted_at"] - analyst.responses[0].submitted_at.replace(tzinfo=None)) < datetime.timedelta(
        days=1
    )


def test_a_statistical_file_above_its_memory_bound_fails_with_the_reason(analyst, ministry, monkeypatch):
    monkeypatch.setattr(spreadsheets, "STATISTICAL_MAX_CELLS", 30)  # two responses of 21 columns: 42 cells
    export = SurveyExport.objects.create(survey=analyst.survey, format="sav", layout="codes", requested_by=ministry)

    tasks.survey_export_run(export.pk)

    export.refresh_from_db()
    assert export.state == SurveyExport.State.FAILED
    assert export.error == "TooLarge: more than 30 cells: download CSV instead"


def test_a_coordinator_of_a_confidential_survey_gets_coarse_rows_in_every_layout(
    client, analyst, coordinator, django_capture_on_commit_callbacks
):
    Survey.objects.filter(pk=analyst.survey.pk).update(anonymity=Survey.Anonymity.CONFIDENTIAL)
    client.force_login(coordinator)
    wide = csv_rows(download(client, url("export_layout", analyst.survey, layout="codes", fmt="csv")))
    long = csv_rows(download(client, url("export_layout", analyst.survey, layout="long", fmt="csv")))

    assert list(wide[0])[:3] == ["region", "kind", "Q1"]
    assert list(long[0])[:3] == ["row", "region", "kind"]
    # Zadar 1 and Split 1: groups below 5, so neither region is named.
    assert {row["region"] for row in wide + long} == {""}
    assert {row["row"] for row in long} == {"1", "2"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("exports", analyst.survey), {"format": "dta"})
    export = SurveyExport.objects.get()
    assert export.coarse and export.state == "done"


def test_unknown_layouts_and_formats_are_refused(client, analyst, ministry):
    client.force_login(ministry)
    assert client.get(url("export_layout", analyst.survey, layout="codes", fmt="sav")).status_code == 404
    assert client.get(url("export_layout", analyst.survey, layout="wider", fmt="csv")).status_code == 404
    page = client.post(url("exports", analyst.survey), {"format": "csv", "layout": "wider"}, follow=True)
    assert "Choose CSV, XLSX, SPSS or Stata, and a layout." in page.content.decode()
    assert not SurveyExport.objects.exists()
    assert exports.filename(analyst.survey, "csv", "long") == f"survey-{analyst.survey.pk}-responses-long.csv"
