"""Answering: a response started through a personal or the open link, saved page by page, submitted once;
and the respondents' personal data erased some months after their survey ended."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partnership import outbox
from partnership.models import OutboundMessage
from surveys import workflow
from surveys.answers import chose_other, clean_answer, question_visible
from surveys.models import Answer, Invitation, InvitationToken, Question, Response, Section, Survey
from surveys.selectors import missing_required

InvState = Invitation.State
ERASED_EMAIL = "erased@invalid.invalid"


@transaction.atomic
def response_start(*, survey: Survey, invitation: Invitation | None, language: str) -> Response:
    """The response of an invitation (created on first use), or a new one for the open link."""
    if not survey.is_open:
        raise ValidationError(_("This survey is closed."))
    if invitation is not None:
        invitation = Invitation.objects.select_for_update().select_related("respondent").get(pk=invitation.pk)
        existing = Response.objects.filter(invitation=invitation).first()
        if existing is not None:
            return response_set_language(response=existing, language=language)
        if invitation.state == InvState.SUBMITTED:
            raise ValidationError(_("You have already answered this survey. Thank you!"))
        response = Response.objects.create(
            survey=survey,
            invitation=invitation,
            language=language,
            region=invitation.respondent.region if survey.anonymity != Survey.Anonymity.ANONYMOUS else "",
            respondent_kind=invitation.respondent.kind if survey.anonymity != Survey.Anonymity.ANONYMOUS else "",
        )
        if invitation.state in workflow.STARTS_FROM:
            invitation.state = InvState.STARTED
            invitation.save(update_fields=["state"])
        return response
    return Response.objects.create(survey=survey, language=language, via_open_link=True)


@transaction.atomic
def response_set_language(*, response: Response, language: str) -> Response:
    """Continue a response in another language (not once it is submitted)."""
    response = Response.objects.select_for_update().get(pk=response.pk)
    if response.submitted_at is not None:
        raise ValidationError(_("You have already answered this survey. Thank you!"))
    if language and response.language != language:
        response.language = language
        response.save(update_fields=["language"])
    return response


@transaction.atomic
def response_save_section(
    *, response: Response, section: Section, data: dict[int, tuple[Any, str]], position: int
) -> None:
    """Save the answers of one page; every error is reported per question and nothing of the page is kept."""
    response = Response.objects.select_for_update().select_related("survey").get(pk=response.pk)
    if response.submitted_at is not None:
        raise ValidationError(_("This response has already been submitted."))
    if not response.survey.is_open:
        raise ValidationError(_("This survey is closed."))
    answers = dict(Answer.objects.filter(response=response).values_list("question_id", "value"))
    errors: dict[str, list[str]] = {}
    cleaned: dict[int, tuple[Any, str]] = {}
    for question in section.questions.prefetch_related("choices").order_by("position"):
        raw, other = data.get(question.pk, (None, ""))
        if not question_visible(question, {**answers, **{k: v for k, (v, _o) in cleaned.items()}}):
            cleaned[question.pk] = (None, "")
            continue
        try:
            value = clean_answer(question, raw, other)
            cleaned[question.pk] = (value, other.strip() if chose_other(value) else "")
        except ValidationError as error:
            errors[f"q{question.pk}"] = error.messages
    if errors:
        raise ValidationError(errors)
    for question_id, (value, other) in cleaned.items():
        if value is None:
            Answer.objects.filter(response=response, question_id=question_id).delete()
        else:
            Answer.objects.update_or_create(
                response=response, question_id=question_id, defaults={"value": value, "other_text": other}
            )
    response.current_section = max(response.current_section, position + 1)
    response.save(update_fields=["current_section"])


@transaction.atomic
def response_submit(*, response: Response) -> Response:
    """Submit once: a second submission (double click, second tab, back button) changes nothing.

    For an anonymous survey the link between the response and the invitation is cut here.
    """
    response = Response.objects.select_for_update().select_related("survey").get(pk=response.pk)
    if response.submitted_at is not None:
        return response
    if not response.survey.is_open:
        raise ValidationError(_("This survey is closed."))
    _drop_hidden_answers(response)
    missing = missing_required(response)
    if missing:
        raise ValidationError(
            _("Some required questions are not answered yet: %(questions)s")
            % {"questions": "; ".join(q.text_in("text", response.language) for q in missing[:5])}
        )
    now = timezone.now()
    anonymous = response.survey.anonymity == Survey.Anonymity.ANONYMOUS
    response.submitted_at = now
    fields = ["submitted_at"]
    if anonymous:
        # Exact times would let anyone join the response back to the invitation's own timestamps.
        day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        response.submitted_at = response.started_at = day
        fields.append("started_at")
    if response.invitation_id:
        Invitation.objects.filter(pk=response.invitation_id).update(
            state=InvState.SUBMITTED, submitted_at=None if anonymous else now
        )
        outbox.messages_cancel(keys_startwith=f"survey:{response.survey_id}:reminder:{response.invitation_id}:")
        if anonymous:
            response.invitation = None
            fields.append("invitation")
    response.save(update_fields=fields)
    return response


def _drop_hidden_answers(response: Response) -> None:
    """Answers to questions that a later change of an earlier answer has hidden are not submitted."""
    answers = dict(Answer.objects.filter(response=response).values_list("question_id", "value"))
    shown: dict[int, Any] = {}
    hidden = []
    questions = Question.objects.filter(section__survey_id=response.survey_id).order_by(
        "section__position", "section_id", "position", "id"
    )
    for question in questions:
        if question.pk not in answers:
            continue
        if question_visible(question, shown):
            shown[question.pk] = answers[question.pk]
        else:
            hidden.append(question.pk)
    if hidden:
        Answer.objects.filter(response=response, question_id__in=hidden).delete()


@transaction.atomic
def respondents_erase_expired(*, now: datetime | None = None) -> int:
    """Erase respondents' personal data a configured number of months after their survey closed."""
    now = now or timezone.now()
    erased = 0
    for survey in Survey.objects.filter(closes_at__isnull=False, state__in=workflow.ENDED):
        if survey.closes_at is None or now < survey.closes_at + timedelta(days=30 * survey.erase_after_months):
            continue
        for respondent in survey.respondents.filter(erased_at__isnull=True):
            respondent.name = f"Erased respondent {respondent.pk}"
            respondent.email = f"erased-{respondent.pk}@invalid.invalid"
            respondent.organisation = ""
            respondent.erased_at = now
            respondent.save(update_fields=["name", "email", "organisation", "erased_at"])
            erased += 1
        # The survey's own mails carry names, addresses and links; their keys and states stay for the record.
        mails = OutboundMessage.objects.filter(key__startswith=f"survey:{survey.pk}:").exclude(
            status__in=(OutboundMessage.Status.PENDING, OutboundMessage.Status.SENDING)
        )
        mails.filter(status=OutboundMessage.Status.FAILED).update(status=OutboundMessage.Status.CANCELLED)
        mails.exclude(to_email=ERASED_EMAIL).update(to_email=ERASED_EMAIL, subject="", body_text="", body_html="")
        InvitationToken.objects.filter(invitation__survey=survey).delete()
    return erased
