"""Running surveys: state transitions, clones, the open link."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from partnership import notifications, outbox
from partnership.models import Notification
from partnership.services import Actor, actor_user, audit_record
from partnership.tokens import token_new
from surveys import workflow
from surveys.models import Invitation, Question, Survey, SurveyTransition

State = Survey.State


@transaction.atomic
def survey_transition(*, survey: Survey, to_state: str, by: Actor, reason: str = "") -> Survey:
    """Move the survey on as `workflow.TRANSITIONS` allows; closing it expires the open invitations and cancels
    their unsent mail."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if to_state not in State.values:
        raise ValidationError(_("“%(state)s” is not a state of a survey.") % {"state": to_state})
    if not workflow.transition_allowed(survey.state, to_state):
        raise ValidationError(
            _("A survey cannot go from “%(from)s” to “%(to)s”.")
            % {"from": survey.get_state_display(), "to": State(to_state).label}
        )
    if to_state == State.OPEN and not Question.objects.filter(section__survey=survey).exists():
        raise ValidationError(_("Add at least one question before opening the survey."))
    from_state = survey.state
    survey.state = to_state
    fields = ["state"]
    now = timezone.now()
    if to_state == State.OPEN:
        if survey.opens_at is None or survey.opens_at > now:
            survey.opens_at = now
            fields.append("opens_at")
        if survey.closes_at is not None and survey.closes_at <= now:
            survey.closes_at = None
            fields.append("closes_at")
    if to_state == State.CLOSED:
        survey.closes_at = now
        fields.append("closes_at")
        survey.invitations.exclude(state__in=workflow.KEPT_AT_CLOSE).update(state=Invitation.State.EXPIRED)
        outbox.messages_cancel(keys_startwith=f"survey:{survey.pk}:")
    survey.save(update_fields=fields)
    SurveyTransition.objects.create(
        survey=survey, from_state=from_state, to_state=to_state, by=actor_user(by), reason=reason
    )
    audit_record(by=by, verb="transition", instance=survey, changes={"state": [from_state, to_state]})
    if to_state == State.RESULTS_PUBLISHED:
        # The members who may read them now: the partnership's, as surveys.selectors decide when it is shown.
        notifications.notify(
            kind=Notification.Kind.SURVEY_RESULTS,
            about=survey,
            partnership_id=survey.partnership_id,
            users=notifications.members_of(survey.partnership_id),
            event=f"survey:{survey.pk}:results",
            by=actor_user(by),
            url=reverse("surveys:results", kwargs={"pk": survey.pk}),
        )
    return survey


@transaction.atomic
def survey_deadline_extend(*, survey: Survey, closes_at: Any, by: Actor) -> Survey:
    """Move an open survey's closing date later (or give it one); the change is kept in the survey's history with
    the old and the new date, so respondents' links work until the new one."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.state != State.OPEN:
        raise ValidationError(_("Only an open survey's deadline can be extended; reopen it first."))
    if closes_at <= timezone.now():
        raise ValidationError(_("Choose a closing date in the future."))
    old = survey.closes_at
    if old is not None and closes_at <= old:
        raise ValidationError(
            _("Choose a date after the current closing date, %(date)s.")
            % {"date": date_format(timezone.localtime(old), "DATETIME_FORMAT")}
        )
    survey.closes_at = closes_at
    survey.save(update_fields=["closes_at"])
    reason = f"closes_at: {old.isoformat() if old else '-'} -> {closes_at.isoformat()}"
    SurveyTransition.objects.create(
        survey=survey, from_state=State.OPEN, to_state=State.OPEN, by=actor_user(by), reason=reason
    )
    audit_record(
        by=by,
        verb="extend",
        instance=survey,
        changes={"closes_at": [old.isoformat() if old else None, closes_at.isoformat()]},
    )
    return survey


@transaction.atomic
def survey_clone(
    *,
    survey: Survey,
    by: Actor,
    title: str,
    country: str,
    owner: Any,
    default_language: str,
    languages: list[str] | None = None,
) -> Survey:
    """Copy a survey for another country and language; questions keep their shared identity."""
    clone = Survey.objects.get(pk=survey.pk)
    clone.pk = None
    clone.id = None
    clone.title = title
    clone.country = country
    clone.owner = owner
    clone.default_language = default_language
    clone.languages = languages or []
    clone.state = State.DRAFT
    clone.cloned_from = survey
    clone.open_link_enabled = False
    clone.open_link_token = ""
    clone.opens_at = clone.closes_at = None
    clone.translations = dict(survey.translations)
    clone.save()
    question_map: dict[int, Question] = {}
    for section in survey.sections.prefetch_related("questions__choices").order_by("position"):
        questions = list(section.questions.all())
        section.pk = None
        section.id = None
        section.survey = clone
        section.save()
        for question in questions:
            choices = list(question.choices.all())
            old_pk = question.pk
            question.pk = None
            question.id = None
            question.section = section
            question.save()
            question_map[old_pk] = question
            for choice in choices:
                choice.pk = None
                choice.id = None
                choice.question = question
                choice.save()
    for question in question_map.values():
        if question.show_if_question_id:
            question.show_if_question = question_map.get(question.show_if_question_id)
            question.save(update_fields=["show_if_question"])
    audit_record(by=by, verb="clone", instance=clone, changes={"from": survey.pk})
    return clone


@transaction.atomic
def survey_open_link_enable(*, survey: Survey, by: Actor) -> str:
    """Let anyone answer through a link of its own; returns that link's token, stored only as its hash, so it can
    be shown once. Enabling it again replaces the earlier link."""
    raw, digest = token_new()
    survey.open_link_enabled = True
    survey.open_link_token = digest
    survey.save(update_fields=["open_link_enabled", "open_link_token"])
    audit_record(by=by, verb="enable_open_link", instance=survey)
    return raw
