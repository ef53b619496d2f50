"""Thin Celery tasks for surveys."""

from celery import shared_task

from surveys import exports, services
from surveys.models import SurveyExport


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
def survey_exports_purge() -> int:
    """Delete export files past their retention (for Beat, daily)."""
    return exports.exports_purge_expired()
