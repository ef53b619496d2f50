"""Thin Celery tasks for surveys."""

from celery import shared_task
from django.contrib.auth import get_user_model

from surveys import exports, services
from surveys.models import Survey, SurveyExport


@shared_task(ignore_result=True)
def reminders_sweep() -> int:
    """Queue due survey reminders (Beat runs it every minute); overlapping runs skip locked rows."""
    return services.reminders_sweep()


@shared_task(ignore_result=True)
def erase_expired_respondents() -> int:
    return services.respondents_erase_expired()


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def survey_export_run(export_id: int) -> None:
    """Write one background export; a second run of a finished export does nothing, and the run that
    takes over from a worker that died (late acknowledgement) writes it again from the start."""
    export = SurveyExport.objects.select_related("survey").filter(pk=export_id).first()
    if export is not None:
        exports.export_run(export=export)


@shared_task(ignore_result=True)
def survey_exports_sweep() -> int:
    """Hand lost and abandoned background exports to workers again (Beat, every 20 s)."""
    return exports.exports_sweep()


@shared_task(ignore_result=True)
def survey_exports_purge() -> int:
    """Delete export files past their retention (for Beat, daily)."""
    return exports.exports_purge_expired()


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def invitations_send(survey_id: int, user_id: int | None) -> int:
    """Invite a long respondent list outside the request; running it twice invites nobody twice."""
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return services.invitations_send(survey=Survey.objects.get(pk=survey_id), by=user)
