"""Reads of actions, scoped to what the user may see; the access checks of the action pages and the
predicates they rest on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.db.models import Avg, Count, Max, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries as django_countries

from actions import search as action_search
from actions import workflow
from actions.models import Action, ActionDocument, ActionEvent, Comment, Milestone, Support
from meetings.models import Meeting
from partnership import access
from partnership import selectors as partner_selectors
from partnership.models import Organisation, Partnership

State = Action.State

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _user_organisation_id(user: Any) -> int | None:
    person = partner_selectors.person_for(user)
    return person.organisation_id if person else None


def actions_visible(user: Any) -> QuerySet[Action]:
    """Members see their partnerships' submitted actions and their own organisation's drafts;
    everyone sees the published actions of public partnerships."""
    if getattr(user, "is_superuser", False):
        return Action.objects.all()
    member_of = partner_selectors.member_partnership_ids(user)
    visible = Q(partnership_id__in=member_of) & ~Q(state=State.DRAFT)
    organisation_id = partner_selectors.own_organisation_id(user)
    if organisation_id is not None:
        visible |= Q(partnership_id__in=member_of, owner_id=organisation_id)
    visible |= Q(partnership_id__in=partner_selectors.public_partnership_ids(), state__in=workflow.PUBLISHED)
    return Action.objects.filter(visible)


def visible_in(user: Any, partnership: Partnership) -> QuerySet[Action]:
    """`actions_visible` for one partnership, decided without joins: members see its submitted
    actions and their organisation's drafts, visitors of a public partnership its published ones."""
    queryset = Action.objects.filter(partnership=partnership)
    if getattr(user, "is_superuser", False):
        return queryset
    if partner_selectors.is_member(user, partnership):
        visible = ~Q(state=State.DRAFT)
        organisation_id = _user_organisation_id(user)
        if organisation_id is not None:
            visible |= Q(owner_id=organisation_id)
        return queryset.filter(visible)
    if partnership.is_public:
        return queryset.filter(state__in=workflow.PUBLISHED)
    return queryset.none()


def others_drafts_hidden(queryset: QuerySet[Action], user: Any) -> QuerySet[Action]:
    """`queryset` less the drafts of other organisations: a draft stays private to its organisation, even
    from the partnership's coordinators (the admin's scope, as on the site)."""
    if getattr(user, "is_superuser", False):
        return queryset
    organisation_id = _user_organisation_id(user)
    own_drafts = Q(owner_id=organisation_id) if organisation_id is not None else Q(pk__in=[])
    return queryset.filter(~Q(state=State.DRAFT) | own_drafts)


# Predicates: what a user may do with an action they can see.


def is_coordinator(user: Any, partnership: Partnership) -> bool:
    return partner_selectors.coordinates(user, partnership.pk)


def can_coordinate(user: Any, action: Action) -> bool:
    """Coordinators of the action's partnership move it along the workflow and merge it."""
    return is_coordinator(user, action.partnership)


def is_leader(user: Any, action: Action) -> bool:
    organisation_id = _user_organisation_id(user)
    return organisation_id is not None and organisation_id == action.leader_id


def can_edit(user: Any, action: Action) -> bool:
    """The proposing organisation edits until selection; the leader from then on; coordinators always."""
    if action.state in workflow.CLOSED:
        return False
    if is_coordinator(user, action.partnership):
        return True
    organisation_id = _user_organisation_id(user)
    if organisation_id is None or not partner_selectors.is_member(user, action.partnership):
        return False
    if organisation_id == action.owner_id and workflow.owner_may_edit(action.state):
        return True
    return organisation_id == action.leader_id and workflow.leader_may_edit(action.state)


def can_submit(user: Any, action: Action) -> bool:
    """A draft is submitted by those who may edit it."""
    return action.state == State.DRAFT and can_edit(user, action)


def can_withdraw(user: Any, action: Action) -> bool:
    organisation_id = _user_organisation_id(user)
    return (
        organisation_id == action.owner_id
        and State.WITHDRAWN in workflow.TRANSITIONS[action.state]
        and partner_selectors.is_member(user, action.partnership)
    )


def can_take_part(user: Any, action: Action) -> bool:
    """People of a member organisation comment on the action and rate it for their organisation; the
    services decide whether its state allows it now."""
    return partner_selectors.person_for(user) is not None and partner_selectors.is_member(user, action.partnership)


def can_report_progress(user: Any, action: Action) -> bool:
    return is_leader(user, action) or is_coordinator(user, action.partnership)


def can_add_documents(user: Any, action: Action) -> bool:
    """Those who edit the action, its leader (a final report after completion) and coordinators."""
    if action.state in workflow.ENDED:
        return False
    return can_edit(user, action) or is_leader(user, action) or is_coordinator(user, action.partnership)


def can_remove_document(user: Any, document: ActionDocument) -> bool:
    """The person who added a document removes it, and so do the coordinators."""
    added_it = document.uploaded_by_id is not None and document.uploaded_by_id == user.pk
    return added_it or is_coordinator(user, document.action.partnership)


def document_visibilities(user: Any, action: Action) -> list[str]:
    if is_coordinator(user, action.partnership):
        return list(ActionDocument.Visibility.values)
    if partner_selectors.is_member(user, action.partnership):
        return [ActionDocument.Visibility.PUBLIC, ActionDocument.Visibility.MEMBERS]
    return [ActionDocument.Visibility.PUBLIC]


def can_propose(user: Any, partnership: Partnership) -> bool:
    """People of a member organisation propose actions (the action is their organisation's)."""
    return partner_selectors.person_for(user) is not None and partner_selectors.is_member(user, partnership)


# Access: the first line of every action page.

ActionNeed = Literal[
    "view", "feedback", "edit", "submit", "withdraw", "comment", "support", "add_documents", "coordinate", "progress"
]
# Each need a signed-in user must have, with the predicate that grants it and what a refused user is told;
# "view" and "feedback" are open to visitors.
ACTION_NEEDS: dict[str, tuple[Callable[[Any, Action], bool], StrOrPromise]] = {
    "edit": (can_edit, _("You cannot edit this action.")),
    "submit": (can_submit, ""),
    "withdraw": (can_withdraw, _("Only the proposing organisation can withdraw this action, before it is selected.")),
    "comment": (can_take_part, ""),
    "support": (can_take_part, ""),
    "add_documents": (can_add_documents, _("You cannot add documents to this action.")),
    "coordinate": (can_coordinate, _("Only the partnership's coordinators can do this.")),
    "progress": (can_report_progress, _("Only the leader reports progress.")),
}


def action_access(user: Any, pk: int, *, need: ActionNeed = "view") -> Action:
    """The action with what its page shows, if the user may see it (else 404, as for a missing one) and
    has the need (else 403, or the login page for a visitor). Public feedback is taken only while the
    action is in consultation (else 404)."""
    if need in ACTION_NEEDS:
        access.signed_in(user)
    try:
        action = action_detail(user=user, pk=pk)
    except Action.DoesNotExist as error:
        raise Http404 from error
    if need == "feedback" and action.state != State.PUBLIC_FEEDBACK:
        raise Http404
    if need in ACTION_NEEDS:
        allowed, message = ACTION_NEEDS[need]
        if not allowed(user, action):
            access.refuse(user, str(message))
    return action


DocumentNeed = Literal["view", "delete"]


def document_access(user: Any, pk: int, *, need: DocumentNeed = "view") -> ActionDocument:
    """The document, with its `action` as the user sees it, if they see that action and the document's
    visibility includes them (else 404); removing it is for whoever added it and coordinators (else 403)."""
    if need == "delete":
        access.signed_in(user)
        documents = ActionDocument.objects.all()
    else:
        documents = ActionDocument.objects.only("pk", "action_id", "visibility", "file")
    try:
        document = documents.get(pk=pk)
    except ActionDocument.DoesNotExist as error:
        raise Http404 from error
    action = action_access(user, document.action_id)
    if document.visibility not in document_visibilities(user, action):
        raise Http404
    document.action = action
    if need == "delete" and not can_remove_document(user, document):
        access.refuse(user, str(_("Only the person who added a document or a coordinator can remove it.")))
    return document


PartnershipNeed = Literal["view", "propose", "rank", "export", "open_data"]
# Each need a signed-in user must have, with the predicate that grants it and what a refused user is told.
PARTNERSHIP_NEEDS: dict[str, tuple[Callable[[Any, Partnership], bool], StrOrPromise]] = {
    "propose": (can_propose, _("Only members of the partnership can propose actions.")),
    "rank": (partner_selectors.is_member, _("The ranking is for members of the partnership.")),
    "export": (partner_selectors.is_member, _("Exports of the long list are for members of the partnership.")),
}


def partnership_access(user: Any, slug: str, *, need: PartnershipNeed = "view") -> Partnership:
    """The partnership of the action pages under its slug: its long list and plan for whoever may see it,
    its open data only when it is public (else 404); proposing, the ranking and the exports are for its
    members (else 403, or the login page for a visitor)."""
    if need in PARTNERSHIP_NEEDS:
        access.signed_in(user)
    if need == "open_data":
        partnership = partner_selectors.partnership_access(AnonymousUser(), slug)
    else:
        partnership = partner_selectors.partnership_access(user, slug)
    if need in PARTNERSHIP_NEEDS:
        allowed, message = PARTNERSHIP_NEEDS[need]
        if not allowed(user, partnership):
            access.refuse(user, str(message))
    return partnership


# Reads.


def documents_visible(user: Any, action: Action) -> QuerySet[ActionDocument]:
    return action.documents.filter(visibility__in=document_visibilities(user, action)).select_related("uploaded_by")


def search(queryset: QuerySet[Action], text: str) -> QuerySet[Action]:
    """Full text with ranking on PostgreSQL (stored document, GIN index); a plain search elsewhere."""
    text = text.strip()
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        return action_search.full_text(queryset, text)
    return action_search.plain(queryset, text)


SORTS = {
    "code": ("code", "title"),
    "title": ("title",),
    "updated": ("-updated_at",),
    "state": ("state", "code"),
    "priority": ("priority_area__position", "code"),
}


def long_list(*, user: Any, partnership: Partnership, filters: dict[str, Any], sort: str = "code") -> QuerySet[Action]:
    """The long list of a partnership, filtered, searched and sorted, with what its rows show.

    Visibility is resolved for this one partnership in Python, so the query joins no partnership or
    membership table; the two rarely set relations are prefetched rather than joined, which keeps
    PostgreSQL's planning time small (it grows fast with each join).
    """
    queryset = (
        visible_in(user, partnership)
        .defer("problem", "description", "expected_outcome", "resources", "search_document")
        .select_related("priority_area", "pillar", "leader", "owner")
        .prefetch_related(
            Prefetch("merged_into", queryset=Action.objects.only("pk", "code", "title")),
            Prefetch("origin_meeting", queryset=Meeting.objects.only("pk", "title")),
        )
    )
    if filters.get("priority_area"):
        queryset = queryset.filter(priority_area=filters["priority_area"])
    if filters.get("pillar"):
        queryset = queryset.filter(pillar=filters["pillar"])
    if filters.get("state"):
        queryset = queryset.filter(state=filters["state"])
    else:
        queryset = queryset.exclude(state__in=workflow.OFF_THE_LIST)
    if filters.get("leader"):
        queryset = queryset.filter(leader=filters["leader"])
    if filters.get("country"):
        queryset = queryset.filter(Q(leader__country=filters["country"]) | Q(owner__country=filters["country"]))
    if filters.get("meeting"):
        queryset = queryset.filter(origin_meeting=filters["meeting"])
    if filters.get("q"):
        queryset = search(queryset, filters["q"])
        if connection.vendor == "postgresql" and sort == "relevance":
            return queryset.order_by("-rank", "code")
    return queryset.order_by(*SORTS.get(sort, SORTS["code"]))


@dataclass(frozen=True)
class LongListRow:
    """What the long list shows of one action, and all its row's template reads (`partnership.fragments`)."""

    url: str
    code: str
    title: str
    proposed_by: str
    origin: str
    priority_area: str
    pillar: str
    leader: str
    state: str
    state_label: str
    merged_into: str


# The long list's rows have their addresses from one reversed address with this id in it (see long_list_rows).
URL_PLACEHOLDER = 987654321


def long_list_rows(
    page: QuerySet[Action], partnership: Partnership, origins: dict[int, str] | None = None
) -> list[LongListRow]:
    """The rows of a page of `long_list`, read as values rather than actions (a page of rows is mostly the cost of
    making model instances otherwise); the names of priority areas and pillars come from the kept partner records
    (each join costs PostgreSQL planning time). The titles of the origin meetings come from `origins` (meeting id:
    title) or, for those it lacks, one query, and those of the rarely set merge targets from one more; each query
    only when the page has some."""
    fields = [
        *("pk", "code", "title", "state", "owner__short_name", "owner__name", "priority_area_id", "pillar_id"),
        *("leader__short_name", "leader__name", "origin_meeting_id", "merged_into_id"),
    ]
    values = [dict(zip(fields, row, strict=True)) for row in page.prefetch_related(None).values_list(*fields)]
    # An empty `pk__in` is answered by Django without a query.
    meetings = dict(origins or {})
    meeting_ids = {row["origin_meeting_id"] for row in values} - {None} - set(meetings)
    meetings.update(Meeting.objects.filter(pk__in=meeting_ids).values_list("pk", "title"))
    merged_ids = {row["merged_into_id"] for row in values} - {None}
    targets = Action.objects.filter(pk__in=merged_ids).values_list("pk", "code", "title")
    merged = {pk: code or title for pk, code, title in targets}
    areas, pillars = partner_selectors.areas_and_pillars(partnership)
    area_names = {area.pk: area.name for area in areas}
    pillar_names = {pillar.pk: pillar.name for pillar in pillars}
    states = dict(State.choices)
    # The rows' addresses from one reversed address, rather than one reverse() per row.
    url = reverse("actions:detail", kwargs={"pk": URL_PLACEHOLDER})
    return [
        LongListRow(
            url=url.replace(str(URL_PLACEHOLDER), str(row["pk"])),
            code=row["code"],
            title=row["title"],
            proposed_by=row["owner__short_name"] or row["owner__name"],
            origin=meetings.get(row["origin_meeting_id"], ""),
            priority_area=area_names.get(row["priority_area_id"], ""),
            pillar=pillar_names.get(row["pillar_id"], ""),
            leader=row["leader__short_name"] or row["leader__name"] or "",
            state=row["state"],
            state_label=str(states.get(row["state"], row["state"])),
            merged_into=merged.get(row["merged_into_id"], ""),
        )
        for row in values
    ]


def action_detail(*, user: Any, pk: int) -> Action:
    return (
        actions_visible(user)
        .select_related(
            "partnership", "priority_area", "pillar", "leader", "owner", "merged_into", "origin_meeting", "origin_item"
        )
        .prefetch_related(
            "contributors",
            "funding_opportunities",
            Prefetch("related", queryset=Action.objects.only("pk", "code", "title")),
            Prefetch("merged_from", queryset=Action.objects.only("pk", "code", "title", "merged_into_id")),
            Prefetch("milestones", queryset=Milestone.objects.order_by("due_on")),
        )
        .get(pk=pk)
    )


def actions_in_hand(user: Any, *, limit: int) -> list[Action]:
    """The actions the user's organisation proposed or leads and that are still going, latest change first."""
    person = partner_selectors.person_for(user)
    if person is None:
        return []
    return list(
        actions_visible(user)
        .filter(Q(owner_id=person.organisation_id) | Q(leader_id=person.organisation_id))
        .exclude(state__in=workflow.CLOSED)
        .only("pk", "code", "title", "state")  # what the home page shows
        .order_by("-updated_at")[:limit]
    )


def action_history(action: Action) -> QuerySet[ActionEvent]:
    return action.events.select_related("by__person").order_by("-at", "-id")


def history_visible(user: Any, action: Action, *, limit: int = 100) -> list[ActionEvent]:
    """The action's latest events, less those about a document the user may not see as it is now (or,
    once it is removed, as it last was); the document's id is taken out of the changes shown."""
    key = ActionEvent.DOCUMENT_KEY
    events = list(action_history(action)[:limit])
    documents = {event.changes[key] for event in events if key in event.changes}
    now_visible_as = dict(ActionDocument.objects.filter(pk__in=documents).values_list("pk", "visibility"))
    visibilities = document_visibilities(user, action)
    shown: list[ActionEvent] = []
    for event in events:
        if key in event.changes:
            document = event.changes.pop(key)
            recorded = [value for value in event.changes.get("visibility", ()) if value]
            shown_to = [now_visible_as[document]] if document in now_visible_as else recorded
            if any(value not in visibilities for value in shown_to):
                continue
        shown.append(event)
    return shown


def organisation_support(action: Action, organisation_id: int) -> Support | None:
    """The organisation's rating of the action, if it gave one."""
    return action.supports.filter(organisation_id=organisation_id).first()


def merge_targets(action: Action, user: Any = None) -> QuerySet[Action]:
    """The open, submitted actions of the same partnership that the action may be merged into (of those
    `user` may see, when given)."""
    queryset = (
        Action.objects.filter(partnership=action.partnership) if user is None else visible_in(user, action.partnership)
    )
    return queryset.exclude(pk=action.pk).exclude(state__in=(*workflow.CLOSED, State.DRAFT)).order_by("code", "title")


MERGE_CANDIDATES_SHOWN = 20


def merge_candidates(action: Action, *, user: Any, text: str) -> tuple[list[Action], int]:
    """The first merge targets with every word of `text` in their title or problem, or as their code (all of
    them without a text), and how many match in all. Parts of words match, as people type them."""
    queryset = merge_targets(action, user)
    words = text.split()
    for word in words:
        queryset = queryset.filter(Q(title__icontains=word) | Q(code__iexact=word) | Q(problem__icontains=word))
    return list(queryset.select_related("leader")[:MERGE_CANDIDATES_SHOWN]), queryset.count()


def merge_comparison(source: Action, target: Action) -> tuple[Action, Action]:
    """The two actions of a merge with what the side-by-side view shows, counted in one query."""
    rows = {
        row.pk: row
        for row in Action.objects.filter(pk__in=(source.pk, target.pk))
        .select_related("priority_area", "pillar", "owner", "leader")
        .prefetch_related(Prefetch("contributors", queryset=Organisation.objects.order_by("name")))
        .annotate(
            comment_count=Count("comments", distinct=True),
            supporter_count=Count("supports", distinct=True),
            document_count=Count("documents", distinct=True),
        )
    }
    return rows[source.pk], rows[target.pk]


def action_comments(action: Action) -> QuerySet[Comment]:
    return action.comments.select_related("author", "author__organisation").order_by("created_at")


def ranking(*, user: Any, partnership: Partnership) -> QuerySet[Action]:
    """Actions under discussion by support: number of supporting organisations, then mean priority."""
    return (
        actions_visible(user)
        .filter(partnership=partnership, state=State.UNDER_DISCUSSION)
        .select_related("priority_area", "leader")
        .annotate(supporters=Count("supports"), mean_rating=Avg("supports__rating"))
        .order_by("-supporters", "-mean_rating", "code")
    )


def action_plan(partnership: Partnership) -> QuerySet[Action]:
    return (
        Action.objects.filter(partnership=partnership, state__in=workflow.IN_PLAN)
        .select_related("priority_area", "pillar", "leader")
        .prefetch_related("contributors", Prefetch("milestones", queryset=Milestone.objects.order_by("due_on")))
        .order_by("priority_area__position", "code")
    )


def published_actions(partnership: Partnership) -> QuerySet[Action]:
    return Action.objects.filter(partnership=partnership, state__in=workflow.PUBLISHED).select_related(
        "priority_area", "pillar", "leader"
    )


def codes_taken(partnership: Partnership) -> set[str]:
    """The codes the partnership's actions already have."""
    return set(Action.objects.filter(partnership=partnership).exclude(code="").values_list("code", flat=True))


def filter_choices(partnership: Partnership) -> dict[str, list[tuple[Any, str]]]:
    """The leader, country and meeting choices of the long-list filters.

    They are drawn from every action of the partnership, which is costly on a long list, so they
    are cached under the time of the partnership's last action change (one probe of the
    (partnership, updated_at) index), which moves with any added or edited action; a short expiry
    covers deleted actions and renamed organisations and meetings.
    """
    last_change = Action.objects.filter(partnership=partnership).aggregate(at=Max("updated_at"))["at"]
    changed = last_change.timestamp() if last_change else 0
    key = f"actions:filter-choices:{partnership.pk}:{changed}:{get_language()}"
    choices = cache.get(key)
    if choices is None:
        choices = _filter_choices(partnership)
        cache.set(key, choices, timeout=FILTER_CHOICES_SECONDS)
    return choices


FILTER_CHOICES_SECONDS = 300


def _filter_choices(partnership: Partnership) -> dict[str, list[tuple[Any, str]]]:
    actions = Action.objects.filter(partnership=partnership)
    leaders = Organisation.objects.filter(pk__in=actions.values("leader_id")).order_by("name")
    countries = (
        Organisation.objects.filter(pk__in=actions.values("owner_id")).exclude(country="").values_list("country")
    )
    meetings = Meeting.objects.filter(pk__in=actions.values("origin_meeting_id")).order_by("-starts_at", "title")
    return {
        "leaders": [(pk, name) for pk, name in leaders.values_list("pk", "name")],
        "countries": sorted(
            ((code, str(django_countries.name(code))) for code in {c for (c,) in countries.distinct()}),
            key=lambda choice: choice[1],
        ),
        "meetings": [(pk, title) for pk, title in meetings.values_list("pk", "title")],
    }
