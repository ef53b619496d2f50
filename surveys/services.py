"""Every write to surveys: building and cloning, respondents, invitations and reminders, answering."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from partnership import outbox
from partnership.models import OutboundMessage
from partnership.services import Actor, absolute_url, actor_user, audit_record
from partnership.tokens import token_hash, token_new
from surveys.models import (
    Answer,
    Choice,
    Invitation,
    InvitationToken,
    Question,
    Respondent,
    Response,
    Section,
    Survey,
    SurveyTransition,
)

State = Survey.State
InvState = Invitation.State

TRANSITIONS: dict[str, tuple[str, ...]] = {
    State.DRAFT: (State.OPEN,),
    State.OPEN: (State.CLOSED,),
    State.CLOSED: (State.OPEN, State.RESULTS_PUBLISHED),
    State.RESULTS_PUBLISHED: (),
}
# Invitations that still get reminders: not answered, not bounced, not opted out.
REMINDABLE = (InvState.SENT, InvState.OPENED, InvState.STARTED)
TEXT_LIMIT = 5000
SHORT_TEXT_LIMIT = 250
OTHER_TEXT_LIMIT = 500
SCALE = {"1", "2", "3", "4", "5"}
ERASED_EMAIL = "erased@invalid.invalid"


# Building -----------------------------------------------------------------------------------


def questions_locked(survey: Survey) -> bool:
    """Questions are locked once the first answer exists: wording fixes allowed, structure not."""
    return Answer.objects.filter(response__survey=survey).exists()


STRUCTURAL_FIELDS = (
    "kind",
    "required",
    "has_other",
    "min_value",
    "max_value",
    "show_if_question_id",
    "show_if_value",
    "section_id",
)


def question_check_change(*, question: Question) -> None:
    """Refuse a structural change to a question of a survey that has answers."""
    if question.pk is None:
        if questions_locked(question.section.survey):
            raise ValidationError(_("This survey has answers: questions can no longer be added."))
        return
    stored = Question.objects.get(pk=question.pk)
    if not questions_locked(stored.section.survey):
        return
    changed = [name for name in STRUCTURAL_FIELDS if getattr(stored, name) != getattr(question, name)]
    if changed:
        raise ValidationError(
            _("This survey has answers: only the wording of a question can change, not its %(fields)s.")
            % {"fields": ", ".join(name.replace("_id", "").replace("_", " ") for name in changed)}
        )


def choice_check_change(*, choice: Choice, delete: bool = False) -> None:
    """Refuse adding, removing or recoding an option of a survey that has answers; rewording is fine."""
    if not questions_locked(choice.question.section.survey):
        return
    stored = Choice.objects.filter(pk=choice.pk).values_list("value", flat=True).first() if choice.pk else None
    if delete or stored is None or stored != choice.value:
        raise ValidationError(_("This survey has answers: options can be reworded but not added, removed or recoded."))


@transaction.atomic
def survey_transition(*, survey: Survey, to_state: str, by: Actor, reason: str = "") -> Survey:
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if to_state not in TRANSITIONS[survey.state]:
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
        survey.invitations.exclude(state__in=(InvState.SUBMITTED, InvState.OPTED_OUT, InvState.BOUNCED)).update(
            state=InvState.EXPIRED
        )
        outbox.messages_cancel(keys_startwith=f"survey:{survey.pk}:")
    survey.save(update_fields=fields)
    SurveyTransition.objects.create(
        survey=survey, from_state=from_state, to_state=to_state, by=actor_user(by), reason=reason
    )
    audit_record(by=by, verb="transition", instance=survey, changes={"state": [from_state, to_state]})
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


# Respondents and invitations ----------------------------------------------------------------


@transaction.atomic
def respondent_add(*, survey: Survey, by: Actor, name: str, email: str, **fields: Any) -> Respondent:
    respondent = Respondent(survey=survey, name=name.strip(), email=email.strip().lower(), **fields)
    if respondent.language and respondent.language not in survey.all_languages:
        # Mails and pages exist only in the survey's languages; another one would fall back unnoticed.
        raise ValidationError(
            {"language": _("This survey is in %(languages)s only.") % {"languages": ", ".join(survey.all_languages)}}
        )
    respondent.full_clean()
    respondent.save()
    audit_record(by=by, verb="create", instance=respondent)
    return respondent


def _new_token(invitation: Invitation) -> str:
    raw, digest = token_new()
    InvitationToken.objects.create(invitation=invitation, token_hash=digest)
    return raw


def _links(raw: str) -> dict[str, str]:
    return {
        "survey_url": absolute_url(reverse("surveys:personal_link", kwargs={"token": raw})),
        "opt_out_url": absolute_url(reverse("surveys:opt_out", kwargs={"token": raw})),
    }


def _mail(
    *, invitation: Invitation, respondent: Respondent, survey: Survey, kind: str, key: str, raw: str
) -> OutboundMessage:
    language = respondent.language if respondent.language in survey.all_languages else survey.default_language
    subject, text, html = outbox.render_mail(
        template=f"surveys/email/{kind}",
        language=language,
        context={
            "survey": survey,
            "respondent": respondent,
            "survey_title": survey.text_in("title", language),
            "closes_at": survey.closes_at,
            **_links(raw),
        },
    )
    return OutboundMessage(
        key=key,
        to_email=respondent.email,
        subject=subject[:255],
        body_text=text,
        body_html=html,
        partnership_id=survey.partnership_id,
    )


@transaction.atomic
def invitations_send(*, survey: Survey, by: Actor, respondents: Iterable[Respondent] | None = None) -> int:
    """Invite the respondents who have no invitation yet, each with a personal link, through the outbox.

    The survey row is locked first, so two sends at once (a double click, the background task and a
    click) invite each respondent once: the second finds them invited.
    """
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.state != State.OPEN:
        raise ValidationError(_("Open the survey before sending invitations."))
    queryset = survey.respondents.filter(invitation__isnull=True, erased_at__isnull=True)
    if respondents is not None:
        queryset = queryset.filter(pk__in=[r.pk for r in respondents])
    now = timezone.now()
    chosen = list(queryset.order_by("pk"))
    invitations = Invitation.objects.bulk_create(
        [
            Invitation(survey=survey, respondent=respondent, state=InvState.SENT, sent_at=now, last_mail_at=now)
            for respondent in chosen
        ],
        batch_size=1000,
    )
    tokens = [token_new() for _invitation in invitations]
    InvitationToken.objects.bulk_create(
        [
            InvitationToken(invitation=invitation, token_hash=digest)
            for invitation, (_raw, digest) in zip(invitations, tokens, strict=True)
        ],
        batch_size=1000,
    )
    messages = [
        _mail(
            invitation=invitation,
            respondent=respondent,
            survey=survey,
            kind="invitation",
            key=f"survey:{survey.pk}:invitation:{invitation.pk}",
            raw=raw,
        )
        for invitation, respondent, (raw, _digest) in zip(invitations, chosen, tokens, strict=True)
    ]
    if messages:
        outbox.messages_enqueue_bulk(messages)
    audit_record(by=by, verb="invite", instance=survey, changes={"invited": len(messages)})
    return len(messages)


@transaction.atomic
def invitation_resend(*, invitation: Invitation, by: Actor) -> None:
    """Send one invitation again (with a fresh link; earlier links keep working)."""
    invitation = Invitation.objects.select_for_update().select_related("respondent", "survey").get(pk=invitation.pk)
    if invitation.survey.state != State.OPEN:
        raise ValidationError(_("The survey is not open."))
    if invitation.state in (InvState.SUBMITTED, InvState.OPTED_OUT):
        raise ValidationError(_("This respondent has already answered or opted out."))
    count = InvitationToken.objects.filter(invitation=invitation).count()
    raw = _new_token(invitation)
    message = _mail(
        invitation=invitation,
        respondent=invitation.respondent,
        survey=invitation.survey,
        kind="invitation",
        key=f"survey:{invitation.survey_id}:invitation:{invitation.pk}:resend{count}",
        raw=raw,
    )
    outbox.messages_enqueue_bulk([message])
    if invitation.state == InvState.BOUNCED:
        invitation.state = InvState.SENT
    invitation.last_mail_at = timezone.now()
    invitation.save(update_fields=["state", "last_mail_at"])
    audit_record(by=by, verb="resend", instance=invitation)


@transaction.atomic
def invitation_mark_bounced(*, invitation: Invitation, by: Actor) -> None:
    Invitation.objects.filter(pk=invitation.pk).exclude(state=InvState.SUBMITTED).update(state=InvState.BOUNCED)
    outbox.messages_cancel(keys_startwith=f"survey:{invitation.survey_id}:reminder:{invitation.pk}:")
    audit_record(by=by, verb="bounced", instance=invitation)


def reminders_sweep(*, now: datetime | None = None, batch: int = 2000) -> int:
    """Queue reminders that are due, to those who have not answered, opted out or bounced.

    Each (invitation, reminder number) is queued once: the outbox key carries the number, and the
    invitation's counter moves in the same transaction, with rows locked so overlapping sweeps skip them.
    """
    now = now or timezone.now()
    queued = 0
    surveys = Survey.objects.filter(state=State.OPEN).filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
    for survey in surveys:
        first_due = now - timedelta(days=survey.reminder_after_days)
        next_due = now - timedelta(days=survey.reminder_gap_days)
        due = Invitation.objects.filter(
            survey=survey, state__in=REMINDABLE, reminders_sent__lt=survey.reminder_max
        ).filter(Q(reminders_sent=0, last_mail_at__lte=first_due) | Q(reminders_sent__gt=0, last_mail_at__lte=next_due))
        while True:
            with transaction.atomic():
                locked = due.select_related("respondent").order_by("pk")
                if connection.features.has_select_for_update_skip_locked:
                    locked = locked.select_for_update(skip_locked=True, of=("self",))
                rows = list(locked[:batch])
                if not rows:
                    break
                messages = []
                for invitation in rows:
                    number = invitation.reminders_sent + 1
                    raw = _new_token(invitation)
                    messages.append(
                        _mail(
                            invitation=invitation,
                            respondent=invitation.respondent,
                            survey=survey,
                            kind="reminder",
                            key=f"survey:{survey.pk}:reminder:{invitation.pk}:{number}",
                            raw=raw,
                        )
                    )
                    invitation.reminders_sent = number
                    invitation.last_mail_at = now
                Invitation.objects.bulk_update(rows, ["reminders_sent", "last_mail_at"])
                outbox.messages_enqueue_bulk(messages)
                queued += len(messages)
    return queued


def invitation_for_token(raw: str) -> Invitation | None:
    """The invitation of a personal link, if the link may still be used (the survey has not closed)."""
    token = (
        InvitationToken.objects.select_related("invitation__survey", "invitation__respondent")
        .filter(token_hash=token_hash(raw))
        .first()
    )
    if token is None:
        return None
    invitation = token.invitation
    if invitation.state == InvState.EXPIRED or not invitation.survey.is_open:
        return None
    return invitation


@transaction.atomic
def invitation_open(*, invitation: Invitation) -> Invitation:
    if invitation.state in (InvState.PENDING, InvState.SENT, InvState.BOUNCED):
        invitation.state = InvState.OPENED
        invitation.opened_at = timezone.now()
        invitation.save(update_fields=["state", "opened_at"])
    return invitation


@transaction.atomic
def invitation_opt_out(*, invitation: Invitation) -> None:
    Invitation.objects.filter(pk=invitation.pk).exclude(state=InvState.SUBMITTED).update(state=InvState.OPTED_OUT)
    outbox.messages_cancel(keys_startwith=f"survey:{invitation.survey_id}:reminder:{invitation.pk}:")


# Answering ----------------------------------------------------------------------------------


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
        if invitation.state in (InvState.PENDING, InvState.SENT, InvState.OPENED, InvState.BOUNCED):
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


def question_visible(question: Question, answers: dict[int, Any]) -> bool:
    """A conditional question shows only when the earlier answer is the one it waits for."""
    if question.show_if_question_id is None:
        return True
    given = answers.get(question.show_if_question_id)
    if given is None:
        return False
    expected = question.show_if_value
    if isinstance(given, list):
        return expected in [str(value) for value in given]
    if isinstance(given, bool):
        return expected.lower() in (("yes", "true", "1") if given else ("no", "false", "0"))
    return str(given) == expected


def clean_answer(question: Question, raw: Any, other_text: str = "") -> Any:
    """Validate one answer; returns the value to store (None for no answer) or raises ValidationError."""
    kind = question.kind
    if isinstance(raw, str):
        raw = raw.strip()
    empty = raw in (None, "", [], {})
    if empty:
        if question.required:
            raise ValidationError(_("This question needs an answer."))
        return None
    values = {choice.value for choice in question.choices.all()}
    if kind == Question.Kind.SHORT_TEXT or kind == Question.Kind.LONG_TEXT:
        limit = SHORT_TEXT_LIMIT if kind == Question.Kind.SHORT_TEXT else TEXT_LIMIT
        text = str(raw).strip()
        if len(text) > limit:
            raise ValidationError(
                _("Please keep this answer under %(limit)d characters (it has %(count)d).")
                % {"limit": limit, "count": len(text)}
            )
        return text
    if kind == Question.Kind.NUMBER:
        try:
            number = float(str(raw).replace(",", "."))
        except ValueError as error:
            raise ValidationError(_("Enter a number.")) from error
        if not math.isfinite(number):
            raise ValidationError(_("Enter a number."))
        if question.min_value is not None and number < question.min_value:
            raise ValidationError(_("Enter a number of at least %(min)s.") % {"min": question.min_value})
        if question.max_value is not None and number > question.max_value:
            raise ValidationError(_("Enter a number of at most %(max)s.") % {"max": question.max_value})
        return int(number) if number.is_integer() else number
    if kind == Question.Kind.YES_NO:
        if str(raw) not in ("yes", "no"):
            raise ValidationError(_("Answer yes or no."))
        return str(raw) == "yes"
    if kind == Question.Kind.LIKERT:
        if str(raw) not in {"1", "2", "3", "4", "5"}:
            raise ValidationError(_("Choose a point on the scale."))
        return int(raw)
    if kind == Question.Kind.SINGLE:
        if raw == "other" and question.has_other:
            _check_other(other_text)
            return "other"
        if not isinstance(raw, str) or raw not in values:
            raise ValidationError(_("Choose one of the options."))
        return raw
    if kind == Question.Kind.MULTIPLE:
        if isinstance(raw, str):
            raw = [raw]
        chosen = list(dict.fromkeys(raw))
        if any(value not in values and not (value == "other" and question.has_other) for value in chosen):
            raise ValidationError(_("Choose among the options."))
        if "other" in chosen:
            _check_other(other_text)
        return chosen
    if kind == Question.Kind.MATRIX:
        if not isinstance(raw, dict) or any(row not in values or str(value) not in SCALE for row, value in raw.items()):
            raise ValidationError(_("Choose a point on the scale."))
        rated = {row: int(value) for row, value in raw.items()}
        if question.required and len(rated) < len(values):
            raise ValidationError(_("Please rate every row."))
        return rated
    if kind == Question.Kind.RANKING:
        # The form sends an unknown value when two options got the same rank.
        order = list(raw) if isinstance(raw, list) else [raw]
        if (
            any(value not in values for value in order)
            or len(set(order)) != len(order)
            or (question.required and len(order) != len(values))
        ):
            raise ValidationError(_("Give each option a different rank."))
        return order
    raise ValidationError(_("Unknown question type."))


def _check_other(other_text: str) -> None:
    text = other_text.strip()
    if not text:
        raise ValidationError(_("Please say what “other” is."))
    if len(text) > OTHER_TEXT_LIMIT:
        raise ValidationError(
            _("Please keep this answer under %(limit)d characters (it has %(count)d).")
            % {"limit": OTHER_TEXT_LIMIT, "count": len(text)}
        )


def _chose_other(value: Any) -> bool:
    return value == "other" or (isinstance(value, list) and "other" in value)


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
            cleaned[question.pk] = (value, other.strip() if _chose_other(value) else "")
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


def missing_required(response: Response) -> list[Question]:
    answers = dict(Answer.objects.filter(response=response).values_list("question_id", "value"))
    questions = Question.objects.filter(section__survey_id=response.survey_id).select_related("section")
    return [q for q in questions if q.required and q.pk not in answers and question_visible(q, answers)]


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
    for survey in Survey.objects.filter(closes_at__isnull=False, state__in=(State.CLOSED, State.RESULTS_PUBLISHED)):
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
