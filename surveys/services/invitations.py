"""Respondents and their invitations: adding them, sending invitations with personal links, resends, reminders,
bounces and opting out. Every mail goes through the outbox."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from partnership import jobs, outbox
from partnership.models import Job, OutboundMessage
from partnership.services import Actor, absolute_url, actor_user, audit_record
from partnership.tokens import token_new
from surveys import workflow
from surveys.models import Invitation, InvitationToken, Respondent, Survey

InvState = Invitation.State

# Above this many new respondents the invitations are written by a worker, not inside the request.
INVITE_IN_REQUEST_LIMIT = 1000
# A background job invites this many respondents per transaction, reporting its progress after each.
INVITE_CHUNK = 200


@transaction.atomic
def respondent_add(*, survey: Survey, by: Actor, name: str, email: str, **fields: Any) -> Respondent:
    """Add one respondent to the survey's list, in one of the survey's languages."""
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
            "owner_name": survey.owner_name_in(language),
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
    if survey.state not in workflow.INVITING:
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


def invitations_job_key(survey: Survey) -> str:
    return f"survey:{survey.pk}:invitations"


def invitations_dispatch(*, survey: Survey, by: Actor) -> tuple[int, bool]:
    """Invite the respondents not invited yet: at once for a list up to `INVITE_IN_REQUEST_LIMIT`, else through a
    background job committed with the click (a second click while it runs finds the same job). Returns how many
    are invited, or are to be invited, and whether a job does it."""
    waiting = survey.respondents.filter(invitation__isnull=True, erased_at__isnull=True).count()
    if waiting <= INVITE_IN_REQUEST_LIMIT:
        return invitations_send(survey=survey, by=by), False
    if survey.state not in workflow.INVITING:
        raise ValidationError(_("Open the survey before sending invitations."))
    jobs.job_request(
        kind="surveys.services.invitations.invitations_job",
        partnership=survey.partnership,
        by=actor_user(by),
        params={"survey": survey.pk},
        key=invitations_job_key(survey),
    )
    return waiting, True


@jobs.job_handler
def invitations_job(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    """The background job behind "Send invitations": invite in chunks, each committed with its outbox rows, so
    a worker killed midway leaves whole chunks, and the run that takes over invites only those still waiting."""
    survey = Survey.objects.get(pk=job.params["survey"])
    waiting = survey.respondents.filter(invitation__isnull=True, erased_at__isnull=True).order_by("pk")
    remaining = waiting.count()
    total = max(job.total, remaining)  # a run that takes over keeps the first run's total
    done = total - remaining
    progress(done, total)
    while chunk := list(waiting[:INVITE_CHUNK]):
        done += invitations_send(survey=survey, by=job.requested_by, respondents=chunk)
        total = max(total, done + waiting.count())  # respondents added meanwhile are invited too
        progress(done, total)
    return {"invited": done}


@transaction.atomic
def invitation_resend(*, invitation: Invitation, by: Actor) -> None:
    """Send one invitation again (with a fresh link; earlier links keep working)."""
    invitation = Invitation.objects.select_for_update().select_related("respondent", "survey").get(pk=invitation.pk)
    if invitation.survey.state not in workflow.INVITING:
        raise ValidationError(_("The survey is not open."))
    if invitation.state in workflow.NO_RESEND:
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
    """The address bounced: no more reminders go to it (a resend may try it again)."""
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
    surveys = Survey.objects.filter(state__in=workflow.INVITING).filter(
        Q(closes_at__isnull=True) | Q(closes_at__gt=now)
    )
    for survey in surveys:
        first_due = now - timedelta(days=survey.reminder_after_days)
        next_due = now - timedelta(days=survey.reminder_gap_days)
        due = Invitation.objects.filter(
            survey=survey, state__in=workflow.REMINDABLE, reminders_sent__lt=survey.reminder_max
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


@transaction.atomic
def invitation_open(*, invitation: Invitation) -> Invitation:
    """Mark the invitation opened when its personal link is followed (once; later states stay)."""
    if invitation.state in workflow.OPENS_FROM:
        invitation.state = InvState.OPENED
        invitation.opened_at = timezone.now()
        invitation.save(update_fields=["state", "opened_at"])
    return invitation


@transaction.atomic
def invitation_opt_out(*, invitation: Invitation) -> None:
    """No more mail to this respondent about the survey: unsent reminders are cancelled."""
    Invitation.objects.filter(pk=invitation.pk).exclude(state=InvState.SUBMITTED).update(state=InvState.OPTED_OUT)
    outbox.messages_cancel(keys_startwith=f"survey:{invitation.survey_id}:reminder:{invitation.pk}:")
