"""Reads of meetings, scoped to what the user may see, and who may open which meeting page.

Each page about one meeting starts with an access function here (`meeting_access`, `registration_access`,
`document_access`, ...): it returns what the page is about or raises `Http404` (the user may not know it
exists) or, through `partnership.access.refuse`, a 403 (they may see it but not do this).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.contrib.sessions.backends.base import SessionBase
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings import times, viewer, workflow
from meetings.models import (
    AgendaItem,
    CalendarFeed,
    Meeting,
    MeetingDocument,
    MeetingTransition,
    Minutes,
    Registration,
    RegistrationChange,
)
from partnership import access
from partnership import selectors as partner_selectors
from partnership.models import Membership, Person
from partnership.tokens import token_hash

Vis = MeetingDocument.Visibility
MeetingNeed = Literal["view", "coordinate"]

# Where a personal link leaves, in the invitee's session, the ids of the registrations it opened.
INVITEE_SESSION_KEY = "meeting_registrations"


# Who may open what ----------------------------------------------------------------------------


def meeting_access(
    user: Any, pk: int, *, need: MeetingNeed = "view", session: SessionBase | None = None, with_viewer: bool = False
) -> Meeting:
    """The meeting `pk`, if the user may `need` it (read with what the page shows of its viewer if `with_viewer`).

    "view": a meeting the user may see, or one that a personal link kept in `session` invited them to
    (not a draft); otherwise 404. "coordinate": a visitor is sent to log in first; a meeting the user may
    not see is 404, one they may see but whose partnership they do not coordinate is 403.
    """
    if need == "coordinate":
        access.signed_in(user)
        if (meeting := meetings_visible(user).filter(pk=pk).first()) is None:
            raise Http404
        if not can_coordinate(user, meeting):
            access.refuse(user, _("Only the partnership's coordinators can do this."))
        return meeting
    shown = Meeting.objects.select_related("partnership", "host", "minutes")
    if with_viewer:
        shown = viewer.with_viewer(shown, user)
    meeting = shown.filter(pk=pk).first()
    if meeting is not None and not meeting_visible_to(user, meeting):
        meeting = None
    # The session is read only when needed, so a page it does not change does not vary by cookie.
    if meeting is None and session is not None and session.get(INVITEE_SESSION_KEY):
        invited = session[INVITEE_SESSION_KEY]
        meeting = shown.filter(pk=pk, registrations__pk__in=invited).exclude(state__in=workflow.UNPUBLISHED).first()
    if meeting is None:
        raise Http404
    return meeting


def registration_access(user: Any, pk: int, *, session: SessionBase) -> tuple[Meeting, Registration | None]:
    """The registration page of meeting `pk`: the meeting and the registration it is about.

    That is the one a personal link kept in `session` opened, else the user's own; with neither, a
    member of the partnership may register (the registration is None): a visitor is sent to log in
    whether or not the meeting exists, a meeting the user may not see is 404 as a missing one is, and
    anyone else who is not a member is 403.
    """
    meeting = Meeting.objects.select_related("partnership").filter(pk=pk).first()
    if meeting is None:
        access.signed_in(user)
        raise Http404
    registration = registration_for(user=user, meeting=meeting, session=session, link_first=True)
    if registration is None:
        access.signed_in(user)
        if not meetings_visible(user).filter(pk=meeting.pk).exists():
            raise Http404
        if partner_selectors.person_for(user) is None or not partner_selectors.is_member(user, meeting.partnership):
            access.refuse(user, _("Only invited people and members of the partnership can register."))
    return meeting, registration


def document_access(user: Any, pk: int, *, session: SessionBase | None = None) -> MeetingDocument:
    """A document of a meeting the user may see (as `meeting_access` "view"), if its visibility lets them
    see it; otherwise 404, the same as for a missing one."""
    document = MeetingDocument.objects.select_related("meeting").filter(pk=pk).first()
    if document is None:
        raise Http404
    meeting_access(user, document.meeting_id, session=session)
    if document.visibility not in document_visibilities(user=user, meeting=document.meeting):
        raise Http404
    return document


def personal_link_access(token: str) -> Registration:
    """The registration a personal link opens (the invitation's, or a reminder's), while the link works;
    a guessed, expired or cancelled link is the same 404."""
    digest = token_hash(token)
    registration = (
        Registration.objects.select_related("meeting")
        .filter(Q(token_hash=digest) | Q(reminder_links__token_hash=digest))
        .first()
    )
    if registration is None or not personal_link_works(registration.meeting):
        raise Http404
    return registration


def ticket_access(user: Any, token: str) -> Registration:
    """The registration a QR ticket names, for a coordinator of its meeting. A visitor is sent to log in;
    for anyone else the ticket is a 404, as a guessed one is, so it shows nothing without that session."""
    access.signed_in(user)
    registration = ticket_registration(token)
    if registration is None or not can_coordinate(user, registration.meeting):
        raise Http404
    return registration


def ticket_registration(scanned: str) -> Registration | None:
    """The registration whose QR ticket was scanned (the code's address, or its bare token), if any."""
    token = scanned.strip().rstrip("/").rsplit("/", 1)[-1][:100]
    if not token:
        return None
    found = Registration.objects.select_related("meeting", "person__organisation")
    return found.filter(check_in_hash=token_hash(token)).first()


def personal_link_works(meeting: Meeting) -> bool:
    """A link works until the registration deadline (or the meeting's end), and not while the meeting is
    a draft or once it is cancelled."""
    if meeting.state in workflow.CLOSED_TO_INVITEES:
        return False
    limit = meeting.registration_deadline or meeting.ends_at
    return timezone.now() <= limit


def calendar_feed_access(token: str) -> CalendarFeed:
    """The feed a calendar-feed address names, unless it was revoked; any other address is 404."""
    feed = (
        CalendarFeed.objects.filter(token_hash=token_hash(token), revoked_at__isnull=True)
        .select_related("person")
        .first()
    )
    if feed is None:
        raise Http404
    return feed


def calendar_feeds_access(user: Any) -> Person:
    """The person whose feed addresses the user manages: their own; a visitor is sent to log in, and an
    account without a person in the partner records is 403."""
    access.signed_in(user)
    person = partner_selectors.person_for(user)
    if person is None:
        access.refuse(user, _("Your account is not linked to a person in the partner records."))
    return person


def can_coordinate(user: Any, meeting: Meeting) -> bool:
    """Whether the user coordinates the meeting's partnership (a superuser coordinates all)."""
    return partner_selectors.coordinates(user, meeting.partnership_id)


# Meetings -------------------------------------------------------------------------------------


def meetings_visible(user: Any) -> QuerySet[Meeting]:
    """Meetings of the user's partnerships (drafts only for their coordinators) and public ones."""
    published = ~Q(state__in=workflow.UNPUBLISHED)
    public = Q(is_public=True, partnership_id__in=partner_selectors.public_partnership_ids()) & published
    if not getattr(user, "is_authenticated", False):
        return Meeting.objects.filter(public)
    if user.is_superuser:
        return Meeting.objects.all()
    member = partner_selectors.member_partnership_ids(user)
    coordinated = Q(partnership_id__in=partner_selectors.coordinated_partnership_ids(user))
    return Meeting.objects.filter(coordinated | (published & Q(partnership_id__in=member)) | public)


def meeting_visible_to(user: Any, meeting: Meeting) -> bool:
    """Whether `meetings_visible(user)` holds the meeting, decided from the meeting (with its partnership) and
    the user's roles read once per request, rather than in a query of its own."""
    published = meeting.state not in workflow.UNPUBLISHED
    if published and meeting.is_public and meeting.partnership.is_public:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    if published:
        return partner_selectors.is_member(user, meeting.partnership)
    return partner_selectors.coordinates(user, meeting.partnership_id)


def meetings_coordinated(user: Any) -> QuerySet[Meeting]:
    return Meeting.objects.filter(partnership__in=partner_selectors.partnerships_coordinated(user))


def participant_user_ids(meeting: Meeting) -> list[int]:
    """The accounts of the meeting's participants: everyone invited who has not declined or cancelled."""
    registrations = meeting.registrations.exclude(state__in=workflow.WITHDRAWN).filter(person__user__isnull=False)
    return list(registrations.values_list("person__user", flat=True))


def meetings_managed_access(user: Any, slug: str = "") -> QuerySet[Meeting]:
    """The coordinators' list of meetings: those of the partnerships the user coordinates, or of the one named
    by `slug`. A visitor is sent to log in; a user who coordinates nothing, or not that partnership while a
    member of it, is 403; a partnership they may not see is 404."""
    access.signed_in(user)
    coordinated = partner_selectors.partnerships_coordinated(user)
    meetings = Meeting.objects.filter(partnership__in=coordinated.values("pk"))
    if slug:
        partnership = partner_selectors.partnership_access(user, slug)
        if not coordinated.filter(pk=partnership.pk).exists():
            access.refuse(user, _("Only the partnership's coordinators can do this."))
        meetings = meetings.filter(partnership=partnership)
    elif not coordinated.exists():
        access.refuse(user, _("Only the partnership's coordinators can do this."))
    return meetings.select_related("partnership").order_by("-starts_at", "pk")


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
    """The agenda by the venue's day and parallel slot, in four queries whatever its length.

    Items that start at the same time share a slot (they run in parallel). An item whose time is to be
    confirmed has a slot of its own after the day's timed items, in its order field: its placeholder
    time says nothing about what runs beside it.

    Speakers and documents are read with one query each and grouped here, rather than prefetched
    per item, which costs a queryset per row on long agendas.
    """
    zone = meeting.zone

    def place(item: AgendaItem) -> tuple[Any, ...]:
        when = (item.position, item.starts_at) if item.time_to_be_confirmed else (item.starts_at, item.position)
        return (item.starts_at.astimezone(zone).date(), item.time_to_be_confirmed, *when, item.pk)

    items = sorted(meeting.agenda_items.all(), key=place)
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
    rows = []
    for item in items:
        rows.append(
            AgendaRow(
                item=item,
                time=times.agenda_item_time(item, meeting),
                kind=str(kinds.get(item.kind, item.kind)),
                speakers=", ".join([*speakers.get(item.pk, []), *item.other_speaker_names]),
                documents=documents.get(item.pk, []),
                actions=discussed.get(item.pk, []),
                proposed=proposed.get(item.pk, 0),
            )
        )
    days: dict[Any, list[list[AgendaRow]]] = {}
    for row in rows:
        slots = days.setdefault(row.item.starts_at.astimezone(zone).date(), [])
        previous = slots[-1][0].item if slots else None
        if (
            previous is not None
            and not (previous.time_to_be_confirmed or row.item.time_to_be_confirmed)
            and previous.starts_at == row.item.starts_at
        ):
            slots[-1].append(row)
        else:
            slots.append([row])
    return list(days.items())


# Documents ------------------------------------------------------------------------------------


def document_visibilities(*, user: Any, meeting: Meeting) -> list[str]:
    """The visibilities of the meeting's documents the user may see."""
    if not getattr(user, "is_authenticated", False):
        return [Vis.PUBLIC]
    if partner_selectors.coordinates(user, meeting.partnership_id):
        return [Vis.PUBLIC, Vis.MEMBERS, Vis.COORDINATORS]
    if partner_selectors.is_member(user, meeting.partnership):
        return [Vis.PUBLIC, Vis.MEMBERS]
    return [Vis.PUBLIC]


def documents_of_the_meeting(*, meeting: Meeting, visibilities: Iterable[str]) -> QuerySet[MeetingDocument]:
    """Documents of the whole meeting rather than of one agenda item, of the given visibilities."""
    return meeting.documents.filter(agenda_item__isnull=True, visibility__in=list(visibilities)).order_by(
        "kind", "title"
    )


# The meeting page and the coordinators' page -----------------------------------------------------


def linked_meetings_visible(*, user: Any, meeting: Meeting) -> list[Meeting]:
    """The meetings linked with this one that the user may see."""
    linked = meeting.linked_meetings.select_related("partnership")
    return [other for other in linked if meeting_visible_to(user, other)]


def minutes_of(meeting: Meeting) -> Minutes | None:
    return Minutes.objects.filter(meeting=meeting).first()


def meeting_history(meeting: Meeting) -> list[tuple[MeetingTransition, str, str]]:
    """The meeting's state changes, oldest first, each with the labels of the states it went from and to."""
    labels = dict(Meeting.State.choices)
    return [
        (
            change,
            str(labels.get(change.from_state, change.from_state)),
            str(labels.get(change.to_state, change.to_state)),
        )
        for change in meeting.transitions.select_related("by__person")
    ]


def held_undo_until(meeting: Meeting) -> Any:
    """Until when marking the meeting held may be undone, if it is held and that time has not passed; else None."""
    if meeting.state != Meeting.State.HELD:
        return None
    held = meeting.transitions.filter(to_state=Meeting.State.HELD).order_by("-at", "-pk").first()
    until = held.at + workflow.undo_period() if held else None
    return until if until and until > timezone.now() else None


def no_shows_to_be(meeting: Meeting) -> int:
    """How many registered people would become no-shows if the meeting were marked held now."""
    return meeting.registrations.filter(state__in=workflow.NO_SHOW_FROM).count()


def registration_counts_by_state(meeting: Meeting) -> dict[str, int]:
    """How many of the meeting's registrations are in each state (every state, in workflow order), in one query."""
    counts = dict.fromkeys(Registration.State.values, 0)
    for state, count in meeting.registrations.order_by().values_list("state").annotate(n=Count("pk")):
        counts[state] = count
    return counts


def registration_counts(meeting: Meeting, by_state: dict[str, int] | None = None) -> list[tuple[str, int]]:
    """How many of the meeting's registrations are in each state, labelled (every state listed, in workflow
    order); from `by_state` when the caller has read it already."""
    counts = registration_counts_by_state(meeting) if by_state is None else by_state
    return [(str(Registration.State(state).label), count) for state, count in counts.items()]


# Registrations and invitations --------------------------------------------------------------------


def registration_of(*, user: Any, meeting: Meeting) -> Registration | None:
    """The user's own registration for the meeting, through their person in the partner records (or as
    `viewer.with_viewer` read it with the meeting)."""
    if (read := viewer.registration_read_with(meeting, user)) is not viewer.NOT_READ:
        return read
    if (person := partner_selectors.person_for(user)) is None:
        return None
    return Registration.objects.filter(meeting=meeting, person=person).first()


def registration_opened_by_link(*, session: SessionBase, meeting: Meeting) -> Registration | None:
    """The registration for the meeting that a personal link kept in the session opened."""
    if not (ids := session.get(INVITEE_SESSION_KEY, [])):
        return None
    return Registration.objects.filter(pk__in=ids, meeting=meeting).select_related("person").first()


def registration_for(
    *, user: Any, meeting: Meeting, session: SessionBase, link_first: bool = False
) -> Registration | None:
    """The registration a page about the meeting is about: the user's own or the one their personal link
    opened. The registration page puts the link first (an invitee answers for the invited person); the
    meeting page the user's own."""
    if link_first:
        return registration_opened_by_link(session=session, meeting=meeting) or registration_of(
            user=user, meeting=meeting
        )
    return registration_of(user=user, meeting=meeting) or registration_opened_by_link(session=session, meeting=meeting)


def registrations_open_for(user: Any) -> QuerySet[Registration]:
    """The user's invitations and registrations for meetings still to come (for the home page)."""
    person = partner_selectors.person_for(user)
    if person is None:
        return Registration.objects.none()
    return (
        Registration.objects.filter(person=person, meeting__ends_at__gte=timezone.now())
        .exclude(meeting__state__in=workflow.CLOSED_TO_INVITEES)
        .select_related("meeting")
        .order_by("meeting__starts_at")
    )


def waitlist(meeting: Meeting) -> QuerySet[Registration]:
    """The meeting's waitlist in the order places go to it: first registered, first served."""
    return (
        meeting.registrations.filter(state=Registration.State.WAITLISTED)
        .select_related("person", "person__organisation")
        .order_by("registered_at", "pk")
    )


def participants(meeting: Meeting) -> QuerySet[Registration]:
    return meeting.registrations.select_related("person", "person__organisation", "travel").order_by("person__name")


def participant_list(*, meeting: Meeting, show: str = "", query: str = "") -> QuerySet[Registration]:
    """The meeting's invitees for the manage page, by name: `show` names one of the workflow's participant
    filters (anything else shows everyone), `query` matches a name, an e-mail or an organisation. Each
    row carries who invited the person (`invited_by`, their name in the partner records or else their
    login), read in the same query."""
    first_change = RegistrationChange.objects.filter(registration=OuterRef("pk"), from_state="").order_by("at", "pk")
    registrations = participants(meeting).annotate(
        invited_by=Subquery(first_change.values("by__person__name")[:1]),
        invited_by_login=Subquery(first_change.values("by__username")[:1]),
    )
    if show in workflow.PARTICIPANT_FILTERS:
        registrations = registrations.filter(state__in=workflow.PARTICIPANT_FILTERS[show][1])
    if query:
        registrations = registrations.filter(
            Q(person__name__icontains=query)
            | Q(person__email__icontains=query)
            | Q(person__organisation__name__icontains=query)
        )
    return registrations


def participant_filter_counts(by_state: dict[str, int]) -> list[tuple[str, str, int]]:
    """Each participant filter of the manage page with its count: (name, label, count), from the counts
    of `registration_counts_by_state`."""
    return [
        (name, str(label), sum(by_state.get(state, 0) for state in states))
        for name, (label, states) in workflow.PARTICIPANT_FILTERS.items()
    ]


def check_in_list(*, meeting: Meeting, query: str = "") -> QuerySet[Registration]:
    """The people who may be checked in at the door, by name; `query` matches a name or an organisation."""
    registrations = participants(meeting).filter(state__in=workflow.AT_THE_DOOR)
    if query:
        registrations = registrations.filter(
            Q(person__name__icontains=query) | Q(person__organisation__name__icontains=query)
        )
    return registrations


def attended_count(meeting: Meeting) -> int:
    return meeting.registrations.filter(state=Registration.State.ATTENDED).count()


def people_to_invite(meeting: Meeting) -> QuerySet[Person]:
    """People of the organisations that are or were members of the meeting's partnership, not erased and
    not invited yet."""
    return (
        Person.objects.filter(organisation__memberships__partnership=meeting.partnership, erased_at__isnull=True)
        .exclude(pk__in=meeting.registrations.values("person"))
        .select_related("organisation")
        .distinct()
        .order_by("name")
    )


def people_with_roles(*, meeting: Meeting, roles: Iterable[str]) -> QuerySet[Person]:
    """People of organisations that hold one of the roles in the meeting's partnership today."""
    today = timezone.localdate()
    memberships = Membership.objects.filter(
        partnership=meeting.partnership, role__in=list(roles), since__lte=today
    ).filter(Q(until__isnull=True) | Q(until__gte=today))
    return Person.objects.filter(
        organisation__in=memberships.values("organisation"), erased_at__isnull=True
    ).select_related("organisation")


# Calendar feeds -------------------------------------------------------------------------------------


def calendar_feeds_active(person: Person) -> QuerySet[CalendarFeed]:
    return CalendarFeed.objects.filter(person=person, revoked_at__isnull=True)


def calendar_feed_of(*, person: Person, pk: Any) -> CalendarFeed:
    """One of the person's own feeds (revoked or not); another's is 404."""
    feed = CalendarFeed.objects.filter(pk=access.posted_id(pk), person=person).first()
    if feed is None:
        raise Http404
    return feed


def calendar_feed_meetings(feed: CalendarFeed) -> tuple[list[Meeting], set[int]]:
    """The published meetings the feed's person is invited to or registered for and has not withdrawn
    from, and the ids of those where they hold a place (whose join link the feed may show)."""
    registrations = (
        Registration.objects.filter(person=feed.person)
        .exclude(state__in=workflow.WITHDRAWN)
        .exclude(meeting__state__in=workflow.UNPUBLISHED)
        .select_related("meeting")
    )
    meetings = [registration.meeting for registration in registrations]
    holding = {registration.meeting_id for registration in registrations if registration.holds_place}
    return meetings, holding
