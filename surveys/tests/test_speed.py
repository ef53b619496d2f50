"""Speed of the survey pages that grow: query counts stay flat, results are counted by the database."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bench.report import survey_analysis_rows
from surveys import selectors
from surveys.management.commands.bench_surveys import page_post, respondent_client
from surveys.management.commands.generate_survey_responses import OPTIONS, bench_survey, generate
from surveys.models import Answer, Choice, Question, Response, Section, Survey
from surveys.tests.factories import QuestionFactory, SectionFactory, open_survey, question_with_choices

pytestmark = pytest.mark.django_db
Kind = Question.Kind


def add_questions(section: Section, *, each: int = 1) -> None:
    """More questions of every kind on a page (directly: the service refuses once answers exist)."""
    position = section.questions.count()
    for _ in range(each):
        for kind in Kind.values:
            question = Question.objects.create(section=section, position=position, kind=kind, text=f"Extra {kind}?")
            position += 1
            if kind in Question.CHOICE_KINDS:
                Choice.objects.bulk_create(
                    Choice(question=question, position=i, value=value, label=label)
                    for i, (value, label, _hr) in enumerate(OPTIONS[:4])
                )


def queries_of(function: Any) -> int:
    with CaptureQueriesContext(connection) as queries:
        function()
    return len(queries)


def results_queries(survey: Survey, **filters: Any) -> int:
    return queries_of(lambda: selectors.results(survey, language="hr", **filters))


def test_results_take_as_many_queries_for_many_questions_and_responses_as_for_few():
    survey = bench_survey()
    generate(survey=survey, count=6)
    few = results_queries(survey)
    few_in_a_region = results_queries(survey, region="Zadar")

    add_questions(Section.objects.create(survey=survey, position=9, title="More"), each=2)
    generate(survey=survey, count=60)

    assert Answer.objects.filter(question__section__title="More").count() == 54 * 2 * len(Kind.values)
    assert results_queries(survey) == few <= 12
    assert results_queries(survey, region="Zadar") == few_in_a_region


@pytest.fixture
def counted(survey: Survey) -> dict[str, Question]:
    """A survey with three submitted responses whose answers are known, to check every tally."""
    page = SectionFactory.create(survey=survey, position=0)
    questions = {
        "single": question_with_choices(page, Kind.SINGLE, ["none", "some", "wide"], has_other=True),
        "likert": QuestionFactory.create(section=page, kind=Kind.LIKERT),
        "yes_no": QuestionFactory.create(section=page, kind=Kind.YES_NO),
        "multiple": question_with_choices(page, Kind.MULTIPLE, ["squares", "parks", "schools"]),
        "ranking": question_with_choices(page, Kind.RANKING, ["training", "funding", "police"]),
        "matrix": question_with_choices(page, Kind.MATRIX, ["lighting", "cameras"]),
        "number": QuestionFactory.create(section=page, kind=Kind.NUMBER),
        "text": QuestionFactory.create(section=page, kind=Kind.LONG_TEXT),
    }
    open_survey(survey)
    answers = [
        {
            "single": "some",
            "likert": 4,
            "yes_no": True,
            "multiple": ["squares", "parks"],
            "ranking": ["funding", "training", "police"],
            "matrix": {"lighting": 5, "cameras": 2},
            "number": 3,
            "text": "More training.",
        },
        {
            "single": "other",
            "likert": 2,
            "yes_no": False,
            "multiple": ["parks"],
            "ranking": ["funding", "police", "training"],
            "matrix": {"lighting": 4},
            "number": 4.5,
        },
        {"single": "some", "likert": 4, "yes_no": True, "multiple": ["parks", "schools"], "number": 0},
    ]
    for given in answers:
        response = Response.objects.create(survey=survey, region="Zadar", submitted_at=timezone.now())
        Answer.objects.bulk_create(
            Answer(response=response, question=questions[name], value=value) for name, value in given.items()
        )
    Response.objects.create(survey=survey, region="Zadar")  # started, not submitted: not counted
    return questions


def by_question(survey: Survey) -> dict[int, selectors.QuestionResult]:
    total, sections = selectors.results(survey, language="en")
    assert total == 3
    return {result.question.pk: result for _section, results in sections for result in results}


@pytest.mark.parametrize("tally", ["database", "python"])
def test_results_count_every_kind_of_answer(survey, counted, tally, monkeypatch):
    if tally == "python":
        # The path of databases without PostgreSQL's JSON functions must count the same.
        monkeypatch.setattr(connection, "vendor", "sqlite")
    results = by_question(survey)
    single = results[counted["single"].pk]
    assert single.answered == 3
    assert [(label, n) for label, n, _percent in single.rows] == [("None", 0), ("Some", 2), ("Wide", 0), ("Other", 1)]
    likert = results[counted["likert"].pk]
    assert [n for _label, n, _percent in likert.rows] == [0, 1, 0, 2, 0]
    assert likert.mean == 3.33
    assert [(label, n) for label, n, _ in results[counted["yes_no"].pk].rows] == [("Yes", 2), ("No", 1)]
    multiple = results[counted["multiple"].pk]
    assert [(label, n, round(p)) for label, n, p in multiple.rows] == [
        ("Squares", 1, 33),
        ("Parks", 3, 100),
        ("Schools", 1, 33),
    ]
    ranking = results[counted["ranking"].pk]
    assert ranking.answered == 2
    assert [(label, points) for label, points, _average in ranking.rows] == [
        ("Funding", 6),
        ("Training", 3),
        ("Police", 3),
    ]
    assert results[counted["matrix"].pk].matrix == [("Lighting", [0, 0, 0, 1, 1], 4.5), ("Cameras", [0, 1, 0, 0, 0], 2)]
    assert results[counted["number"].pk].mean == 2.5
    assert results[counted["text"].pk].texts == ["More training."]


def test_a_small_group_stays_hidden_with_only_its_number_of_responses(survey, counted):
    total, sections = selectors.results(survey, language="en", region="Zadar", hide_small=True)
    results = [result for _section, rs in sections for result in rs]
    assert total == 3
    # Not even how many answered each question: a question asked only after some answer would tell it.
    assert all(r.hidden and not r.rows and not r.matrix and not r.texts and r.answered == 0 for r in results)


def page_queries(client: Any, survey: Survey, number: int, *, post: bool = False) -> int:
    path = reverse("surveys:section", kwargs={"pk": survey.pk, "number": number})
    if not post:
        return queries_of(lambda: client.get(path))
    data = page_post(selectors.survey_structure(survey)[number - 1])
    response: list[Any] = []
    count = queries_of(lambda: response.append(client.post(path, data)))
    assert response[0].status_code == 302, "the page is saved"
    return count


def test_a_respondents_page_takes_as_many_queries_with_many_questions_and_responses():
    survey = bench_survey()
    generate(survey=survey, count=5)
    client = respondent_client(survey)
    page_queries(client, survey, 1)
    few = page_queries(client, survey, 1)

    first_page = selectors.survey_structure(survey)[0]
    add_questions(first_page, each=2)
    generate(survey=survey, count=50)

    assert page_queries(client, survey, 1) == few <= 8


def test_saving_a_page_takes_as_many_queries_with_more_responses_and_more_pages():
    survey = bench_survey()
    generate(survey=survey, count=5)
    client = respondent_client(survey)
    page_queries(client, survey, 2, post=True)
    few = page_queries(client, survey, 2, post=True)

    add_questions(Section.objects.create(survey=survey, position=9, title="More"), each=2)
    generate(survey=survey, count=50)

    assert page_queries(client, survey, 2, post=True) == few


def figures(*args: str) -> dict[str, Any]:
    output = StringIO()
    call_command("bench_surveys", *args, stdout=output)
    return dict(json.loads(output.getvalue().strip().splitlines()[-1]))


def test_the_bench_commands_measure_the_generated_survey():
    call_command("generate_survey_responses", "--responses", "12", stdout=StringIO())
    call_command("generate_survey_responses", "--responses", "12", stdout=StringIO())
    survey = bench_survey(create=False)
    assert selectors.submitted_responses(survey).count() == 12

    results = figures("--results", "--runs", "1")
    assert (results["all"]["responses"], results["questions"]) == (12, 26)
    assert results["charts"]["median_ms"] >= 0 and results["charts"]["ratio_to_all"] >= 1
    # The whole results page as the owner gets it, with a chart per question that is not a text.
    page = results["page"]
    assert page["charts"] == 22 and page["ratio"] > 0 and page["without_charts_ms"] > 0 and page["queries"] > 0
    export = figures("--export")
    assert export["rows"] == export["responses"] == 12
    compared = figures("--compare", "--runs", "1")
    assert (compared["surveys"], compared["shown"], compared["responses"]) == (3, 3, [12, 12, 12])
    files = {fmt: figures("--export", "--format", fmt) for fmt in ("xlsx", "sav", "dta")}
    for fmt, written in files.items():
        assert (written["rows"], written["format"]) == (12, fmt) and written["megabytes"] >= 0
        assert written["columns"] == 64 and written["bound_kb"] == round(12 * 64 * 150 / 1024)
        assert written["peak_rss_before_kb"] <= written["peak_rss_half_kb"] <= written["peak_rss_after_kb"]
    rows = "\n".join(survey_analysis_rows(results, {"compare": compared, "files": files}))
    assert "Comparison across 3 countries of 12 + 12 + 12 responses" in rows
    assert "n/a: fewer than the target's data" in rows and "**no**" not in rows
    assert export["answers"] == Answer.objects.filter(response__survey=survey).count() >= 12 * 25
    pages = figures("--pages", "5")
    assert pages["requests"] == 5
    assert 0 < pages["page"]["p50_ms"] <= pages["page"]["p95_ms"]
    assert 0 < pages["save"]["p50_ms"] <= pages["save"]["p95_ms"]


def test_the_invitation_figure_refuses_to_run_without_a_broker(settings):
    settings.CELERY_BROKER_URL = ""
    with pytest.raises(CommandError, match="set CELERY_BROKER_URL"):
        call_command("bench_surveys", "--invitations", "5", stdout=StringIO())


def database_url_of_the_tests() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{db.get('USER') or 'postgres'}{password}@{host}:{port}/{db['NAME']}"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_invitation_figure_waits_for_one_real_worker_to_deliver_each_mail_once(celery_worker_factory, monkeypatch):
    # The command starts its own worker from this environment: on the test database, with the test's broker.
    monkeypatch.setenv("DATABASE_URL", database_url_of_the_tests())
    invitations = figures("--invitations", "25")
    assert (invitations["invited"], invitations["delivered"], invitations["repeated"]) == (25, 25, 0)
    assert invitations["statuses"] == {"sent": 25}
    assert invitations["delivery_seconds"] > 0
