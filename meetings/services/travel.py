"""Travel support: a meeting's policy, a participant's request, and the secretariat's decisions on it.

Every status change is recorded (who, when, why) and tells the participant once by e-mail through the
outbox, under a key naming the change, so a repeated call sends nothing more."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings import travel as rules
from meetings.models import Meeting, Registration, TravelChange, TravelPolicy, TravelRequest
from meetings.services.mail import registration_mail_queue
from partnership.services import Actor, absolute_url, actor_user, audit_record

Status = TravelRequest.Status


@transaction.atomic
def travel_policy_save(*, policy: TravelPolicy, by: Actor) -> TravelPolicy:
    """Save a meeting's travel policy (its organisations are saved by the caller's form)."""
    policy.full_clean()
    created = policy.pk is None
    policy.save()
    audit_record(
        by=by,
        verb="create" if created else "change",
        instance=policy,
        changes={"offered": policy.offered, "roles": policy.roles, "cap_eur": str(policy.cap_eur or "")},
    )
    return policy


def _travel_mail(travel: TravelRequest, change: TravelChange, kind: str) -> None:
    registration = travel.registration
    registration_mail_queue(
        registration=registration,
        kind=kind,
        key_suffix=f"{change.pk}",
        extra={
            "travel": travel,
            "change": change,
            "status": Status(travel.status).label,
            "travel_url": absolute_url(reverse("meetings:travel", kwargs={"pk": registration.meeting_id})),
        },
    )


@transaction.atomic
def travel_request_submit(
    *,
    registration: Registration,
    by: Actor,
    travelling_from: str,
    arrival: date,
    departure: date,
    nights: int,
    notes: str = "",
) -> TravelRequest:
    """Ask for travel support, or change the request while it waits for the secretariat. A new request
    is acknowledged by e-mail once; a changed one is not mailed again."""
    registration = Registration.objects.select_for_update().select_related("meeting", "person").get(pk=registration.pk)
    meeting: Meeting = registration.meeting
    policy = rules.policy_of(meeting)
    if policy is None or not policy.offered:
        raise ValidationError(_("This meeting offers no travel support."))
    if meeting.state not in rules.REQUESTS_OPEN:
        raise ValidationError(_("Travel support can no longer be requested for this meeting."))
    if registration.state not in rules.MAY_REQUEST:
        raise ValidationError(_("Register for the meeting before asking for travel support."))
    travel = TravelRequest.objects.select_for_update().filter(registration=registration).first()
    created = travel is None
    if travel is None:
        travel = TravelRequest(registration=registration)
    elif travel.status not in rules.EDITABLE:
        raise ValidationError(
            _("Your request is %(status)s: write to the secretariat to change it.")
            % {"status": travel.get_status_display().lower()}
        )
    travel.travelling_from = travelling_from.strip()
    travel.arrival = arrival
    travel.departure = departure
    travel.nights = nights
    travel.notes = notes.strip()
    travel.full_clean()
    travel.save()
    audit_record(by=by, verb="travel_request" if created else "travel_update", instance=travel)
    if created:
        change = TravelChange.objects.create(travel=travel, from_state="", to_state=Status.REQUESTED, by=actor_user(by))
        _travel_mail(travel, change, "travel_requested")
    return travel


def _amount(policy: TravelPolicy | None, amount: Decimal | None) -> Decimal | None:
    if amount is None:
        return None
    if amount < 0:
        raise ValidationError({"amount": _("The amount cannot be negative.")})
    if policy is not None and policy.cap_eur is not None and amount > policy.cap_eur:
        raise ValidationError(
            {"amount": _("The meeting's cap is %(cap)s EUR per person.") % {"cap": f"{policy.cap_eur:.2f}"}}
        )
    return amount


@transaction.atomic
def travel_request_move(
    *, travel: TravelRequest, to_state: str, by: Actor, reason: str = "", amount: Decimal | None = None
) -> TravelRequest:
    """The secretariat moves a request on (approved, booked, reimbursed; or refused, with a reason). Only an
    eligible request is approved, booked or reimbursed; an amount stays within the meeting's cap. The
    participant is told once."""
    travel = TravelRequest.objects.select_for_update().select_related("registration__meeting").get(pk=travel.pk)
    registration = travel.registration
    if to_state not in rules.moves(travel):
        raise ValidationError(
            _("A request that is %(status)s cannot become %(target)s.")
            % {
                "status": travel.get_status_display().lower(),
                "target": str(dict(Status.choices).get(to_state, to_state)).lower(),
            }
        )
    if to_state in rules.FOR_PARTICIPANTS and registration.state not in rules.MAY_REQUEST:
        raise ValidationError(
            _("The registration is %(state)s: travel is approved or booked only for a participant.")
            % {"state": registration.get_state_display().lower()}
        )
    policy = rules.policy_of(registration.meeting)
    if to_state in rules.NEEDS_ELIGIBLE and not rules.eligible(
        travel, by_rule=rules.registration_eligible_by_rule(registration, policy)
    ):
        raise ValidationError(
            _("This person is not eligible under the meeting's rule: set the eligibility, with a reason, first.")
        )
    reason = reason.strip()
    if to_state in rules.NEEDS_REASON and not reason:
        raise ValidationError({"reason": _("Say why; the participant reads it.")})
    if to_state in rules.WITH_AMOUNT:
        travel.amount_eur = _amount(policy, amount) if amount is not None else travel.amount_eur
    elif amount is not None:
        raise ValidationError({"amount": _("An amount goes with an approval, a booking or a reimbursement.")})
    change = TravelChange.objects.create(
        travel=travel,
        from_state=travel.status,
        to_state=to_state,
        by=actor_user(by),
        reason=reason,
        amount_eur=travel.amount_eur if to_state in rules.WITH_AMOUNT else None,
    )
    previous = travel.status
    travel.status = to_state
    travel.save(update_fields=["status", "amount_eur", "updated_at"])
    audit_record(
        by=by,
        verb="travel_status",
        instance=travel,
        changes={"status": [previous, to_state], "reason": reason, "amount_eur": str(travel.amount_eur or "")},
    )
    _travel_mail(travel, change, "travel_status")
    return travel


@transaction.atomic
def travel_eligibility_set(*, travel: TravelRequest, eligibility: str, by: Actor, reason: str = "") -> TravelRequest:
    """The secretariat decides a request's eligibility against the rule, with a reason kept in its history,
    or gives the decision back to the rule."""
    travel = TravelRequest.objects.select_for_update().select_related("registration__meeting").get(pk=travel.pk)
    if eligibility not in rules.ELIGIBILITY_VALUES:
        raise ValidationError({"eligibility": _("Choose one of the options.")})
    value = rules.ELIGIBILITY_VALUES[eligibility]
    reason = reason.strip()
    if value is not None and not reason:
        raise ValidationError({"reason": _("Say why the rule does not decide for this person.")})
    registration = travel.registration
    by_rule = rules.registration_eligible_by_rule(registration, rules.policy_of(registration.meeting))
    if travel.status in rules.NEEDS_ELIGIBLE and not (by_rule if value is None else value):
        # Approved, booked or reimbursed only when eligible: the decision that granted it stands.
        raise ValidationError(
            {
                "eligibility": _(
                    "This request is already %(status)s, which only an eligible request can be: refuse it first, "
                    "if it is still approved."
                )
                % {"status": travel.get_status_display().lower()}
            }
        )
    travel.eligibility_override = value
    travel.eligibility_reason = reason if value is not None else ""
    travel.save(update_fields=["eligibility_override", "eligibility_reason", "updated_at"])
    TravelChange.objects.create(
        travel=travel,
        from_state=travel.status,
        to_state=travel.status,
        by=actor_user(by),
        reason=reason,
        eligibility=eligibility,
        at=timezone.now(),
    )
    audit_record(by=by, verb="travel_eligibility", instance=travel, changes={"eligibility": eligibility})
    return travel


@transaction.atomic
def travel_policy_delete(*, policy: TravelPolicy, by: Actor) -> None:
    """Remove a meeting's travel policy: the meeting no longer offers support (requests made stay)."""
    audit_record(by=by, verb="delete", instance=policy)
    policy.delete()
