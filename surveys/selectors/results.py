"""Results computed in the database: per question, per breakdown, and side by side across a survey's clones."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import gettext

from actions.selectors import actions_visible
from partnership.selectors import person_for
from surveys.models import Answer, Choice, NeedLink, Question, Response, Section, Survey
from surveys.selectors.access import surveys_published_to, surveys_run_by
from surveys.selectors.disclosure import Disclosure, disclosure, sees_every_answer, whole_disclosures
from surveys.selectors.responses import survey_structure, surveys_structure

SCALE = ("1", "2", "3", "4", "5")


@dataclass
class QuestionResult:
    question: Question
    answered: int
    rows: list[tuple[str, int, float]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    matrix: list[tuple[str, list[int], float]] = field(default_factory=list)
    mean: float | None = None
    hidden: bool = False
    # A number's answers by range: (range, count), for its histogram.
    histogram: list[tuple[str, int]] = field(default_factory=list)


def submitted_responses(survey: Survey, *, region: str = "", kind: str = "") -> QuerySet[Response]:
    queryset = Response.objects.filter(survey=survey, submitted_at__isnull=False)
    if region:
        queryset = queryset.filter(region=region)
    if kind:
        queryset = queryset.filter(respondent_kind=kind)
    return queryset


def invited_count(survey: Survey, *, region: str = "", kind: str = "") -> int:
    """Invitations in the same selection as `submitted_responses`, for a response rate over like with like."""
    queryset = survey.invitations.all()
    if region:
        queryset = queryset.filter(respondent__region=region)
    if kind:
        queryset = queryset.filter(respondent__kind=kind)
    return queryset.count()


def results(
    survey: Survey,
    *,
    language: str,
    region: str = "",
    kind: str = "",
    hide_small: bool = False,
    with_texts: bool = True,
    shown: Disclosure | None = None,
) -> tuple[int, list[tuple[Section, list[QuestionResult]]]]:
    """Per-question results, counted in the database. With `hide_small`, a selection that `disclosure` withholds
    (pass its answer as `shown` where it is already known) keeps only its number of responses.

    The number of queries does not grow with the questions or the responses.
    """
    if shown is None:
        shown = disclosure(survey, region=region, kind=kind, every_answer=not hide_small)
    structure = survey_structure(survey)
    questions = [question for section in structure for question in section.questions.all()]
    if shown.withheld:
        # Not even how many answered each question: a question asked only after some answer would tell it.
        tallies = _Tallies()
    else:
        answers = Answer.objects.filter(response__in=submitted_responses(survey, region=region, kind=kind).values("pk"))
        tallies = _tally(answers, questions, with_texts=with_texts)
    return shown.total, _sections(structure, tallies, shown, language)


def _sections(
    structure: list[Section], tallies: _Tallies, shown: Disclosure, language: str
) -> list[tuple[Section, list[QuestionResult]]]:
    """Each section's questions with their results filled in from the tallies, or hidden where withheld."""
    sections = []
    for section in structure:
        section_results = []
        for question in section.questions.all():
            result = QuestionResult(question=question, answered=tallies.answered.get(question.pk, 0))
            if shown.withheld:
                result.hidden = True
            else:
                _fill(result, question, tallies, language)
            section_results.append(result)
        sections.append((section, section_results))
    return sections


@dataclass
class _Tallies:
    """What the results need of the answers, per question id, counted before any question is filled in."""

    answered: dict[int, int] = field(default_factory=dict)
    # single, likert, yes/no: answers per value; multiple: choices per option;
    # ranking: (option, place from 1) per count; matrix: (row, rating) per count.
    values: dict[int, Counter[Any]] = field(default_factory=dict)
    means: dict[int, float] = field(default_factory=dict)
    texts: dict[int, list[str]] = field(default_factory=dict)
    numbers: dict[int, Counter[float]] = field(default_factory=dict)

    def counter(self, question_id: int) -> Counter[Any]:
        return self.values.setdefault(question_id, Counter())


VALUE_KINDS = (Question.Kind.SINGLE, Question.Kind.LIKERT, Question.Kind.YES_NO)
TEXT_KINDS = (Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT)
TEXTS_SHOWN = 200


def _answered(answers: QuerySet[Answer]) -> dict[int, int]:
    return dict(answers.values_list("question_id").annotate(n=Count("id")))


@dataclass
class _Asked:
    """The survey's question ids by how their answers are counted."""

    values: list[int] = field(default_factory=list)  # single, likert, yes/no: answers per value
    multiple: list[int] = field(default_factory=list)
    ranking: list[int] = field(default_factory=list)
    matrix: list[int] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    texts: list[int] = field(default_factory=list)
    histograms: bool = True  # each number answered, counted, besides the mean


def _tally(
    answers: QuerySet[Answer], questions: list[Question], *, with_texts: bool, histograms: bool = True
) -> _Tallies:
    """What the results need of these answers to these questions (of one survey or several: a question belongs to
    one survey), in a number of queries that grows with neither; without `histograms`, numbers get their mean only."""
    asked = _Asked(histograms=histograms)
    for question in questions:
        kind = question.kind
        if kind in VALUE_KINDS:
            asked.values.append(question.pk)
        elif kind in (Question.Kind.MULTIPLE, Question.Kind.RANKING, Question.Kind.MATRIX):
            getattr(asked, kind).append(question.pk)
        elif kind == Question.Kind.NUMBER:
            asked.numbers.append(question.pk)
        elif with_texts:
            asked.texts.append(question.pk)
    if connection.vendor == "postgresql":
        return _tally_in_postgres(answers, asked)
    return _tally_in_python(answers, asked)


def _tally_in_postgres(answers: QuerySet[Answer], asked: _Asked) -> _Tallies:
    """Up to five queries: answers per question with values and means; options and ranks; matrix ratings; numbers;
    texts. PostgreSQL's JIT is off for them: on tens of thousands of answers it spent longer compiling the JSON
    expressions (80 ms of the options' 130 ms at 10,000 responses) than running them."""
    tallies = _Tallies()
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        sql, params = _answers_sql(answers)
        cursor.execute(TALLY_SQL["answered"].format(answers=sql), [asked.values, asked.numbers, *params])
        for question_id, value, n, mean in cursor.fetchall():
            tallies.answered[question_id] = tallies.answered.get(question_id, 0) + n
            if value is not None:
                tallies.counter(question_id)[json.loads(value)] += n
            if mean is not None:
                tallies.means[question_id] = float(mean)
        if asked.multiple or asked.ranking:
            sql, params = _answers_sql(answers, [*asked.multiple, *asked.ranking])
            cursor.execute(TALLY_SQL["arrays"].format(answers=sql), params)
            for question_id, value, place, n in cursor.fetchall():
                tallies.counter(question_id)[value if question_id in asked.multiple else (value, place)] += n
        if asked.matrix:
            sql, params = _answers_sql(answers, asked.matrix)
            cursor.execute(TALLY_SQL["matrix"].format(answers=sql), params)
            for question_id, row, rating, n in cursor.fetchall():
                tallies.counter(question_id)[(row, rating)] += n
        if asked.numbers and asked.histograms:
            sql, params = _answers_sql(answers, asked.numbers)
            cursor.execute(TALLY_SQL["numbers"].format(answers=sql), params)
            for question_id, number, n in cursor.fetchall():
                tallies.numbers.setdefault(question_id, Counter())[number] += n
        if asked.texts:
            sql, params = _answers_sql(answers, asked.texts)
            cursor.execute(TALLY_SQL["texts"].format(answers=sql), [*params, TEXTS_SHOWN])
            for question_id, text in cursor.fetchall():
                tallies.texts.setdefault(question_id, []).append(text)
    return tallies


# Each wraps the compiled query of the answers concerned (its parameters passed after those of the outer query).
TALLY_SQL = {
    # Every answer counts for its question; those of single, likert and yes/no questions are grouped by their
    # JSON text (faster than by the jsonb value, and decoded to the same keys); numbers are averaged.
    "answered": (
        "SELECT a.question_id, CASE WHEN a.question_id = ANY(%s::int[]) THEN a.value::text END, count(*), "
        "avg(CASE WHEN a.question_id = ANY(%s::int[]) AND jsonb_typeof(a.value) = 'number' "
        "THEN (a.value #>> '{{}}')::float8 END) FROM ({answers}) a GROUP BY 1, 2"
    ),
    # Options of multiple-choice questions and the places of ranked options, counted.
    "arrays": (
        "SELECT a.question_id, e.value, e.place, count(*) FROM ({answers}) a CROSS JOIN LATERAL "
        "jsonb_array_elements_text(CASE WHEN jsonb_typeof(a.value) = 'array' THEN a.value ELSE '[]' END) "
        "WITH ORDINALITY AS e(value, place) GROUP BY 1, 2, 3"
    ),
    "matrix": (
        "SELECT a.question_id, e.row, e.rating, count(*) FROM ({answers}) a CROSS JOIN LATERAL "
        "jsonb_each_text(CASE WHEN jsonb_typeof(a.value) = 'object' THEN a.value ELSE '{{}}' END) "
        "AS e(row, rating) GROUP BY 1, 2, 3"
    ),
    # Each number answered, counted, for the histogram.
    "numbers": (
        "SELECT a.question_id, (a.value #>> '{{}}')::float8, count(*) FROM ({answers}) a "
        "WHERE jsonb_typeof(a.value) = 'number' GROUP BY 1, 2"
    ),
    "texts": (
        "SELECT question_id, text FROM (SELECT a.question_id, a.value #>> '{{}}' AS text, "
        "row_number() OVER (PARTITION BY a.question_id ORDER BY a.id) AS n FROM ({answers}) a) t "
        "WHERE n <= %s ORDER BY question_id, n"
    ),
}


def _answers_sql(answers: QuerySet[Answer], question_ids: list[int] | None = None) -> tuple[str, tuple[Any, ...]]:
    if question_ids is not None:
        answers = answers.filter(question_id__in=question_ids)
    sql, params = answers.values("id", "question_id", "value").query.sql_with_params()
    return sql, tuple(params)


def _tally_in_python(answers: QuerySet[Answer], asked: _Asked) -> _Tallies:
    """The same tallies for databases without PostgreSQL's JSON functions (SQLite in development)."""
    tallies = _Tallies(answered=_answered(answers))
    for question_id, value, n in (
        answers.filter(question_id__in=asked.values).values_list("question_id", "value").annotate(n=Count("id"))
    ):
        tallies.counter(question_id)[value] += n
    sums: dict[int, list[float]] = {}
    wanted = [*asked.multiple, *asked.ranking, *asked.matrix, *asked.numbers, *asked.texts]
    rows = answers.filter(question_id__in=wanted).order_by("id").values_list("question_id", "value")
    for question_id, value in rows.iterator(chunk_size=5000):
        if question_id in asked.multiple and isinstance(value, list):
            tallies.counter(question_id).update(str(v) for v in value)
        elif question_id in asked.ranking and isinstance(value, list):
            tallies.counter(question_id).update((str(v), place) for place, v in enumerate(value, start=1))
        elif question_id in asked.matrix and isinstance(value, dict):
            tallies.counter(question_id).update((str(row), str(rating)) for row, rating in value.items())
        elif question_id in asked.numbers and isinstance(value, (int, float)) and not isinstance(value, bool):
            sums.setdefault(question_id, []).append(float(value))
            tallies.numbers.setdefault(question_id, Counter())[float(value)] += 1
        elif question_id in asked.texts and len(tallies.texts.get(question_id, [])) < TEXTS_SHOWN:
            tallies.texts.setdefault(question_id, []).append(value if isinstance(value, str) else str(value))
    tallies.means = {question_id: sum(values) / len(values) for question_id, values in sums.items()}
    return tallies


def _label(choice: Choice, language: str) -> str:
    return choice.text_in("label", language)


def _fill(result: QuestionResult, question: Question, tallies: _Tallies, language: str) -> None:
    kind = question.kind
    answered = result.answered or 1
    choices = list(question.choices.all())
    counts = tallies.values.get(question.pk, Counter())
    if kind in VALUE_KINDS:
        labels: list[tuple[Any, str]]
        if kind == Question.Kind.SINGLE:
            labels = [(c.value, _label(c, language)) for c in choices]
            if question.has_other:
                labels.append(("other", "Other"))
        elif kind == Question.Kind.YES_NO:
            labels = [(True, "Yes"), (False, "No")]
        else:
            labels = [(n, str(n)) for n in range(1, 6)]
            total = sum(counts.values())
            result.mean = round(sum(int(k) * v for k, v in counts.items()) / total, 2) if total else None
        result.rows = [(label, counts.get(value, 0), 100 * counts.get(value, 0) / answered) for value, label in labels]
    elif kind == Question.Kind.MULTIPLE:
        options = [(c.value, _label(c, language)) for c in choices] + (
            [("other", "Other")] if question.has_other else []
        )
        result.rows = [(label, counts[value], 100 * counts[value] / answered) for value, label in options]
    elif kind == Question.Kind.RANKING:
        points: Counter[str] = Counter()
        for (value, place), n in counts.items():
            points[value] += (len(choices) - place + 1) * n
        result.rows = sorted(
            ((_label(c, language), points[c.value], points[c.value] / answered) for c in choices),
            key=lambda r: -r[1],
        )
    elif kind == Question.Kind.MATRIX:
        grid = {c.value: [0, 0, 0, 0, 0] for c in choices}
        for (row, rating), n in counts.items():
            if row in grid and rating in SCALE:
                grid[row][int(rating) - 1] += n
        result.matrix = [
            (
                _label(c, language),
                grid[c.value],
                round(sum((i + 1) * n for i, n in enumerate(grid[c.value])) / max(sum(grid[c.value]), 1), 2),
            )
            for c in choices
        ]
    elif kind == Question.Kind.NUMBER:
        mean = tallies.means.get(question.pk)
        result.mean = round(mean, 2) if mean is not None else None
        result.histogram = histogram_bins(tallies.numbers.get(question.pk, Counter()))
    else:
        result.texts = tallies.texts.get(question.pk, [])


HISTOGRAM_BINS = 10


def histogram_bins(counts: Counter[float]) -> list[tuple[str, int]]:
    """A number's answers by range: each whole number its own bar when there are at most HISTOGRAM_BINS of
    them, else HISTOGRAM_BINS equal ranges from the lowest answer to the highest (the last one closed)."""
    if not counts:
        return []
    values = sorted(counts)
    if len(values) <= HISTOGRAM_BINS and all(value.is_integer() for value in values):
        return [(f"{value:g}", counts[value]) for value in values]
    low, high = values[0], values[-1]
    if low == high:
        return [(f"{low:g}", counts[low])]
    width = (high - low) / HISTOGRAM_BINS
    bins = [0] * HISTOGRAM_BINS
    for value, n in counts.items():
        bins[min(int((value - low) / width), HISTOGRAM_BINS - 1)] += n
    return [(f"{low + i * width:.4g}–{low + (i + 1) * width:.4g}", n) for i, n in enumerate(bins)]


def regions(survey: Survey) -> list[str]:
    return list(
        Response.objects.filter(survey=survey, submitted_at__isnull=False)
        .exclude(region="")
        .values_list("region", flat=True)
        .distinct()
        .order_by("region")
    )


@dataclass
class Clone:
    """A country's survey of the family on the comparison page: whether this reader sees its results, and why."""

    survey: Survey
    shown: bool
    reason: str
    runs: bool = False  # the reader runs it (owner or coordinator) rather than reads what was published


def clones_for(survey: Survey, *, user: Any) -> list[Clone]:
    """The survey and its clones in the same partnership, by country, each with whether the reader may see its
    results (their own, published ones, or every one for the partnership's coordinators) and why not."""
    family = list(
        Survey.objects.filter(family=survey.family, partnership=survey.partnership)
        .select_related("owner")
        .order_by("country", "pk")
    )
    run = set(surveys_run_by(user).filter(pk__in=[s.pk for s in family]).values_list("pk", flat=True))
    published = set(surveys_published_to(user).filter(pk__in=[s.pk for s in family]).values_list("pk", flat=True))
    person = person_for(user)
    clones = []
    for clone in family:
        if clone.pk in run and person is not None and person.organisation_id == clone.owner_id:
            clones.append(Clone(clone, True, gettext("Your organisation's survey."), runs=True))
        elif clone.pk in run:
            clones.append(
                Clone(clone, True, gettext("You coordinate the partnership, so you see every country."), runs=True)
            )
        elif clone.pk in published:
            clones.append(Clone(clone, True, gettext("Its ministry has published the results to the partnership.")))
        else:
            clones.append(Clone(clone, False, _unpublished_reason(clone)))
    return clones


def _unpublished_reason(survey: Survey) -> str:
    if survey.state == Survey.State.DRAFT:
        return gettext("Not shown: this survey has not been opened yet.")
    if survey.state == Survey.State.OPEN:
        return gettext("Not shown: this survey is still collecting answers and its results are not published.")
    return gettext("Not shown: its ministry has closed the survey but not published the results to the partnership.")


def compare(
    survey: Survey, *, user: Any, language: str
) -> tuple[list[Clone], list[tuple[Question, list[tuple[Survey, QuestionResult | None]]]]]:
    """The same questions across a survey and its clones, side by side, for those the reader may see.

    Every country's answers are counted together, per question (a question belongs to one survey), so the number
    of queries grows with neither the countries nor the responses."""
    clones = clones_for(survey, user=user)
    surveys = [clone.survey for clone in clones if clone.shown]
    # Each country's whole results, withheld where `disclosure` says so for this reader.
    disclosed = whole_disclosures(
        surveys, every_answer={c.survey.pk: sees_every_answer(c.survey, runs=c.runs) for c in clones if c.shown}
    )
    structures = surveys_structure(surveys)
    compared = [
        question
        for each in surveys
        if disclosed[each.pk].shown
        for section in structures[each.pk]
        for question in section.questions.all()
        if question.kind not in TEXT_KINDS
    ]
    tallies = _Tallies()
    if compared:
        submitted = Response.objects.filter(
            survey__in=[each.pk for each in surveys if disclosed[each.pk].shown], submitted_at__isnull=False
        )
        answers = Answer.objects.filter(response__in=submitted.values("pk"), question__in=[q.pk for q in compared])
        tallies = _tally(answers, compared, with_texts=False, histograms=False)
    per_survey = [
        {
            r.question.identity: r
            for _s, rs in _sections(structures[each.pk], tallies, disclosed[each.pk], language)
            for r in rs
        }
        for each in surveys
    ]
    questions: list[tuple[Question, list[tuple[Survey, QuestionResult | None]]]] = []
    if surveys:
        for section in structures[surveys[0].pk]:
            for question in section.questions.all():
                if question.kind in (Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT):
                    continue
                questions.append(
                    (
                        question,
                        [
                            (each, mapping.get(question.identity))
                            for each, mapping in zip(surveys, per_survey, strict=True)
                        ],
                    )
                )
    return clones, questions


def need_links(survey: Survey, user: Any) -> list[NeedLink]:
    """The needs found in a survey's results with the actions that address them, as far as the user
    may see those actions (a draft of another organisation stays hidden)."""
    visible = actions_visible(user).select_related("partnership").order_by("code", "title")
    return list(
        survey.need_links.select_related("question")
        .prefetch_related(Prefetch("actions", queryset=visible, to_attr="visible_actions"))
        .order_by("need")
    )
