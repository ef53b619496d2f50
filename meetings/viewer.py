"""What the meeting page reads about its signed-in viewer in the meeting's own query: whether they follow the
meeting, and the id and state of their registration (the page shows no more of it), rather than in two queries."""

from __future__ import annotations

from typing import Any

from django.db.models import F, FilteredRelation, Q, QuerySet

from meetings.models import Meeting, Registration
from partnership import notification_selectors
from partnership import selectors as partner_selectors

NOT_READ = object()


def with_viewer(meetings: QuerySet[Meeting], user: Any) -> QuerySet[Meeting]:
    """The meetings, each read with what `follows` and `registration_read_with` then give without a query."""
    if not getattr(user, "is_authenticated", False):
        return meetings
    meetings = meetings.annotate(**{notification_selectors.FOLLOWED: notification_selectors.followed_by(user, Meeting)})
    person = partner_selectors.person_for(user)
    if person is None:
        return meetings
    mine = FilteredRelation("registrations", condition=Q(registrations__person_id=person.pk))
    return meetings.annotate(viewer_registrations=mine).annotate(
        viewer_registration_id=F("viewer_registrations__id"),
        viewer_registration_state=F("viewer_registrations__state"),
    )


def registration_read_with(meeting: Meeting, user: Any) -> Any:
    """The user's registration as `with_viewer(..., user)` read it (its id and state, the rest read when asked),
    None if they have none, or NOT_READ if the meeting was not read so."""
    pk = getattr(meeting, "viewer_registration_id", NOT_READ)
    if pk is NOT_READ or pk is None:
        return pk
    person = partner_selectors.person_for(user)
    read = {
        "id": pk,
        "meeting_id": meeting.pk,
        "person_id": person.pk if person else None,
        "state": getattr(meeting, "viewer_registration_state"),  # noqa: B009  # an annotation, unknown to mypy
    }
    # from_db takes the values in the model's order of fields.
    names = [field.attname for field in Registration._meta.concrete_fields if field.attname in read]
    registration = Registration.from_db(meeting._state.db, names, [read[name] for name in names])
    registration.meeting = meeting
    return registration
