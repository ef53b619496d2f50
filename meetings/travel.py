"""Travel support's rules as tables: which status may follow which, what each move needs, and who is
eligible under a meeting's policy. Services check moves against them, selectors and pages read them."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from meetings.models import Meeting, Registration, TravelPolicy, TravelRequest
from partnership.models import Membership

Status = TravelRequest.Status

TRAVEL_TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.REQUESTED: (Status.APPROVED, Status.REFUSED),
    Status.APPROVED: (Status.BOOKED, Status.REIMBURSED, Status.REFUSED),
    Status.BOOKED: (Status.REIMBURSED,),
    Status.REIMBURSED: (),
    Status.REFUSED: (Status.APPROVED,),
}
# Moves granted only to an eligible request (by the rule, or by the secretariat's decision).
NEEDS_ELIGIBLE = (Status.APPROVED, Status.BOOKED, Status.REIMBURSED)
# Moves granted only while the person still takes part (registered or waiting for a place): a reimbursement of
# what was booked stays possible after a cancellation.
FOR_PARTICIPANTS = (Status.APPROVED, Status.BOOKED)
# Moves the participant is told the reason of.
NEEDS_REASON = (Status.REFUSED,)
# The amount the secretariat approves, books or reimburses, within the meeting's cap.
WITH_AMOUNT = (Status.APPROVED, Status.BOOKED, Status.REIMBURSED)
# Amounts counted in the list's total: what is or will be paid.
COUNTED = (Status.APPROVED, Status.BOOKED, Status.REIMBURSED)
# The participant may still change the request's details.
EDITABLE = (Status.REQUESTED,)
# Registrations that may ask for travel support: with a place, or waiting for one.
MAY_REQUEST = (*Registration.HOLDS_PLACE, Registration.State.WAITLISTED)
# Meetings for which travel may still be requested.
REQUESTS_OPEN = (Meeting.State.ANNOUNCED, Meeting.State.REGISTRATION_OPEN, Meeting.State.REGISTRATION_CLOSED)

# What the secretariat may set a request's eligibility to: the rule's answer, or its own.
ELIGIBILITY_RULE, ELIGIBLE, NOT_ELIGIBLE = "rule", "eligible", "not_eligible"
ELIGIBILITY_VALUES: dict[str, bool | None] = {ELIGIBILITY_RULE: None, ELIGIBLE: True, NOT_ELIGIBLE: False}


def moves(travel: TravelRequest) -> tuple[str, ...]:
    return TRAVEL_TRANSITIONS[travel.status]


def role_in(*, organisation_id: int | None, partnership_id: int) -> str | None:
    """The role the organisation holds in the partnership today, or None."""
    if organisation_id is None:
        return None
    today = timezone.localdate()
    membership = (
        Membership.objects.filter(partnership_id=partnership_id, organisation_id=organisation_id, since__lte=today)
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .values_list("role", flat=True)
        .first()
    )
    return membership


def policy_of(meeting: Meeting) -> TravelPolicy | None:
    return TravelPolicy.objects.filter(meeting=meeting).prefetch_related("organisations").first()


def eligible_by_rule(policy: TravelPolicy | None, *, role: str | None, organisation_id: int | None) -> bool:
    """Whether the meeting's policy supports someone of this organisation, holding this role: support must be
    offered, and the role be one of the policy's or the organisation one of its organisations."""
    if policy is None or not policy.offered:
        return False
    if role is not None and role in policy.roles:
        return True
    return organisation_id is not None and any(org.pk == organisation_id for org in policy.organisations.all())


def eligible(travel: TravelRequest, *, by_rule: bool) -> bool:
    """The request's eligibility: the secretariat's decision where it made one, else the rule's."""
    return by_rule if travel.eligibility_override is None else travel.eligibility_override


def registration_eligible_by_rule(registration: Registration, policy: TravelPolicy | None) -> bool:
    person: Any = registration.person
    role = role_in(organisation_id=person.organisation_id, partnership_id=registration.meeting.partnership_id)
    return eligible_by_rule(policy, role=role, organisation_id=person.organisation_id)
