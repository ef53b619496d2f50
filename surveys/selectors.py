"""Reads of surveys: who may run or see them, the funnel, and results computed in the database."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from partnership import selectors as partner_selectors
from surveys.models import Answer, Choice, Invitation, Question, Response, Section, Survey

# Breakdowns with fewer responses than this are hidden from members when results are published.
MIN_GROUP = 5


def surveys_run_by(user: Any) -> QuerySet[Survey]:
    """Surveys the user may run: those of their own organisation (the ministry) and of partnerships they coordinate."""
    if getattr(user, "is_superuser", False):
        return Survey.objects.all()
    person = partner_selectors.person_for(user)
    coordinated = partner_selectors.partnerships_coordinated(user).values("pk")
    condition = Q(partnership__in=coordinated)
    if person is not None:
        condition |= Q(
            owner_id=person.organisation_id, partnership__in=partner_selectors.partnerships_member_of(user).values("pk")
        )
    return Survey.objects.filter(condition)


def surveys_published_to(user: Any) -> QuerySet[Survey]:
    """Surveys whose results the user may read as a member of the partnership."""
    return Survey.objects.filter(
        state=Survey.State.RESULTS_PUBLISHED,
        partnership__in=partner_selectors.partnerships_member_of(user).values("pk"),
    )


def surveys_known_to(user: Any) -> QuerySet[Survey]:
    """Surveys of the partnerships the user belongs to: they may know a survey exists, not necessarily run it."""
    return Survey.objects.filter(partnership__in=partner_selectors.partnerships_member_of(user).values("pk"))


def surveys_visible(user: Any) -> QuerySet[Survey]:
    return Survey.objects.filter(
        Q(pk__in=surveys_run_by(user).values("pk")) | Q(pk__in=surveys_published_to(user).values("pk"))
    )


def survey_structure(survey: Survey) -> list[Section]:
    return list(
        survey.sections.prefetch_related(
            Prefetch(
                "questions",
                queryset=Question.objects.select_related("show_if_question")
                .prefetch_related("choices")
                .order_by("position", "id"),
            )
        ).order_by("position", "id")
    )


def funnel(survey: Survey) -> list[tuple[str, str, int]]:
    """Invited, sent, opened, started, submitted, bounced, opted out: each stage counts those who reached it."""
    counts = Counter(dict(survey.invitations.values_list("state").annotate(n=Count("id"))))
    reached_opened = (
        counts[Invitation.State.OPENED] + counts[Invitation.State.STARTED] + counts[Invitation.State.SUBMITTED]
    )
    return [
        ("invited", "Invited", survey.respondents.count()),
        ("sent", "Sent", sum(counts.values())),
        ("opened", "Opened", reached_opened),
        ("started", "Started", counts[Invitation.State.STARTED] + counts[Invitation.State.SUBMITTED]),
        ("submitted", "Submitted", counts[Invitation.State.SUBMITTED]),
        ("bounced", "Bounced", counts[Invitation.State.BOUNCED]),
        ("opted_out", "Opted out", counts[Invitation.State.OPTED_OUT]),
    ]


@dataclass
class QuestionResult:
    question: Question
    answered: int
    rows: list[tuple[str, int, float]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    matrix: list[tuple[str, list[int], float]] = field(default_factory=list)
    mean: float | None = None
    hidden: bool = False


def submitted_responses(survey: Survey, *, region: str = "", kind: str = "") -> QuerySet[Response]:
    queryset = Response.objects.filter(survey=survey, submitted_at__isnull=False)
    if region:
        queryset = queryset.filter(region=region)
    if kind:
        queryset = queryset.filter(respondent_kind=kind)
    return queryset


def results(
    survey: Survey,
    *,
    language: str,
    region: str = "",
    kind: str = "",
    hide_small: bool = False,
    with_texts: bool = True,
) -> tuple[int, list[tuple[Section, list[QuestionResult]]]]:
    """Per-question results, counted in the database; breakdowns under MIN_GROUP hidden when asked."""
    responses = submitted_responses(survey, region=region, kind=kind)
    total = responses.count()
    answers = Answer.objects.filter(response__in=responses.values("pk"))
    counted = dict(answers.values_list("question_id").annotate(n=Count("id")))
    by_value: dict[int, list[tuple[Any, int]]] = {}
    for question_id, value, n in (
        answers.filter(question__kind__in=("single", "likert", "yes_no"))
        .values_list("question_id", "value")
        .annotate(n=Count("id"))
    ):
        by_value.setdefault(question_id, []).append((value, n))
    sections = []
    filtered = bool(region or kind)
    for section in survey_structure(survey):
        section_results = []
        for question in section.questions.all():
            answered = counted.get(question.pk, 0)
            result = QuestionResult(question=question, answered=answered)
            if hide_small and filtered and total < MIN_GROUP:
                result.hidden = True
            else:
                _fill(result, question, by_value.get(question.pk, []), answers, language, with_texts)
            section_results.append(result)
        sections.append((section, section_results))
    return total, sections


def _label(choice: Choice, language: str) -> str:
    return choice.text_in("label", language)


def _fill(
    result: QuestionResult,
    question: Question,
    values: list[tuple[Any, int]],
    answers: QuerySet[Answer],
    language: str,
    with_texts: bool,
) -> None:
    kind = question.kind
    answered = result.answered or 1
    choices = list(question.choices.all())
    if kind in (Question.Kind.SINGLE, Question.Kind.YES_NO, Question.Kind.LIKERT):
        counts = dict(values)
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
    elif kind in (Question.Kind.MULTIPLE, Question.Kind.RANKING, Question.Kind.MATRIX):
        rows = answers.filter(question=question).values_list("value", flat=True).iterator(chunk_size=5000)
        if kind == Question.Kind.MULTIPLE:
            tally: Counter[str] = Counter()
            for chosen in rows:
                tally.update(chosen)
            options = [(c.value, _label(c, language)) for c in choices] + (
                [("other", "Other")] if question.has_other else []
            )
            result.rows = [(label, tally[value], 100 * tally[value] / answered) for value, label in options]
        elif kind == Question.Kind.RANKING:
            points: Counter[str] = Counter()
            for order in rows:
                for index, value in enumerate(order):
                    points[value] += len(choices) - index
            result.rows = sorted(
                ((_label(c, language), points[c.value], points[c.value] / answered) for c in choices),
                key=lambda r: -r[1],
            )
        else:
            grid = {c.value: [0, 0, 0, 0, 0] for c in choices}
            for rated in rows:
                for row, value in rated.items():
                    if row in grid and 1 <= int(value) <= 5:
                        grid[row][int(value) - 1] += 1
            result.matrix = [
                (
                    _label(c, language),
                    grid[c.value],
                    round(sum((i + 1) * n for i, n in enumerate(grid[c.value])) / max(sum(grid[c.value]), 1), 2),
                )
                for c in choices
            ]
    elif kind == Question.Kind.NUMBER:
        numbers = [float(v) for v in answers.filter(question=question).values_list("value", flat=True)]
        result.mean = round(sum(numbers) / len(numbers), 2) if numbers else None
    elif with_texts:
        result.texts = list(answers.filter(question=question).values_list("value", flat=True)[:200])


def regions(survey: Survey) -> list[str]:
    return list(
        Response.objects.filter(survey=survey, submitted_at__isnull=False)
        .exclude(region="")
        .values_list("region", flat=True)
        .distinct()
        .order_by("region")
    )


def compare(
    family: Any, *, user: Any, language: str
) -> tuple[list[Survey], list[tuple[Question, list[tuple[Survey, QuestionResult | None]]]]]:
    """The same questions across a survey and its clones, side by side."""
    surveys = list(surveys_visible(user).filter(family=family).order_by("country"))
    per_survey = []
    for survey in surveys:
        _total, sections = results(
            survey, language=language, hide_small=survey.state == Survey.State.RESULTS_PUBLISHED, with_texts=False
        )
        per_survey.append({r.question.identity: r for _s, rs in sections for r in rs})
    questions: list[tuple[Question, list[tuple[Survey, QuestionResult | None]]]] = []
    if surveys:
        for section in survey_structure(surveys[0]):
            for question in section.questions.all():
                if question.kind in (Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT):
                    continue
                questions.append(
                    (
                        question,
                        [
                            (survey, mapping.get(question.identity))
                            for survey, mapping in zip(surveys, per_survey, strict=True)
                        ],
                    )
                )
    return surveys, questions
