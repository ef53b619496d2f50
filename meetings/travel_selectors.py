"""Reads of travel support, scoped: a participant reads their own request, the partnership's coordinators
and technical secretariat every request of their meetings (a forged id of another meeting is 404)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.http import Http404
from django.utils import timezone

from meetings import selectors
from meetings import travel as rules
from meetings.models import Meeting, Registration, TravelChange, TravelPolicy, TravelRequest
from partnership.models import Membership

Status = TravelRequest.Status


def travel_request_access(
    user: Any, pk: int, *, session: SessionBase
) -> tuple[Meeting, Registration | None, TravelPolicy | None]:
    """The travel page of meeting `pk` for its participant: who may open the registration page may open it
    (a personal link kept in the session, or the user's own registration); the meeting's policy with it."""
    meeting, registration = selectors.registration_access(user, pk, session=session)
    return meeting, registration, rules.policy_of(meeting)


def travel_access(user: Any, pk: int, travel_pk: int) -> tuple[Meeting, TravelRequest]:
    """One travel request of meeting `pk`, for the partnership's coordinators and secretariat; a request of
    another meeting is 404, as a missing one."""
    meeting = selectors.meeting_access(user, pk, need="coordinate")
    travel = (
        TravelRequest.objects.select_related("registration__person__organisation", "registration__meeting")
        .filter(pk=travel_pk, registration__meeting=meeting)
        .first()
    )
    if travel is None:
        raise Http404
    return meeting, travel


def travel_of(registration: Registration | None) -> TravelRequest | None:
    if registration is None or registration.pk is None:
        return None
    return TravelRequest.objects.filter(registration=registration).first()


@dataclass
class TravelRow:
    travel: TravelRequest
    role: str
    by_rule: bool
    eligible: bool


def _with_roles(queryset: QuerySet[TravelRequest], meeting: Meeting) -> QuerySet[TravelRequest]:
    today = timezone.localdate()
    memberships = Membership.objects.filter(
        partnership_id=meeting.partnership_id,
        organisation_id=OuterRef("registration__person__organisation_id"),
        since__lte=today,
    ).filter(Q(until__isnull=True) | Q(until__gte=today))
    return queryset.annotate(role=Subquery(memberships.values("role")[:1]))


def travel_requests(*, meeting: Meeting, status: str = "") -> QuerySet[TravelRequest]:
    """The meeting's travel requests by name, each with its organisation's role (`role`), in one query;
    `status` narrows them to one status (anything else shows all)."""
    queryset = TravelRequest.objects.filter(registration__meeting=meeting).select_related(
        "registration__person__organisation"
    )
    if status in Status.values:
        queryset = queryset.filter(status=status)
    return _with_roles(queryset, meeting).order_by("registration__person__name", "pk")


def travel_rows(requests: Any, policy: TravelPolicy | None) -> list[TravelRow]:
    """Each request with its eligibility, by the rule and in effect (the policy read once)."""
    roles = dict(Membership.Role.choices)
    rows = []
    for travel in requests:
        by_rule = rules.eligible_by_rule(
            policy, role=travel.role, organisation_id=travel.registration.person.organisation_id
        )
        rows.append(
            TravelRow(
                travel=travel,
                role=str(roles.get(travel.role, "")) if travel.role else "",
                by_rule=by_rule,
                eligible=rules.eligible(travel, by_rule=by_rule),
            )
        )
    return rows


@dataclass
class TravelTotals:
    requests: int
    by_status: list[tuple[str, str, int]]
    nights: int
    amount: Decimal


def travel_totals(meeting: Meeting) -> TravelTotals:
    """How many requests in each status, the nights asked for (refused ones left out) and the amount
    approved, booked or reimbursed, in two queries."""
    counts = dict(
        TravelRequest.objects.filter(registration__meeting=meeting)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    sums = TravelRequest.objects.filter(registration__meeting=meeting).aggregate(
        nights=Sum("nights", filter=~Q(status=Status.REFUSED)),
        amount=Sum("amount_eur", filter=Q(status__in=rules.COUNTED)),
    )
    return TravelTotals(
        requests=sum(counts.values()),
        by_status=[(value, str(label), counts.get(value, 0)) for value, label in Status.choices],
        nights=sums["nights"] or 0,
        amount=sums["amount"] or Decimal("0"),
    )


def travel_history(travel: TravelRequest) -> list[tuple[TravelChange, str, str]]:
    """The request's changes, oldest first, with the labels of the statuses they went from and to."""
    labels = dict(Status.choices)
    return [
        (change, str(labels.get(change.from_state, change.from_state)), str(labels.get(change.to_state, "")))
        for change in travel.changes.select_related("by", "by__person").order_by("at", "pk")
    ]
