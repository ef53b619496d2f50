"""Writing to a meeting's participants: the coordinators' letter goes to an audience of the invitees, each
as one outbox mail with the meeting's details, written by a durable background job (partnership.jobs)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from meetings import workflow
from meetings.models import Meeting, Registration
from meetings.services.mail import page_links
from partnership import jobs, outbox
from partnership.models import Job, OutboundMessage
from partnership.services import Actor, absolute_url, actor_user, audit_record

LETTER_CHUNK = 200
LETTER_JOB = "meetings.services.letters.letter_job"


def letter_job_key(meeting: Meeting) -> str:
    return f"meeting:{meeting.pk}:letter"


def letter_audience(meeting: Meeting, audience: str) -> QuerySet[Registration]:
    """The registrations a letter to `audience` (a key of `workflow.LETTER_AUDIENCES`) goes to, oldest first."""
    return (
        meeting.registrations.filter(state__in=workflow.LETTER_AUDIENCES[audience][1], person__erased_at__isnull=True)
        .select_related("person")
        .order_by("pk")
    )


@transaction.atomic
def letter_request(*, meeting: Meeting, audience: str, subject: str, body: str, by: Actor) -> Job:
    """Ask for a letter to the meeting's `audience`: a job row committed with the click, which a worker turns
    into one outbox mail per recipient. A letter still being written is the one returned (one at a time)."""
    if audience not in workflow.LETTER_AUDIENCES:
        raise ValidationError({"audience": _("Choose who the letter goes to.")})
    if meeting.state in workflow.CLOSED_TO_INVITEES:
        raise ValidationError(_("Nobody can be written to about a draft or cancelled meeting."))
    if not subject.strip() or not body.strip():
        raise ValidationError(_("Give the letter a subject and a text."))
    recipients = list(letter_audience(meeting, audience).values_list("pk", flat=True))
    if not recipients:
        raise ValidationError({"audience": _("Nobody is in this group yet.")})
    job = jobs.job_request(
        kind=LETTER_JOB,
        partnership=meeting.partnership,
        by=actor_user(by),
        params={
            "meeting": meeting.pk,
            "audience": audience,
            "subject": subject.strip(),
            "body": body.strip(),
            "recipients": recipients,
        },
        key=letter_job_key(meeting),
    )
    audit_record(by=by, verb="write_to_participants", instance=meeting, changes={"audience": audience, "job": job.pk})
    return job


def _letter(*, job: Job, meeting: Meeting, registration: Registration) -> OutboundMessage:
    person = registration.person
    subject, text, html = outbox.render_mail(
        template="meetings/email/letter",
        language=person.language,
        context={
            "meeting": meeting,
            "person": person,
            "registration": registration,
            "letter_subject": job.params["subject"],
            "letter_body": job.params["body"],
            **page_links(registration, {"meeting_url": absolute_url(meeting.get_absolute_url())}),
        },
    )
    return OutboundMessage(
        key=f"meeting:{meeting.pk}:letter:{job.pk}:{registration.pk}",
        to_email=person.email,
        subject=subject[:255],
        body_text=text,
        body_html=html,
        partnership_id=meeting.partnership_id,
    )


@jobs.job_handler
def letter_job(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    """The background job behind "Write to participants": to the audience as it was when the letter was asked
    for, in chunks, each committed with its outbox rows under a key per job and registration, so a run that
    takes over after a killed worker adds only what is missing and nobody gets the letter twice."""
    meeting = Meeting.objects.select_related("partnership").get(pk=job.params["meeting"])
    ids: list[int] = job.params["recipients"]
    progress(0, len(ids))
    written = 0
    for start in range(0, len(ids), LETTER_CHUNK):
        chunk = Registration.objects.filter(pk__in=ids[start : start + LETTER_CHUNK]).select_related("person")
        with transaction.atomic():
            outbox.messages_enqueue_bulk([_letter(job=job, meeting=meeting, registration=row) for row in chunk])
        written += len(ids[start : start + LETTER_CHUNK])
        progress(written, len(ids))
    return {"written": written}
