"""Reads of meetings, scoped to what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from meetings.models import AgendaItem, Meeting, MeetingDocument, Registration
from partnership import selectors as partner_selectors
from partnership.models import Person

Vis = MeetingDocument.Visibility


def meetings_visible(user: Any) -> QuerySet[Meeting]:
    """Meetings of the user's partnerships (drafts only for their coordinators) and public ones."""
    if getattr(user, "is_superuser", False):
        return Meeting.objects.all()
    member = partner_selectors.partnerships_member_of(user).values("pk")
    coordinated = partner_selectors.partnerships_coordinated(user).values("pk")
    published = ~Q(state=Meeting.State.DRAFT)
    return Meeting.objects.filter(
        Q(partnership__in=coordinated)
        | (published & Q(partnership__in=member))
        | (published & Q(is_public=True, partnership__is_public=True))
    )


def meetings_coordinated(user: Any) -> QuerySet[Meeting]:
    return Meeting.objects.filter(partnership__in=partner_selectors.partnerships_coordinated(user))


def meeting_list(*, user: Any, past: bool) -> QuerySet[Meeting]:
    now = timezone.now()
    queryset = meetings_visible(user).select_related("partnership", "host")
    if past:
        return queryset.filter(ends_at__lt=now).order_by("-starts_at")
    return queryset.filter(ends_at__gte=now).order_by("starts_at")


def meeting_agenda(meeting: Meeting) -> QuerySet[AgendaItem]:
    return meeting.agenda_items.prefetch_related(
        Prefetch("speakers", queryset=Person.objects.select_related("organisation")),
        "speaker_organisations",
        Prefetch("documents", queryset=MeetingDocument.objects.order_by("title")),
    )


def agenda_by_day(meeting: Meeting, items: list[AgendaItem]) -> list[tuple[Any, list[list[AgendaItem]]]]:
    """Items grouped by local day, and within a day into slots of items that run side by side."""
    days: dict[Any, list[list[AgendaItem]]] = {}
    for item in items:
        day = meeting.local(item.starts_at).date()
        slots = days.setdefault(day, [])
        if slots and slots[-1][0].starts_at == item.starts_at:
            slots[-1].append(item)
        else:
            slots.append([item])
    return list(days.items())


def document_visibilities(*, user: Any, meeting: Meeting) -> list[str]:
    if partner_selectors.partnerships_coordinated(user).filter(pk=meeting.partnership_id).exists():
        return [Vis.PUBLIC, Vis.MEMBERS, Vis.COORDINATORS]
    if partner_selectors.is_member(user, meeting.partnership):
        return [Vis.PUBLIC, Vis.MEMBERS]
    return [Vis.PUBLIC]


def documents_visible(*, user: Any, meeting: Meeting) -> QuerySet[MeetingDocument]:
    return meeting.documents.filter(visibility__in=document_visibilities(user=user, meeting=meeting))


def registration_of(*, user: Any, meeting: Meeting) -> Registration | None:
    person = partner_selectors.person_for(user)
    if person is None:
        return None
    return Registration.objects.filter(meeting=meeting, person=person).first()


def registrations_open_for(user: Any) -> QuerySet[Registration]:
    """The user's invitations and registrations for meetings still to come (for the home page)."""
    person = partner_selectors.person_for(user)
    if person is None:
        return Registration.objects.none()
    return (
        Registration.objects.filter(person=person, meeting__ends_at__gte=timezone.now())
        .exclude(meeting__state__in=(Meeting.State.DRAFT, Meeting.State.CANCELLED))
        .select_related("meeting", "meeting__partnership")
        .order_by("meeting__starts_at")
    )


def participants(meeting: Meeting) -> QuerySet[Registration]:
    return meeting.registrations.select_related("person", "person__organisation").order_by("person__name")
