"""Reads of meetings, scoped to what the user may see."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from meetings.models import AgendaItem, Meeting, MeetingDocument, Registration
from partnership import selectors as partner_selectors

Vis = MeetingDocument.Visibility


def meetings_visible(user: Any) -> QuerySet[Meeting]:
    """Meetings of the user's partnerships (drafts only for their coordinators) and public ones."""
    public = Q(is_public=True, partnership__is_public=True) & ~Q(state=Meeting.State.DRAFT)
    if not getattr(user, "is_authenticated", False):
        return Meeting.objects.filter(public)
    if user.is_superuser:
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


@dataclass
class AgendaRow:
    """What the meeting page shows of one agenda item, prepared so the template does little per row."""

    item: AgendaItem
    time: str
    kind: str
    speakers: str
    documents: list[MeetingDocument] = field(default_factory=list)
    actions: list[tuple[int, str]] = field(default_factory=list)
    proposed: int = 0


def agenda_version(meeting: Meeting) -> str:
    """A fingerprint of everything the agenda shows, read in one query: it keys the cached agenda.

    It changes when an item, a document or a linked action is added, removed or edited, and when the
    meeting is rescheduled (its sequence rises).
    """

    def latest(queryset: QuerySet[Any], outer: str, field: str) -> Subquery:
        return Subquery(
            queryset.filter(**{outer: OuterRef("pk")}).order_by().values(outer).annotate(v=Max(field)).values("v")[:1]
        )

    def count(queryset: QuerySet[Any], outer: str) -> Subquery:
        return Subquery(
            queryset.filter(**{outer: OuterRef("pk")}).order_by().values(outer).annotate(v=Count("pk")).values("v")[:1]
        )

    discussed = AgendaItem.actions_discussed.through.objects.all()
    values = (
        Meeting.objects.filter(pk=meeting.pk)
        .annotate(
            n_items=count(AgendaItem.objects.all(), "meeting"),
            items_at=latest(AgendaItem.objects.all(), "meeting", "updated_at"),
            n_documents=count(MeetingDocument.objects.all(), "meeting"),
            documents_at=latest(MeetingDocument.objects.all(), "meeting", "updated_at"),
            n_links=count(discussed, "agendaitem__meeting"),
            discussed_at=latest(discussed, "agendaitem__meeting", "action__updated_at"),
            proposed_at=latest(AgendaItem.objects.all(), "meeting", "actions_proposed__updated_at"),
        )
        .values_list(
            "sequence", "n_items", "items_at", "n_documents", "documents_at", "n_links", "discussed_at", "proposed_at"
        )
        .get()
    )
    return hashlib.sha256(repr(values).encode()).hexdigest()[:32]


def agenda_rows(*, meeting: Meeting, visibilities: list[str]) -> list[tuple[Any, list[list[AgendaRow]]]]:
    """The agenda by local day and parallel slot, in four queries whatever its length.

    Speakers and documents are read with one query each and grouped here, rather than prefetched
    per item, which costs a queryset per row on long agendas.
    """
    items = list(meeting.agenda_items.order_by("starts_at", "position", "id"))
    ids = [item.pk for item in items]
    speakers: dict[int, list[str]] = defaultdict(list)
    people = AgendaItem.speakers.through.objects.filter(agendaitem_id__in=ids).order_by("person__name")
    for item_id, name, short_name, organisation in people.values_list(
        "agendaitem_id", "person__name", "person__organisation__short_name", "person__organisation__name"
    ):
        speakers[item_id].append(f"{name} ({short_name or organisation})")
    organisations = AgendaItem.speaker_organisations.through.objects.filter(agendaitem_id__in=ids)
    for item_id, name in organisations.order_by("organisation__name").values_list(
        "agendaitem_id", "organisation__name"
    ):
        speakers[item_id].append(name)
    documents: dict[int, list[MeetingDocument]] = defaultdict(list)
    for document in meeting.documents.filter(agenda_item__isnull=False, visibility__in=visibilities).order_by("title"):
        documents[document.agenda_item_id].append(document)  # type: ignore[index]
    # Actions link to agenda items (the actions app depends on meetings, not the other way round):
    # read through the reverse relations, never showing drafts.
    discussed: dict[int, list[tuple[int, str]]] = defaultdict(list)
    links = AgendaItem.actions_discussed.through.objects.filter(agendaitem_id__in=ids).exclude(action__state="draft")
    for item_id, action_id, code, title in links.order_by("action__code", "action__title").values_list(
        "agendaitem_id", "action_id", "action__code", "action__title"
    ):
        discussed[item_id].append((action_id, f"{code} {title}".strip()))
    proposed = dict(
        meeting.agenda_items.annotate(n=Count("actions_proposed", filter=~Q(actions_proposed__state="draft")))
        .filter(n__gt=0)
        .values_list("pk", "n")
    )
    kinds = dict(AgendaItem.Kind.choices)
    zone = meeting.zone
    rows = []
    for item in items:
        starts, ends = item.starts_at.astimezone(zone), item.ends_at.astimezone(zone)
        rows.append(
            AgendaRow(
                item=item,
                time=f"{starts:%H:%M}–{ends:%H:%M}",
                kind=str(kinds.get(item.kind, item.kind)),
                speakers=", ".join(speakers.get(item.pk, [])),
                documents=documents.get(item.pk, []),
                actions=discussed.get(item.pk, []),
                proposed=proposed.get(item.pk, 0),
            )
        )
    days: dict[Any, list[list[AgendaRow]]] = {}
    for row in rows:
        slots = days.setdefault(row.item.starts_at.astimezone(zone).date(), [])
        if slots and slots[-1][0].item.starts_at == row.item.starts_at:
            slots[-1].append(row)
        else:
            slots.append([row])
    return list(days.items())


def document_visibilities(*, user: Any, meeting: Meeting) -> list[str]:
    if not getattr(user, "is_authenticated", False):
        return [Vis.PUBLIC]
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
