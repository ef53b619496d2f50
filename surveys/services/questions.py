"""Building a survey's structure: sections, questions with their options, their order and their conditions, the
survey's texts and languages, and deleting a survey nobody has answered.

Once the survey has answers (`selectors.questions_locked`) its structure is locked: the wording and translations
of the survey, its sections, questions and options may change; a question's kind and settings, option values,
conditions, and which questions and options exist may not. The forms check the same rules through
`question_problems` and `choices_problems`, so a refusal shows next to what was changed; the writes here check
them again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from partnership import outbox
from partnership.services import Actor, audit_record, record_delete, record_save
from surveys import selectors
from surveys.models import Choice, Question, Respondent, Response, Section, Survey

Kind = Question.Kind

# What answers depend on: none of these may change once the survey has answers.
STRUCTURAL_FIELDS = (
    "section",
    "kind",
    "required",
    "has_other",
    "min_value",
    "max_value",
    "show_if_question",
    "show_if_value",
)
# A condition waits for one answer among a known few.
CONDITION_KINDS = (Kind.SINGLE, Kind.MULTIPLE, Kind.YES_NO, Kind.LIKERT)
VALUE_LENGTH = Choice._meta.get_field("value").max_length or 60

Problems = dict[str, list[str]]


def _locked_message(field: str) -> str:
    name = Question._meta.get_field(field).verbose_name  # type: ignore[union-attr]
    return _("This survey has answers: only the wording of a question can change, not its %(field)s.") % {"field": name}


def _options_locked() -> str:
    return _("This survey has answers: options can be reworded but not added, removed or recoded.")


def condition_values(question: Question) -> list[str]:
    """The answers a condition on this question may wait for."""
    if question.kind == Kind.YES_NO:
        return ["yes", "no"]
    if question.kind == Kind.LIKERT:
        return ["1", "2", "3", "4", "5"]
    if question.kind in (Kind.SINGLE, Kind.MULTIPLE):
        return list(question.choices.values_list("value", flat=True))
    return []


def order_problems(
    survey: Survey,
    *,
    sections: dict[int, int] | None = None,
    questions: dict[int, tuple[int, int]] | None = None,
    skip: int | None = None,
) -> list[str]:
    """The conditions that would wait for a question not placed before them, were the sections and questions
    moved as given ({section: position}, {question: (section, position)}); the question `skip` is checked by its
    caller."""
    places = dict(survey.sections.values_list("pk", "position"))
    places.update(sections or {})
    rows = list(Question.objects.filter(section__survey=survey).values_list("pk", "section_id", "position", "text"))
    keys = {}
    for pk, section_id, position, _text in rows:
        section_id, position = (questions or {}).get(pk, (section_id, position))
        keys[pk] = (places[section_id], section_id, position, pk)
    waits = dict(
        Question.objects.filter(section__survey=survey, show_if_question__isnull=False).values_list(
            "pk", "show_if_question_id"
        )
    )
    texts = {pk: text for pk, _section, _position, text in rows}
    return [
        _("“%(question)s” shows only after an answer to “%(condition)s”, which must come before it.")
        % {"question": texts[pk], "condition": texts[target]}
        for pk, target in waits.items()
        if pk != skip and target in keys and keys[target] >= keys[pk]
    ]


def question_problems(*, question: Question, section: Section) -> Problems:
    """What is wrong with saving `question` (its fields as edited) in `section`, by form field: the lock once the
    survey has answers, and a condition that must wait for an earlier question of the same survey."""
    survey = section.survey
    problems: Problems = defaultdict(list)
    stored = Question.objects.select_related("section").filter(pk=question.pk).first() if question.pk else None
    if stored is not None and stored.section.survey_id != survey.pk:
        problems["section"].append(_("A question stays in its survey: choose one of its sections."))
        return problems
    if selectors.questions_locked(survey):
        if stored is None:
            problems[NON_FIELD_ERRORS].append(_("This survey has answers: questions can no longer be added."))
            return problems
        for name in STRUCTURAL_FIELDS:
            attname = Question._meta.get_field(name).attname  # type: ignore[union-attr]
            if getattr(stored, attname) != getattr(question, attname):
                problems[name].append(_locked_message(name))
    _condition_problems(question, section, problems)
    if stored is not None:
        dependants = list(stored.dependants.values_list("text", flat=True))
        if dependants and question.kind not in CONDITION_KINDS:
            problems["kind"].append(
                _("“%(question)s” waits for this question's answer: change its condition first.")
                % {"question": dependants[0]}
            )
        position = stored.position if question.position is None else question.position
        moved = {question.pk: (section.pk, position)}
        problems["position"].extend(order_problems(survey, questions=moved, skip=question.pk))
    return {name: messages for name, messages in problems.items() if messages}


def _condition_problems(question: Question, section: Section, problems: Problems) -> None:
    if question.show_if_question_id is None:
        if question.show_if_value:
            problems["show_if_question"].append(_("Choose the question whose answer this one waits for."))
        return
    target = Question.objects.select_related("section").filter(pk=question.show_if_question_id).first()
    if target is None or target.section.survey_id != section.survey_id:
        problems["show_if_question"].append(_("Choose a question of this survey."))
    elif target.pk == question.pk or selectors.order_key(
        target.section, target.position, target.pk
    ) >= selectors.order_key(section, question.position, question.pk):
        problems["show_if_question"].append(_("Choose a question that comes before this one."))
    elif target.kind not in CONDITION_KINDS:
        problems["show_if_question"].append(
            _("A condition can wait only for the answer to a choice, yes/no or scale question.")
        )
    else:
        values = condition_values(target)
        if question.show_if_value not in values:
            problems["show_if_value"].append(
                _("Enter one of the answers of “%(question)s”: %(values)s.")
                % {"question": target.text, "values": ", ".join(values)}
            )


def choices_problems(
    *, question: Question, survey: Survey, kept: Sequence[Choice], removed: Sequence[Choice] = ()
) -> list[tuple[Choice | None, str]]:
    """What is wrong with giving `question` the options `kept` (in order; a new one may have no value yet) and
    removing `removed`: each problem with the option it concerns, or None for the question as a whole."""
    problems: list[tuple[Choice | None, str]] = []
    kind_label = Kind(question.kind).label if question.kind in Kind.values else question.kind
    if question.kind in Question.CHOICE_KINDS and not kept:
        problems.append(
            (None, _("A question of the kind “%(kind)s” needs its options: add them below.") % {"kind": kind_label})
        )
    elif question.kind not in Question.CHOICE_KINDS and kept:
        problems.append(
            (
                None,
                _("A question of the kind “%(kind)s” has no options: delete them, or choose a kind with options.")
                % {"kind": kind_label},
            )
        )
    seen: set[str] = set()
    for choice in kept:
        if choice.value and choice.value in seen:
            problems.append(
                (choice, _("Another option has the value “%(value)s”; each needs its own.") % {"value": choice.value})
            )
        seen.add(choice.value)
    stored = dict(Choice.objects.filter(question_id=question.pk).values_list("pk", "value")) if question.pk else {}
    if selectors.questions_locked(survey):
        for choice in kept:
            if choice.pk not in stored or stored[choice.pk] != choice.value:
                problems.append((choice, _options_locked()))
        if any(choice.pk in stored for choice in removed):
            problems.append((None, _options_locked()))
    if question.pk and question.kind in (Kind.SINGLE, Kind.MULTIPLE):
        offered = {choice.value for choice in kept}
        for text, value in Question.objects.filter(show_if_question_id=question.pk).values_list(
            "text", "show_if_value"
        ):
            if value not in offered:
                problems.append(
                    (
                        None,
                        _("“%(question)s” waits for the answer “%(value)s”, which this question would no longer offer.")
                        % {"question": text, "value": value},
                    )
                )
    return problems


def question_check_change(*, question: Question) -> None:
    """Refuse a structural change to a question of a survey that has answers, or a wrong condition."""
    problems = question_problems(question=question, section=Section.objects.get(pk=question.section_id))
    if problems:
        raise ValidationError(problems)


def choice_check_change(*, choice: Choice, delete: bool = False) -> None:
    """Refuse adding, removing or recoding an option of a survey that has answers; rewording is fine."""
    survey = Survey.objects.get(sections__questions=choice.question_id)
    if not selectors.questions_locked(survey):
        return
    stored = Choice.objects.filter(pk=choice.pk).values_list("value", flat=True).first() if choice.pk else None
    if delete or stored is None or stored != choice.value:
        raise ValidationError(_options_locked())


def value_from_label(label: str, taken: set[str]) -> str:
    """A value made from an option's label: a slug, unique among `taken`."""
    base = slugify(label)[: VALUE_LENGTH - 4].strip("-") or "option"
    value, number = base, 2
    while value in taken:
        value, number = f"{base}-{number}", number + 1
    return value


@transaction.atomic
def question_save(
    *,
    question: Question,
    by: Actor,
    choices: Sequence[Choice] | None = None,
    removed: Sequence[Choice] = (),
) -> Question:
    """Save a question and, when `choices` is given, its options in that order (`removed` are deleted).

    A new option without a value gets one made from its label, once; a value is never regenerated when the label
    changes. Values may be exchanged between options: they are saved in two steps, so no option ever holds
    another's value in between. A question without a position goes after the last of its section. Raises
    ValidationError (by field) for whatever `question_problems` and `choices_problems` find.
    """
    section = Section.objects.select_related("survey").get(pk=question.section_id)
    problems = question_problems(question=question, section=section)
    if choices is not None:
        found = choices_problems(question=question, survey=section.survey, kept=choices, removed=removed)
        problems.setdefault(NON_FIELD_ERRORS, []).extend(message for _choice, message in found)
    problems = {name: messages for name, messages in problems.items() if messages}
    if problems:
        raise ValidationError(problems)
    if question.position is None:
        last = section.questions.exclude(pk=question.pk).aggregate(last=Max("position"))["last"]
        question.position = 0 if last is None else last + 1
    record_save(instance=question, by=by)
    if choices is not None:
        _choices_save(question, list(choices), removed, by)
    return question


def _choices_save(question: Question, choices: list[Choice], removed: Sequence[Choice], by: Actor) -> None:
    for choice in removed:
        if choice.pk is not None:
            record_delete(instance=choice, by=by)
    taken = {choice.value for choice in choices if choice.value}
    for choice in choices:
        if not choice.value:
            choice.value = value_from_label(choice.label, taken)
            taken.add(choice.value)
    before: dict[int, dict[str, Any]] = {
        row["pk"]: dict(row)
        for row in Choice.objects.filter(question=question).values("pk", "position", "value", "label", "translations")
    }
    # First release the values that change hands, so the unique (question, value) constraint holds at each step.
    for choice in choices:
        if choice.pk in before and before[choice.pk]["value"] != choice.value:
            Choice.objects.filter(pk=choice.pk).update(value=f"~{choice.pk}")
    for position, choice in enumerate(choices):
        choice.question = question
        choice.position = position
        choice.full_clean()
        choice.save()
        old = before.get(choice.pk, {})
        changes = {
            name: [old.get(name), getattr(choice, name)]
            for name in ("position", "value", "label", "translations")
            if old.get(name) != getattr(choice, name)
        }
        if not old or changes:
            audit_record(by=by, verb="update" if old else "create", instance=choice, changes=changes)


def question_delete_problem(question: Question) -> str:
    """Why the question cannot be deleted, or "": the survey has answers, or another question waits for it."""
    if selectors.questions_locked(question.section.survey):
        return _("This survey has answers: questions can no longer be removed.")
    waiting = question.dependants.first()
    if waiting is not None:
        return _("“%(question)s” waits for this question's answer: change its condition first.") % {
            "question": waiting.text
        }
    return ""


@transaction.atomic
def question_delete(*, question: Question, by: Actor) -> None:
    """Delete a question of a survey without answers that no other question waits for."""
    problem = question_delete_problem(question)
    if problem:
        raise ValidationError(problem)
    record_delete(instance=question, by=by)


@transaction.atomic
def question_move(*, question: Question, by: Actor, step: int) -> None:
    """Move a question one place up (-1) or down (+1) within its section; the section's questions are numbered
    afresh. Refused where a condition would then wait for a later question."""
    ordered = list(question.section.questions.order_by("position", "id"))
    index = next(i for i, other in enumerate(ordered) if other.pk == question.pk)
    target = index + step
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    placed = {other.pk: (question.section_id, position) for position, other in enumerate(ordered)}
    problems = order_problems(question.section.survey, questions=placed)
    if problems:
        raise ValidationError(problems)
    for position, other in enumerate(ordered):
        if other.position != position:
            Question.objects.filter(pk=other.pk).update(position=position)
    audit_record(by=by, verb="reorder", instance=question, changes={"order": [other.pk for other in ordered]})


@transaction.atomic
def section_save(*, section: Section, by: Actor) -> Section:
    """Save a section (a new one goes last); refused where moving it would leave a condition waiting for a later
    question."""
    if section.position is None:
        last = Section.objects.filter(survey_id=section.survey_id).aggregate(last=Max("position"))["last"]
        section.position = 0 if last is None else last + 1
    elif section.pk is not None:
        problems = order_problems(section.survey, sections={section.pk: section.position})
        if problems:
            raise ValidationError({"position": problems})
    record_save(instance=section, by=by)
    return section


@transaction.atomic
def section_move(*, section: Section, by: Actor, step: int) -> None:
    """Move a section one place up (-1) or down (+1); the sections are numbered afresh."""
    ordered = list(Section.objects.filter(survey_id=section.survey_id).order_by("position", "id"))
    index = next(i for i, other in enumerate(ordered) if other.pk == section.pk)
    target = index + step
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    problems = order_problems(section.survey, sections={other.pk: n for n, other in enumerate(ordered)})
    if problems:
        raise ValidationError(problems)
    for position, other in enumerate(ordered):
        if other.position != position:
            Section.objects.filter(pk=other.pk).update(position=position)
    audit_record(by=by, verb="reorder", instance=section, changes={"order": [other.pk for other in ordered]})


def section_delete_problem(section: Section) -> str:
    """Why the section cannot be deleted, or "": it has questions and the survey has answers, or a question
    elsewhere waits for one of its questions."""
    questions = section.questions.all()
    if questions.exists() and selectors.questions_locked(section.survey):
        return _("This survey has answers: sections with questions can no longer be removed.")
    waiting = Question.objects.filter(show_if_question__in=questions).exclude(section=section).first()
    if waiting is not None:
        return _("“%(question)s” waits for the answer to a question of this section: change its condition first.") % {
            "question": waiting.text
        }
    return ""


@transaction.atomic
def section_delete(*, section: Section, by: Actor) -> None:
    """Delete a section with its questions, unless `section_delete_problem` says why not."""
    problem = section_delete_problem(section)
    if problem:
        raise ValidationError(problem)
    record_delete(instance=section, by=by)


def sections_problems(*, survey: Survey, kept: Sequence[Section], removed: Sequence[Section] = ()) -> list[str]:
    """What is wrong with giving the survey these sections at these positions and deleting `removed`."""
    problems = [
        problem for section in removed if section.pk for problem in [section_delete_problem(section)] if problem
    ]
    placed = {section.pk: section.position for section in kept if section.pk and section.position is not None}
    return problems + order_problems(survey, sections=placed)


@transaction.atomic
def sections_save(*, survey: Survey, kept: Sequence[Section], removed: Sequence[Section] = (), by: Actor) -> None:
    """Save several sections of a survey at once (the admin's inline), so they may exchange their places."""
    problems = sections_problems(survey=survey, kept=kept, removed=removed)
    if problems:
        raise ValidationError(problems)
    for section in removed:
        if section.pk is not None:
            record_delete(instance=section, by=by)
    for section in kept:
        section.survey = survey
        if section.position is None:
            last = Section.objects.filter(survey=survey).aggregate(last=Max("position"))["last"]
            section.position = 0 if last is None else last + 1
        record_save(instance=section, by=by)


def survey_problems(survey: Survey) -> Problems:
    """What is wrong with saving the survey's languages: one that respondents were invited or answered in stays."""
    if survey.pk is None:
        return {}
    stored = Survey.objects.get(pk=survey.pk)
    dropped = set(stored.all_languages) - set(survey.all_languages)
    used = set(Respondent.objects.filter(survey=survey, language__in=dropped).values_list("language", flat=True))
    used |= set(Response.objects.filter(survey=survey, language__in=dropped).values_list("language", flat=True))
    if not used:
        return {}
    message = _("Respondents were invited or answered in %(languages)s: that language stays.") % {
        "languages": ", ".join(sorted(used))
    }
    return {"languages" if survey.default_language not in used else "default_language": [message]}


@transaction.atomic
def survey_save(*, survey: Survey, by: Actor) -> Survey:
    """Save a survey's texts and settings. Its other languages never include its default one, and a language
    respondents were invited or answered in stays (`survey_problems`)."""
    survey.languages = [code for code in dict.fromkeys(survey.languages or []) if code != survey.default_language]
    problems = survey_problems(survey)
    if problems:
        raise ValidationError(problems)
    record_save(instance=survey, by=by)
    return survey


def survey_delete_problem(survey: Survey) -> str:
    """Why the survey cannot be deleted, or "" when it can: a survey anyone has answered keeps its answers."""
    if selectors.survey_has_responses(survey):
        return _("“%(survey)s” has answers, so it cannot be deleted: close it instead, and its results stay.") % {
            "survey": survey.title
        }
    return ""


@transaction.atomic
def survey_delete(*, survey: Survey, by: Actor) -> None:
    """Delete a survey nobody has answered, with its sections, questions, respondents and invitations; its
    unsent mail is cancelled."""
    problem = survey_delete_problem(survey)
    if problem:
        raise ValidationError(problem)
    outbox.messages_cancel(keys_startwith=f"survey:{survey.pk}:")
    record_delete(instance=survey, by=by)
