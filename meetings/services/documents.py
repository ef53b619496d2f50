"""A meeting's documents and minutes."""

from __future__ import annotations

from typing import Any

import nh3
from django.db import transaction

from meetings.models import AgendaItem, Meeting, MeetingDocument, Minutes
from meetings.services.meetings import meeting_tell, meeting_transition
from partnership.documents import document_file
from partnership.models import Notification
from partnership.services import Actor, actor_user, record_delete, record_save

State = Meeting.State


@transaction.atomic
def document_add(
    *,
    meeting: Meeting,
    by: Actor,
    title: str,
    kind: str,
    visibility: str,
    file: Any,
    agenda_item: AgendaItem | None = None,
) -> MeetingDocument:
    """Upload a document to a meeting (or one of its agenda items), checked and audited."""
    document = MeetingDocument(
        meeting=meeting,
        agenda_item=agenda_item,
        title=title,
        kind=kind,
        visibility=visibility,
        uploaded_by=actor_user(by),
        **document_file(file),
    )
    record_save(instance=document, by=by)
    if visibility != MeetingDocument.Visibility.COORDINATORS:
        meeting_tell(meeting=meeting, kind=Notification.Kind.MEETING_DOCUMENT, event=f"document:{document.pk}", by=by)
    return document


@transaction.atomic
def document_save(*, document: MeetingDocument, by: Actor) -> MeetingDocument:
    """Validate and save a document edited with its meeting (its file already checked by the form), audited;
    a new one is recorded as uploaded by the acting user. The invitees are told as of an upload when it is
    published: added for more than the coordinators, or opened to more than them (once per document)."""
    coordinators_only = MeetingDocument.Visibility.COORDINATORS
    if document.pk is None:
        was_published = False
        if document.uploaded_by_id is None:
            document.uploaded_by = actor_user(by)
    else:
        before = MeetingDocument.objects.filter(pk=document.pk).values_list("visibility", flat=True).first()
        was_published = before is not None and before != coordinators_only
    record_save(instance=document, by=by)
    if not was_published and document.visibility != coordinators_only:
        meeting_tell(
            meeting=document.meeting,
            kind=Notification.Kind.MEETING_DOCUMENT,
            event=f"document:{document.pk}",
            by=by,
        )
    return document


def document_delete(*, document: MeetingDocument, by: Actor) -> None:
    record_delete(instance=document, by=by)


MINUTES_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


def sanitise_html(html: str) -> str:
    """Keep the simple formatting minutes need (paragraphs, lists, headings, tables, links); drop the rest."""
    return nh3.clean(html, tags=MINUTES_TAGS, attributes={"a": {"href"}}, link_rel="noopener noreferrer")


@transaction.atomic
def minutes_save(*, meeting: Meeting, body: str, decisions: str, follow_ups: str, by: Actor) -> Minutes:
    """Write or rewrite the meeting's minutes, sanitised; they stay unpublished until `minutes_publish`."""
    minutes, _created = Minutes.objects.get_or_create(meeting=meeting, defaults={"body": ""})
    minutes.body = sanitise_html(body)
    minutes.decisions = sanitise_html(decisions)
    minutes.follow_ups = sanitise_html(follow_ups)
    record_save(instance=minutes, by=by)
    return minutes


def minutes_publish(*, meeting: Meeting, by: Actor) -> Meeting:
    """Publish the minutes (the meeting's last move): stamped, and the attendees told."""
    return meeting_transition(meeting=meeting, to_state=State.MINUTES_PUBLISHED, by=by)
