"""Reads of actions, scoped to what the user may see, and the permission checks that go with them."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Avg, Count, Max, Prefetch, Q, QuerySet
from django.utils.translation import get_language
from django_countries import countries as django_countries

from actions import search as action_search
from actions import services
from actions.models import Action, ActionDocument, ActionEvent, Comment, Milestone
from meetings.models import Meeting
from partnership import selectors as partner_selectors
from partnership.models import Organisation, Partnership

State = Action.State


def _user_organisation_id(user: Any) -> int | None:
    person = partner_selectors.person_for(user)
    return person.organisation_id if person else None


def actions_visible(user: Any) -> QuerySet[Action]:
    """Members see their partnerships' submitted actions and their own organisation's drafts;
    everyone sees the published actions of public partnerships."""
    if getattr(user, "is_superuser", False):
        return Action.objects.all()
    member_of = partner_selectors.partnerships_member_of(user).values("pk")
    visible = Q(partnership__in=member_of) & ~Q(state=State.DRAFT)
    organisation_id = _user_organisation_id(user)
    if organisation_id is not None:
        visible |= Q(partnership__in=member_of, owner_id=organisation_id)
    visible |= Q(partnership__is_public=True, state__in=services.PUBLISHED)
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
        return queryset.filter(state__in=services.PUBLISHED)
    return queryset.none()


def is_coordinator(user: Any, partnership: Partnership) -> bool:
    return partner_selectors.partnerships_coordinated(user).filter(pk=partnership.pk).exists()


def can_edit(user: Any, action: Action) -> bool:
    """The proposing organisation edits until selection; the leader from then on; coordinators always."""
    if action.state in services.CLOSED:
        return False
    if is_coordinator(user, action.partnership):
        return True
    organisation_id = _user_organisation_id(user)
    if organisation_id is None or not partner_selectors.is_member(user, action.partnership):
        return False
    if organisation_id == action.owner_id and services.owner_may_edit(action):
        return True
    return organisation_id == action.leader_id and services.leader_may_edit(action)


def can_withdraw(user: Any, action: Action) -> bool:
    organisation_id = _user_organisation_id(user)
    return (
        organisation_id == action.owner_id
        and State.WITHDRAWN in services.TRANSITIONS[action.state]
        and partner_selectors.is_member(user, action.partnership)
    )


def can_add_documents(user: Any, action: Action) -> bool:
    """Those who edit the action, its leader (a final report after completion) and coordinators."""
    if action.state in services.ENDED:
        return False
    return can_edit(user, action) or is_leader(user, action) or is_coordinator(user, action.partnership)


def document_visibilities(user: Any, action: Action) -> list[str]:
    if is_coordinator(user, action.partnership):
        return list(ActionDocument.Visibility.values)
    if partner_selectors.is_member(user, action.partnership):
        return [ActionDocument.Visibility.PUBLIC, ActionDocument.Visibility.MEMBERS]
    return [ActionDocument.Visibility.PUBLIC]


def documents_visible(user: Any, action: Action) -> QuerySet[ActionDocument]:
    return action.documents.filter(visibility__in=document_visibilities(user, action)).select_related("uploaded_by")


def is_leader(user: Any, action: Action) -> bool:
    organisation_id = _user_organisation_id(user)
    return organisation_id is not None and organisation_id == action.leader_id


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
        queryset = queryset.exclude(state__in=(State.MERGED, State.WITHDRAWN, State.DROPPED))
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


def action_history(action: Action) -> QuerySet[ActionEvent]:
    return action.events.select_related("by").order_by("-at", "-id")


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
        Action.objects.filter(
            partnership=partnership, state__in=(State.ADOPTED, State.IN_IMPLEMENTATION, State.COMPLETED)
        )
        .select_related("priority_area", "pillar", "leader")
        .prefetch_related("contributors", Prefetch("milestones", queryset=Milestone.objects.order_by("due_on")))
        .order_by("priority_area__position", "code")
    )


def published_actions(partnership: Partnership) -> QuerySet[Action]:
    return Action.objects.filter(partnership=partnership, state__in=services.PUBLISHED).select_related(
        "priority_area", "pillar", "leader"
    )


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
