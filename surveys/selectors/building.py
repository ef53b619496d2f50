"""Reads of the survey builder: the outline of sections and questions, the order that conditions follow, and
one section or question of a survey (404 for any other, so a forged id reaches nothing)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from partnership import access
from surveys.models import Answer, Question, Response, Section, Survey

# Where a question stands in its survey: its section's place, then its own. Ties fall back to the ids,
# as the respondent's pages order them; a question not saved yet comes last among equals.
OrderKey = tuple[int, int, float, float]


def order_key(section: Section, position: int | None, pk: int | None) -> OrderKey:
    """The place of a question (in `section`, at `position`; None: after the section's last question)."""
    return (
        section.position,
        section.pk or 0,
        float("inf") if position is None else position,
        float("inf") if pk is None else pk,
    )


def survey_outline(survey: Survey) -> list[Section]:
    """The sections in order, each with its questions in order (their condition and option count loaded)."""
    questions = (
        Question.objects.select_related("show_if_question")
        .annotate(option_count=Count("choices"))
        .order_by("position", "id")
    )
    return list(
        survey.sections.select_related("priority_area")
        .prefetch_related(Prefetch("questions", queryset=questions))
        .order_by("position", "id")
    )


def survey_questions(survey: Survey) -> QuerySet[Question]:
    """The survey's questions with their sections, in the respondent's order."""
    return (
        Question.objects.filter(section__survey=survey)
        .select_related("section")
        .order_by("section__position", "section_id", "position", "id")
    )


def section_of(survey: Survey, pk: Any) -> Section:
    """A section of this survey; 404 for any other."""
    return get_object_or_404(Section, survey=survey, pk=access.posted_id(pk))


def question_of(survey: Survey, pk: Any) -> Question:
    """A question of this survey, with its section; 404 for any other."""
    return get_object_or_404(
        Question.objects.select_related("section"), section__survey=survey, pk=access.posted_id(pk)
    )


def survey_has_responses(survey: Survey) -> bool:
    """Whether anyone has answered: an answer saved, or a response submitted (even an empty one)."""
    return (
        Answer.objects.filter(response__survey=survey).exists()
        or Response.objects.filter(survey=survey, submitted_at__isnull=False).exists()
    )
