"""Reads of a survey's structure and of one respondent's answers: what a page shows, what is still missing,
the copy a respondent takes away, and the language they answered in."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from django.contrib.sessions.backends.base import SessionBase
from django.db.models import Count, Prefetch
from django.utils import formats, translation
from django.utils.translation import gettext as _

from surveys.answers import question_visible
from surveys.models import Answer, Invitation, Question, Response, Section, Survey
from surveys.selectors.access import session_key

Copy = list[tuple[str, list[tuple[str, str]]]]

# About how long a respondent spends on a question of each kind (reading it included), by the rule of thumb that
# web survey guides give: a few seconds a click, a minute or more for a written answer.
SECONDS_PER_QUESTION = {
    Question.Kind.SHORT_TEXT: 30,
    Question.Kind.LONG_TEXT: 90,
    Question.Kind.MATRIX: 45,
    Question.Kind.RANKING: 40,
    Question.Kind.MULTIPLE: 20,
}
SECONDS_PER_OTHER_QUESTION = 12


class SurveyLength(NamedTuple):
    pages: int
    minutes: int


def survey_length(survey: Survey) -> SurveyLength:
    """How many pages the survey has and about how many minutes it takes, for its first page (two queries)."""
    kinds = Question.objects.filter(section__survey=survey).values("kind").annotate(n=Count("pk")).order_by()
    seconds = sum(SECONDS_PER_QUESTION.get(row["kind"], SECONDS_PER_OTHER_QUESTION) * row["n"] for row in kinds)
    return SurveyLength(pages=survey.sections.count(), minutes=max(1, math.ceil(seconds / 60)))


def survey_structure(survey: Survey) -> list[Section]:
    return surveys_structure([survey])[survey.pk]


def surveys_structure(surveys: list[Survey]) -> dict[int, list[Section]]:
    """`survey_structure` of several surveys, by survey id, in the same three queries as for one."""
    structures: dict[int, list[Section]] = {survey.pk: [] for survey in surveys}
    sections = (
        Section.objects.filter(survey__in=[survey.pk for survey in surveys])
        .select_related("priority_area")
        .prefetch_related(
            Prefetch(
                "questions",
                queryset=Question.objects.select_related("show_if_question")
                .prefetch_related("choices")
                .order_by("position", "id"),
            )
        )
        .order_by("position", "id")
    )
    by_pk = {survey.pk: survey for survey in surveys}
    for section in sections:
        section.survey = by_pk[section.survey_id]  # as `survey.sections` would give it, without a query
        structures[section.survey_id].append(section)
    return structures


def questions_locked(survey: Survey) -> bool:
    """Questions are locked once the first answer exists: wording fixes allowed, structure not."""
    return Answer.objects.filter(response__survey=survey).exists()


def stored_answers(response: Response) -> dict[int, tuple[Any, str]]:
    """The response's answers so far, by question id: (value, "other" text)."""
    return {a.question_id: (a.value, a.other_text) for a in Answer.objects.filter(response=response)}


def missing_required(response: Response) -> list[Question]:
    """The required questions the response shows but has not answered yet."""
    answers = dict(Answer.objects.filter(response=response).values_list("question_id", "value"))
    questions = Question.objects.filter(section__survey_id=response.survey_id).select_related("section")
    return [q for q in questions if q.required and q.pk not in answers and question_visible(q, answers)]


def submitted_response_of(invitation_id: int) -> Response | None:
    return Response.objects.filter(invitation_id=invitation_id, submitted_at__isnull=False).first()


def answers_copy(survey: Survey, response: Response, language: str) -> Copy:
    """The respondent's answers as readable text, by section."""
    answers = {a.question_id: a for a in Answer.objects.filter(response=response)}
    copy = []
    for section in survey_structure(survey):
        lines = []
        for question in section.questions.all():
            answer = answers.get(question.pk)
            if answer is None:
                continue
            labels = {c.value: c.text_in("label", language) for c in question.choices.all()}
            value = answer.value
            if isinstance(value, list):
                text = ", ".join(labels.get(v, str(v)) for v in value)
            elif isinstance(value, dict):
                text = "; ".join(f"{labels.get(k, k)}: {v}" for k, v in value.items())
            elif isinstance(value, bool):
                with translation.override(language):  # callers may be outside the respondent's language
                    text = str(_("Yes") if value else _("No"))
            elif isinstance(value, int | float):
                with translation.override(language):  # 1234.5 reads 1.234,5 in Croatian and Italian
                    text = formats.number_format(value, force_grouping=True)
            else:
                text = str(labels.get(value, value)) if isinstance(value, str) else str(value)
            if answer.other_text:
                text = f"{text} ({answer.other_text})"
            lines.append((question.text_in("text", language), text))
        copy.append((section.text_in("title", language), lines))
    return copy


def answered_language(session: SessionBase, survey: Survey) -> str:
    """The language this browser answered the survey in, for the pages after submission.

    An anonymous response is cut from its invitation at submission, so `review` keeps the language in the session;
    failing that, the language of this browser's response, then the one the respondent was invited in.
    """
    language = session.get(session_key(survey, "language"))
    invitation_id = session.get(session_key(survey, "invitation"))
    response_id = session.get(session_key(survey, "response"))
    if not language and invitation_id:
        language = Response.objects.filter(invitation_id=invitation_id).values_list("language", flat=True).first()
        if not language:
            invitations = Invitation.objects.filter(pk=invitation_id, survey=survey)
            language = invitations.values_list("respondent__language", flat=True).first()
    elif not language and response_id:
        language = Response.objects.filter(pk=response_id, survey=survey).values_list("language", flat=True).first()
    return language if language in survey.all_languages else survey.default_language
