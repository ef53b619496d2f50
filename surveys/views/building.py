"""The survey builder of the portal, for a survey's owner (a ministry, not staff) and the coordinators: the
outline of sections and questions with their order, the survey's texts and languages, a section, a question with
its options. The forms and services are the admin's (`surveys.forms.building`, `surveys.services.questions`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from partnership import once
from partnership.parameters import query_parameters
from surveys import selectors, services
from surveys.forms import (
    QuestionEditForm,
    SectionEditForm,
    SurveyTextsForm,
    add_problems,
    choice_formset_class,
    for_survey,
    other_languages,
)
from surveys.models import Question, Section, Survey

MOVES = {"up": -1, "down": 1}


def _context(survey: Survey, **extra: Any) -> dict[str, Any]:
    return {
        "survey": survey,
        "locked": selectors.questions_locked(survey),
        "languages": other_languages(survey),
        **extra,
    }


def _move(request: HttpRequest, survey: Survey) -> None:
    """One of the outline's buttons: move a question or a section up or down."""
    for direction, step in MOVES.items():
        if f"question_{direction}" in request.POST:
            question = selectors.question_of(survey, request.POST[f"question_{direction}"])
            services.question_move(question=question, by=request.user, step=step)
        if f"section_{direction}" in request.POST:
            section = selectors.section_of(survey, request.POST[f"section_{direction}"])
            services.section_move(section=section, by=request.user, step=step)


@query_parameters()
def build(request: HttpRequest, pk: int) -> HttpResponse:
    """The outline: sections and their questions in order, to add, edit, move and delete."""
    survey = selectors.survey_access(request.user, pk, need="build")
    if request.method == "POST":
        try:
            _move(request, survey)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("surveys:build", pk=survey.pk)
    return render(request, "surveys/build.html", _context(survey, sections=selectors.survey_outline(survey)))


@query_parameters()
def texts(request: HttpRequest, pk: int) -> HttpResponse:
    """The survey's title and introduction in each of its languages, and which languages it has."""
    survey = selectors.survey_access(request.user, pk, need="build")
    form = for_survey(SurveyTextsForm, survey)(request.POST or None, instance=survey)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_save(survey=form.instance, by=request.user)
        except ValidationError as error:
            add_problems(form, error.message_dict)
        else:
            messages.success(request, _("The survey's texts are saved."))
            return redirect("surveys:build", pk=survey.pk)
    return render(request, "surveys/build_texts.html", _context(survey, form=form))


@query_parameters()
def section_edit(request: HttpRequest, pk: int, section_id: int | None = None) -> HttpResponse:
    """Add a section (at the end unless placed) or change one."""
    survey = selectors.survey_access(request.user, pk, need="build")
    section = selectors.section_of(survey, section_id) if section_id else Section(survey=survey, position=None)  # type: ignore[misc]
    form = for_survey(SectionEditForm, survey)(request.POST or None, instance=section)
    outline = reverse("surveys:build", kwargs={"pk": survey.pk})
    if request.method == "POST" and form.is_valid():
        try:
            # Adding a section spends the form's one-time token; changing one has none to spend.
            with once.creating(request) as created:
                services.section_save(section=form.instance, by=request.user)
                created.url = outline
        except ValidationError as error:
            add_problems(form, error.message_dict)
        except once.Repeated:
            return redirect(outline)
        else:
            messages.success(request, _("The section is saved."))
            return redirect("surveys:build", pk=survey.pk)
    return render(request, "surveys/build_section.html", _context(survey, form=form, section=section))


@query_parameters("section")
def question_edit(request: HttpRequest, pk: int, question_id: int | None = None) -> HttpResponse:
    """Add a question of any kind (to the section in `?section=`) or change one, with its options."""
    survey = selectors.survey_access(request.user, pk, need="build")
    if question_id:
        question = selectors.question_of(survey, question_id)
        initial = {}
    else:
        question = Question(position=None)  # type: ignore[misc]
        asked = request.GET.get("section", "")
        initial = {"section": selectors.section_of(survey, asked).pk} if asked.isdigit() else {}
    form = for_survey(QuestionEditForm, survey)(request.POST or None, instance=question, initial=initial)
    formset = choice_formset_class(survey, extra=1 if question.pk else 3)(
        request.POST or None, instance=question, prefix="choices"
    )
    # Both are validated, so every error shows at once; the options' rules read the question as edited.
    valid = form.is_valid()
    valid = formset.is_valid() and valid
    if request.method == "POST" and valid:
        kept, removed = formset.kept_and_removed()
        try:
            with once.creating(request) as created:
                services.question_save(question=form.instance, choices=kept, removed=removed, by=request.user)
                created.url = f"{reverse('surveys:build', kwargs={'pk': survey.pk})}#question-{question.pk}"
        except ValidationError as error:
            add_problems(form, error.message_dict)
        except once.Repeated as repeated:
            return redirect(repeated.url)
        else:
            messages.success(request, _("The question is saved."))
            if "add_options" in request.POST:
                return redirect("surveys:question_edit", pk=survey.pk, question_id=question.pk)
            return redirect(f"{reverse('surveys:build', kwargs={'pk': survey.pk})}#question-{question.pk}")
    return render(request, "surveys/build_question.html", _context(survey, form=form, formset=formset))


@query_parameters()
def part_delete(request: HttpRequest, pk: int, part: str, part_id: int) -> HttpResponse:
    """Confirm, then delete a question or a section (with its questions); refused with the reason once the
    survey has answers, or where another question waits for it."""
    survey = selectors.survey_access(request.user, pk, need="build")
    item: Question | Section
    if part == "question":
        item = question = selectors.question_of(survey, part_id)
        problem = services.question_delete_problem(question)
    else:
        item = section = selectors.section_of(survey, part_id)
        problem = services.section_delete_problem(section)
    if request.method == "POST" and not problem:
        try:
            if isinstance(item, Question):
                services.question_delete(question=item, by=request.user)
            else:
                services.section_delete(section=item, by=request.user)
        except ValidationError as error:
            problem = " ".join(error.messages)
        else:
            messages.success(request, _("Deleted."))
            return redirect("surveys:build", pk=survey.pk)
    return render(
        request,
        "surveys/build_delete.html",
        _context(survey, item=item, part=part, problem=problem),
        status=409 if request.method == "POST" and problem else 200,
    )
