"""Reads of actions, scoped to what the user may see, and the permission checks that go with them."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Avg, Count, Prefetch, Q, QuerySet

from actions import services
from actions.models import Action, ActionEvent, Comment, Milestone
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


def is_leader(user: Any, action: Action) -> bool:
    organisation_id = _user_organisation_id(user)
    return organisation_id is not None and organisation_id == action.leader_id


def search(queryset: QuerySet[Action], text: str) -> QuerySet[Action]:
    """Full text with ranking on PostgreSQL (GIN index on the same expression); a plain search elsewhere."""
    text = text.strip()
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank

        from actions.search import action_search_vector

        query = SearchQuery(text, config="simple", search_type="websearch")
        vector = action_search_vector()
        return queryset.alias(document=vector).filter(document=query).annotate(rank=SearchRank(vector, query))
    words = text.split()
    for word in words:
        queryset = queryset.filter(
            Q(title__icontains=word)
            | Q(problem__icontains=word)
            | Q(description__icontains=word)
            | Q(code__iexact=word)
        )
    return queryset


SORTS = {
    "code": ("code", "title"),
    "title": ("title",),
    "updated": ("-updated_at",),
    "state": ("state", "code"),
    "priority": ("priority_area__position", "code"),
}


def long_list(*, user: Any, partnership: Partnership, filters: dict[str, Any], sort: str = "code") -> QuerySet[Action]:
    """The long list of a partnership, filtered, searched and sorted, with what its rows show."""
    queryset = (
        actions_visible(user)
        .filter(partnership=partnership)
        .select_related("priority_area", "pillar", "leader", "owner", "merged_into", "origin_meeting")
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


def leader_choices(partnership: Partnership) -> QuerySet[Organisation]:
    return Organisation.objects.filter(led_actions__partnership=partnership).distinct().order_by("name")
