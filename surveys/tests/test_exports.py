"""The owner's response export: CSV and XLSX from one row generator, direct or in the background with progress."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from partnership.tests.factories import PartnershipFactory
from surveys import exports, services, tasks
from surveys.models import Answer, Invitation, Question, Respondent, Response, Survey, SurveyExport
from surveys.tests.factories import QuestionFactory, RespondentFactory, SurveyFactory, ministry_user, open_survey

pytestmark = pytest.mark.django_db

# The wide layout with labels, the default (surveys/tests/test_analyst_exports.py has the other layouts).
EXPECTED_ANSWERS = {
    "Q1": "4",
    "Q2": "Other",
    "Q2_other_text": "cameras at the port",
    "Q3": "Yes",
    "Q4": '=HYPERLINK("http://example.com")',
    "Q5_squares": "0",
    "Q5_parks": "1",
    "Q5_schools": "1",
    "Q6": "3",
}
ANSWER_COLUMNS = list(EXPECTED_ANSWERS)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def live(built):
    built.survey = open_survey(built.survey)
    return built


def url(name: str, survey: Survey, **kwargs: Any) -> str:
    return reverse(f"surveys:{name}", kwargs={"pk": survey.pk, **kwargs})


def submitted(built: Any, *, region: str = "Zadar") -> Response:
    """A response given through the services, as a respondent's browser would; one answer looks like a formula."""
    survey = built.survey
    respondent = RespondentFactory.create(survey=survey, region=region, kind=Respondent.Kind.CITY)
    services.invitations_send(survey=survey, by=None, respondents=[respondent])
    invitation = Invitation.objects.get(respondent=respondent)
    response = services.response_start(survey=survey, invitation=invitation, language="en")
    page1 = built.page1_data(
        single=("other", "cameras at the port"),
        yes_no=("yes", ""),
        which=('=HYPERLINK("http://example.com")', ""),
    )
    services.response_save_section(response=response, section=built.page1, data=page1, position=0)
    services.response_save_section(response=response, section=built.page2, data=built.page2_data(), position=1)
    return services.response_submit(response=response)


def csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_sheets(content: bytes) -> dict[str, list[tuple[Any, ...]]]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets}


def xlsx_rows(content: bytes, sheet: str = "responses") -> list[dict[str, Any]]:
    header, *rows = xlsx_sheets(content)[sheet]
    return [dict(zip(header, row, strict=True)) for row in rows]


def answers_of(row: dict[str, Any]) -> dict[str, Any]:
    return {column: row[column] for column in ANSWER_COLUMNS}


def named(survey: Survey) -> None:
    Survey.objects.filter(pk=survey.pk).update(anonymity=Survey.Anonymity.NAMED)
    survey.refresh_from_db()


# The files ------------------------------------------------------------------------------------


def test_the_csv_download_has_one_row_per_submitted_response_with_names_on_a_named_survey(client, live, ministry):
    named(live.survey)
    first = submitted(live, region="Zadar")
    second = submitted(live, region="Split")
    services.response_start(survey=live.survey, invitation=None, language="en")  # not submitted: not exported
    client.force_login(ministry)

    download = client.get(url("export", live.survey))
    assert download["Content-Type"].startswith("text/csv")
    assert download["Content-Disposition"] == f'attachment; filename="survey-{live.survey.pk}-responses.csv"'
    rows = csv_rows(b"".join(download.streaming_content))

    assert [row["response"] for row in rows] == [str(first.pk), str(second.pk)]
    assert [row["region"] for row in rows] == ["Zadar", "Split"]
    assert [row["email"] for row in rows] == [first.invitation.respondent.email, second.invitation.respondent.email]
    assert rows[0]["name"] == first.invitation.respondent.name
    # A text that a spreadsheet would read as a formula is quoted (partnership.spreadsheets).
    quoted = {"Q4": '\'=HYPERLINK("http://example.com")'}
    assert answers_of(rows[0]) == {**EXPECTED_ANSWERS, **quoted}


def test_the_xlsx_download_holds_the_same_values_typed_and_the_codebook_as_a_second_sheet(client, live, ministry):
    named(live.survey)
    first = submitted(live, region="Zadar")
    client.force_login(ministry)

    download = client.get(url("export_xlsx", live.survey))
    assert download["Content-Type"] == exports.XLSX_CONTENT_TYPE
    content = b"".join(download.streaming_content)
    rows = xlsx_rows(content)
    codebook = xlsx_rows(content, "codebook")

    assert len(rows) == 1
    assert rows[0]["response"] == first.pk
    assert (rows[0]["name"], rows[0]["email"]) == (first.invitation.respondent.name, first.invitation.respondent.email)
    # Numbers stay numbers; a text starting with "=" stays text, not a formula.
    numbers = {"Q1": 4, "Q5_squares": 0, "Q5_parks": 1, "Q5_schools": 1, "Q6": 3}
    assert answers_of(rows[0]) == {**EXPECTED_ANSWERS, **numbers}
    sheet = openpyxl.load_workbook(io.BytesIO(content))["responses"]
    formula_like = [cell for cell in sheet[2] if str(cell.value).startswith("=")]
    assert [(cell.data_type, cell.quotePrefix) for cell in formula_like] == [("s", True)]
    assert [entry["column"] for entry in codebook] == list(rows[0])
    assert {entry["column"]: entry["values"] for entry in codebook}["Q5_parks"] == "0=not chosen; 1=chosen"
    csv_codebook = csv_rows(client.get(url("codebook", live.survey)).content)
    assert [{key: value or "" for key, value in entry.items()} for entry in codebook] == csv_codebook


@pytest.mark.parametrize("anonymity", [Survey.Anonymity.CONFIDENTIAL, Survey.Anonymity.ANONYMOUS])
def test_exports_of_surveys_that_are_not_named_carry_no_names(client, live, ministry, anonymity):
    Survey.objects.filter(pk=live.survey.pk).update(anonymity=anonymity)
    live.survey.refresh_from_db()
    submitted(live)
    client.force_login(ministry)

    csv_header = next(
        csv.reader(io.StringIO(b"".join(client.get(url("export", live.survey)).streaming_content).decode("utf-8-sig")))
    )
    xlsx_header = list(
        xlsx_sheets(b"".join(client.get(url("export_xlsx", live.survey)).streaming_content))["responses"][0]
    )

    assert csv_header == xlsx_header == ["response", "submitted_at", "language", "region", "kind", *ANSWER_COLUMNS]


def test_write_csv_reports_progress_and_returns_the_row_count(live, monkeypatch):
    for region in ("A", "B", "C", "D", "E"):
        submitted(live, region=region)
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 2)
    seen: list[int] = []
    out = io.StringIO(newline="")

    assert exports.write_csv(live.survey, out, progress=seen.append) == 5

    assert seen == [2, 4]
    assert [row["region"] for row in csv_rows(out.getvalue().encode())] == ["A", "B", "C", "D", "E"]


# Direct or in the background ----------------------------------------------------------------------


def test_a_survey_above_the_direct_limit_is_sent_to_the_background_export(client, live, ministry, monkeypatch):
    submitted(live)
    submitted(live)
    monkeypatch.setattr(exports, "DIRECT_LIMIT", 1)
    client.force_login(ministry)
    for name in ("export", "export_xlsx"):
        response = client.get(url(name, live.survey), follow=True)
        assert response.redirect_chain == [(url("exports", live.survey), 302)]
        assert "This survey has 2 responses" in response.content.decode()
    assert not SurveyExport.objects.exists(), "a GET starts nothing"


def test_a_background_export_is_done_and_downloads_through_the_owner_page(
    client, live, ministry, django_capture_on_commit_callbacks
):
    named(live.survey)
    first = submitted(live)
    client.force_login(ministry)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("exports", live.survey), {"format": "xlsx"})
    assert response.status_code == 302

    export = SurveyExport.objects.get()
    assert (export.state, export.rows_done, export.rows_total, export.requested_by) == ("done", 1, 1, ministry)
    assert export.file.name.startswith("survey-exports/")
    page = client.get(url("exports", live.survey)).content.decode()
    download_url = url("export_download", live.survey, export_id=export.pk)
    assert download_url in page
    assert 'http-equiv="refresh"' not in page, "nothing under way: no refresh"
    download = client.get(download_url)
    assert download["Content-Disposition"] == f'attachment; filename="survey-{live.survey.pk}-responses.xlsx"'
    rows = xlsx_rows(b"".join(download.streaming_content))
    assert [(row["response"], row["email"]) for row in rows] == [(first.pk, first.invitation.respondent.email)]


def test_a_queued_export_shows_its_progress_and_the_page_refreshes_itself(client, live, ministry):
    client.force_login(ministry)
    client.post(url("exports", live.survey), {"format": "csv"})  # the test transaction never commits: stays queued
    again = client.post(url("exports", live.survey), {"format": "csv"})

    assert again.status_code == 302
    export = SurveyExport.objects.get()
    assert export.state == SurveyExport.State.QUEUED, "a second request joins the export under way"
    page = client.get(url("exports", live.survey)).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "waiting for a worker" in page
    assert 'name="format" value="xlsx"' in page and "Prepare Excel (XLSX) in the background" in page
    assert client.get(url("export_download", live.survey, export_id=export.pk)).status_code == 404


def test_an_export_lost_with_its_worker_does_not_block_a_new_one(client, live, ministry):
    lost = SurveyExport.objects.create(
        survey=live.survey,
        format="csv",
        state=SurveyExport.State.RUNNING,
        created_at=timezone.now() - SurveyExport.STALE_AFTER * 2,
    )
    client.force_login(ministry)
    assert 'http-equiv="refresh"' not in client.get(url("exports", live.survey)).content.decode()

    client.post(url("exports", live.survey), {"format": "csv"})

    assert SurveyExport.objects.exclude(pk=lost.pk).get().state == SurveyExport.State.QUEUED


def test_an_unknown_format_is_refused_with_a_message(client, live, ministry):
    client.force_login(ministry)
    response = client.post(url("exports", live.survey), {"format": "pdf"}, follow=True)
    assert response.status_code == 200
    assert "Choose CSV, XLSX, SPSS or Stata, and a layout." in response.content.decode()
    assert not SurveyExport.objects.exists()


def test_running_the_task_twice_writes_the_file_once(live, ministry):
    submitted(live)
    export = SurveyExport.objects.create(survey=live.survey, format="csv", requested_by=ministry)
    tasks.survey_export_run(export.pk)
    export.refresh_from_db()
    first = (export.file.name, export.finished_at, export.rows_done)

    tasks.survey_export_run(export.pk)

    export.refresh_from_db()
    assert (export.file.name, export.finished_at, export.rows_done) == first
    assert export.state == SurveyExport.State.DONE
    assert sorted(p.name for p in Path(default_storage.path("survey-exports")).iterdir()) == [Path(first[0]).name]


def test_a_newer_export_replaces_the_older_file_of_the_same_format(live, django_capture_on_commit_callbacks):
    submitted(live)
    with django_capture_on_commit_callbacks(execute=True):
        old_csv = exports.export_request(survey=live.survey, fmt="csv", by=None)
        xlsx = exports.export_request(survey=live.survey, fmt="xlsx", by=None)
    old_csv.refresh_from_db()
    old_name = old_csv.file.name
    assert default_storage.exists(old_name)

    with django_capture_on_commit_callbacks(execute=True):
        new_csv = exports.export_request(survey=live.survey, fmt="csv", by=None)

    assert set(SurveyExport.objects.values_list("pk", flat=True)) == {xlsx.pk, new_csv.pk}
    assert not default_storage.exists(old_name)


def test_exports_past_their_retention_are_deleted_with_their_files(live, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        export = exports.export_request(survey=live.survey, fmt="csv", by=None)
    export.refresh_from_db()
    name = export.file.name
    assert exports.exports_purge_expired(now=timezone.now() + SurveyExport.RETENTION / 2) == 0

    with django_capture_on_commit_callbacks(execute=True):
        assert exports.exports_purge_expired(now=timezone.now() + SurveyExport.RETENTION * 2) == 1

    assert not SurveyExport.objects.exists()
    assert not default_storage.exists(name)


def test_a_failed_export_shows_its_error_to_the_owner(client, live, ministry, settings, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = blocked
    submitted(live)
    export = SurveyExport.objects.create(survey=live.survey, format="csv", requested_by=ministry)

    tasks.survey_export_run(export.pk)

    export.refresh_from_db()
    assert export.state == SurveyExport.State.FAILED
    assert export.error.startswith(("NotADirectoryError", "FileExistsError"))
    client.force_login(ministry)
    page = client.get(url("exports", live.survey)).content.decode()
    assert "The export failed:" in page
    assert export.error.split(":")[0] in page
    assert client.get(url("export_download", live.survey, export_id=export.pk)).status_code == 404


# Who may ---------------------------------------------------------------------------------------


@pytest.fixture
def done_export(live, ministry):
    submitted(live)
    export = SurveyExport.objects.create(survey=live.survey, format="csv", requested_by=ministry)
    tasks.survey_export_run(export.pk)
    export.refresh_from_db()
    assert export.state == SurveyExport.State.DONE
    return export


def new_pages(survey: Survey, export: SurveyExport) -> list[str]:
    return [
        url("export_xlsx", survey),
        url("exports", survey),
        url("export_download", survey, export_id=export.pk),
    ]


def test_the_owner_and_the_coordinator_may_use_the_export_pages(client, live, done_export, ministry, coordinator):
    # The coordinator does not own this confidential survey: their file is a coarse one of their own.
    coarse = SurveyExport.objects.create(survey=live.survey, format="csv", requested_by=coordinator, coarse=True)
    tasks.survey_export_run(coarse.pk)
    for user, export in ((ministry, done_export), (ministry, coarse), (coordinator, coarse)):
        client.force_login(user)
        for address in new_pages(live.survey, export):
            assert client.get(address).status_code == 200, (user, address)
    assert client.get(url("export_download", live.survey, export_id=done_export.pk)).status_code == 404


def test_export_pages_send_anonymous_visitors_to_the_login(client, live, done_export):
    for address in new_pages(live.survey, done_export):
        response = client.get(address)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert client.post(url("exports", live.survey), {"format": "csv"}).status_code == 302
    assert SurveyExport.objects.count() == 1


def test_export_pages_refuse_a_member_who_does_not_own_the_survey(client, live, done_export, partner):
    client.force_login(partner)
    for address in new_pages(live.survey, done_export):
        assert client.get(address).status_code == 403, address
    assert client.post(url("exports", live.survey), {"format": "csv"}).status_code == 403
    assert SurveyExport.objects.count() == 1


def test_export_pages_are_not_found_for_another_partnerships_owner(client, live, done_export):
    other_partnership = PartnershipFactory()
    elsewhere = ministry_user(other_partnership)
    own = SurveyFactory(partnership=other_partnership, owner=elsewhere.person.organisation)
    QuestionFactory.create(section__survey=own, kind=Question.Kind.LIKERT)
    client.force_login(elsewhere)
    for address in new_pages(live.survey, done_export):
        assert client.get(address).status_code == 404, address
    assert client.post(url("exports", live.survey), {"format": "csv"}).status_code == 404
    # Nor through their own survey's address.
    assert client.get(url("exports", own)).status_code == 200
    assert client.get(url("export_download", own, export_id=done_export.pk)).status_code == 404
    assert SurveyExport.objects.count() == 1


def test_the_admin_lists_exports_and_deleting_one_deletes_its_file(
    admin_client, live, done_export, django_capture_on_commit_callbacks
):
    changelist = admin_client.get(reverse("admin:surveys_surveyexport_changelist")).content.decode()
    assert url("export_download", live.survey, export_id=done_export.pk) in changelist
    assert "/media/" not in changelist, "no public address of the file"
    name = done_export.file.name
    assert default_storage.exists(name)

    delete = reverse("admin:surveys_surveyexport_delete", args=[done_export.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(delete, {"post": "yes"}).status_code == 302

    assert not SurveyExport.objects.exists()
    assert not default_storage.exists(name)


# A real worker ---------------------------------------------------------------------------------

WORKER_RESPONSES = 2500


def bulk_submitted(survey: Survey, count: int) -> list[Question]:
    """Many submitted responses at once, written directly: the worker test is about the export, not answering."""
    questions = exports.survey_questions(survey)
    now = timezone.now()
    responses = Response.objects.bulk_create(
        Response(survey=survey, submitted_at=now, language="hr", region=f"Region {n % 7}", respondent_kind="city")
        for n in range(count)
    )
    Answer.objects.bulk_create(
        Answer(response=response, question=questions[0], value=1 + n % 5) for n, response in enumerate(responses)
    )
    return questions


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_moves_a_large_export_to_done_with_progress(celery_worker_factory, tmp_path, settings):
    partnership = PartnershipFactory()
    owner = ministry_user(partnership)
    survey = SurveyFactory(partnership=partnership, owner=owner.person.organisation)
    QuestionFactory.create(section__survey=survey, kind=Question.Kind.LIKERT, text="Safety is considered.")
    bulk_submitted(survey, WORKER_RESPONSES)
    media = tmp_path / "worker-media"
    settings.MEDIA_ROOT = media
    celery_worker_factory(concurrency=1, extra_env={"MEDIA_ROOT": str(media)})
    client = Client()
    client.force_login(owner)

    assert client.post(url("exports", survey), {"format": "csv"}).status_code == 302

    export = SurveyExport.objects.get()
    seen: list[tuple[str, int]] = []
    deadline = time.monotonic() + 90
    while export.state != SurveyExport.State.DONE:
        assert export.state != SurveyExport.State.FAILED, export.error
        assert time.monotonic() < deadline, f"export still {export.state} after 90 s"
        seen.append((export.state, export.rows_done))
        time.sleep(0.02)
        export.refresh_from_db()
    assert (export.rows_done, export.rows_total) == (WORKER_RESPONSES, WORKER_RESPONSES)
    progress = [done for _state, done in seen]
    assert progress == sorted(progress), "progress never goes back"
    assert any(0 < done < WORKER_RESPONSES for done in progress), f"no progress seen between 0 and the end: {seen[-3:]}"
    assert "survey-exports" in export.file.name and (media / export.file.name).exists()

    download = client.get(url("export_download", survey, export_id=export.pk))
    rows = csv_rows(b"".join(download.streaming_content))
    assert len(rows) == WORKER_RESPONSES
    assert {row["Q1"] for row in rows} == {"1", "2", "3", "4", "5"}
    page = client.get(url("exports", survey)).content.decode()
    assert f"{WORKER_RESPONSES} of {WORKER_RESPONSES} responses" in page
    assert 'http-equiv="refresh"' not in page
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert "Traceback" not in log and " ERROR" not in log, log[-2000:]
