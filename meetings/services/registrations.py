"""Invitations, registrations and the waitlist, check-in and no-shows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings import times, workflow
from meetings.models import Meeting, Registration, RegistrationChange, ReminderLink
from meetings.services.mail import registration_mail_queue
from partnership import scoping
from partnership.models import Organisation, Person
from partnership.services import Actor, absolute_url, actor_user, audit_record, person_create, record_save
from partnership.tokens import token_new

RegState = Registration.State
# The organisation of a guest invited without one: outside the partnership, with no membership.
GUEST_ORGANISATION = "Guests"


def _change(registration: Registration, to_state: str, by: Actor, reason: str = "") -> RegistrationChange:
    change = RegistrationChange.objects.create(
        registration=registration, from_state=registration.state, to_state=to_state, by=actor_user(by), reason=reason
    )
    registration.state = to_state
    return change


def _invitation_mail(*, registration: Registration, raw_token: str, message: str, key_suffix: str) -> None:
    """Queue the invitation (or a resent one) with its personal link; the coordinators' message, if any, is
    part of it."""
    registration_mail_queue(
        registration=registration,
        kind="invitation",
        key_suffix=key_suffix,
        extra={
            "personal_url": absolute_url(reverse("meetings:personal_link", kwargs={"token": raw_token})),
            "message": message.strip(),
        },
    )


@transaction.atomic
def meeting_invite(*, meeting: Meeting, people: Iterable[Person], by: Actor, message: str = "") -> int:
    """Invite people who are not yet invited; each gets an e-mail with a personal link and the message."""
    if meeting.state not in workflow.ACTIVE:
        raise ValidationError(_("Announce the meeting or open its registration before inviting people."))
    invited = 0
    existing = set(meeting.registrations.values_list("person_id", flat=True))
    for person in people:
        if person.pk in existing or person.erased_at is not None:
            continue
        existing.add(person.pk)
        raw, digest = token_new()
        registration = Registration.objects.create(
            meeting=meeting, person=person, state=RegState.INVITED, token_hash=digest, invited_at=timezone.now()
        )
        RegistrationChange.objects.create(
            registration=registration, from_state="", to_state=RegState.INVITED, by=actor_user(by)
        )
        _invitation_mail(registration=registration, raw_token=raw, message=message, key_suffix="")
        invited += 1
    audit_record(by=by, verb="invite", instance=meeting, changes={"invited": invited})
    return invited


@transaction.atomic
def guest_invite(
    *, meeting: Meeting, name: str, email: str, organisation_name: str, by: Actor, message: str = ""
) -> Person:
    """Invite someone from outside the partner records by name and e-mail: a person record without an
    account (the one already holding the address, if any), under the organisation named, found by name or
    added; their personal link works as a partner's does. Returns the person, invited once.

    Only records the inviting coordinator may name are used (`scoping.people_linkable`): an address or an
    organisation known only from another coordinators' private partnership is refused, never shown or joined."""
    email = email.strip().lower()
    person = Person.objects.filter(email__iexact=email).first()
    user = actor_user(by)
    if person is not None and user is not None and not scoping.people_linkable(user).filter(pk=person.pk).exists():
        raise ValidationError(
            {
                "guest_email": _(
                    "This address is in records this partnership cannot use: an administrator can invite it."
                )
            }
        )
    if person is None:
        organisation_name = organisation_name.strip() or GUEST_ORGANISATION
        organisation = Organisation.objects.filter(name__iexact=organisation_name).first()
        if (
            organisation is not None
            and user is not None
            and not scoping.organisations_linkable(user).filter(pk=organisation.pk).exists()
        ):
            raise ValidationError(
                {"guest_organisation": _("An organisation of this name is in records this partnership cannot use.")}
            )
        if organisation is None:
            organisation = Organisation(name=organisation_name, kind=Organisation.Kind.OTHER)
            record_save(instance=organisation, by=by)
        person = person_create(name=name.strip(), email=email, organisation=organisation, by=by)
    elif person.erased_at is not None:
        raise ValidationError({"guest_email": _("This address belongs to an erased person and cannot be invited.")})
    meeting_invite(meeting=meeting, people=[person], by=by, message=message)
    return person


@transaction.atomic
def invitations_resend(*, meeting: Meeting, registrations: Iterable[Registration], by: Actor, message: str = "") -> int:
    """Send the invitation again, with a fresh personal link, to those of `registrations` who have not
    answered; each resend is a mail of its own (counted in the registration's links)."""
    if meeting.state not in workflow.ACTIVE:
        raise ValidationError(_("Invitations are sent only while the meeting is announced and not yet held."))
    sent = 0
    for registration in registrations:
        if registration.meeting_id != meeting.pk or registration.state != RegState.INVITED:
            continue
        # A fresh link of its own, as a reminder's: the first one keeps working too.
        count = ReminderLink.objects.filter(registration=registration).count()
        raw, digest = token_new()
        ReminderLink.objects.create(registration=registration, token_hash=digest)
        _invitation_mail(registration=registration, raw_token=raw, message=message, key_suffix=f"resend{count + 1}")
        sent += 1
    audit_record(by=by, verb="resend_invitations", instance=meeting, changes={"resent": sent})
    return sent


@transaction.atomic
def registration_for_member(*, meeting: Meeting, person: Person, by: Actor) -> Registration:
    """A member who was not invited registers on their own: create their (invited) row first."""
    registration, created = Registration.objects.get_or_create(
        meeting=meeting, person=person, defaults={"state": RegState.INVITED, "invited_at": timezone.now()}
    )
    if created:
        RegistrationChange.objects.create(
            registration=registration, from_state="", to_state=RegState.INVITED, by=actor_user(by)
        )
    return registration


def _places_taken(meeting: Meeting) -> int:
    return meeting.registrations.filter(state__in=workflow.HOLDS_PLACE).count()


@transaction.atomic
def registration_submit(
    *,
    registration: Registration,
    by: Actor,
    days: list[str],
    site_visit: bool,
    dietary_needs: str,
    accessibility_needs: str,
    consent_participant_list: bool,
) -> Registration:
    """Register (or change a registration) until the deadline; beyond capacity, join the waitlist."""
    meeting = Meeting.objects.select_for_update().get(pk=registration.meeting_id)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if not meeting.registration_is_open:
        raise ValidationError(_("Registration for this meeting is closed."))
    valid_days = {day.isoformat() for day in meeting.days}
    if not days or not set(days) <= valid_days:
        raise ValidationError({"days": _("Choose at least one day of the meeting.")})
    registration.days = sorted(days)
    registration.site_visit = site_visit
    registration.dietary_needs = dietary_needs.strip()
    registration.accessibility_needs = accessibility_needs.strip()
    registration.consent_participant_list = consent_participant_list
    newly = registration.state in workflow.REGISTERS_ANEW
    if newly:
        full = meeting.capacity is not None and _places_taken(meeting) >= meeting.capacity
        _change(registration, RegState.WAITLISTED if full else RegState.REGISTERED, by)
        registration.registered_at = timezone.now()
    registration.full_clean()
    registration.save()
    audit_record(by=by, verb="register" if newly else "update_registration", instance=registration)
    changes = registration.changes.count()
    registration_mail_queue(
        registration=registration,
        kind="waitlisted" if registration.state == RegState.WAITLISTED else "confirmation",
        key_suffix=f"c{changes}" if newly else f"u{registration.updated_at.timestamp():.0f}",
    )
    return registration


@transaction.atomic
def registration_decline(*, registration: Registration, by: Actor, reason: str = "") -> Registration:
    """Decline an invitation, or cancel a registration; a freed place goes to the waitlist."""
    meeting = Meeting.objects.select_for_update().get(pk=registration.meeting_id)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.state in workflow.SETTLED:
        raise ValidationError(_("The meeting has taken place; attendance can no longer be changed here."))
    if meeting.registration_deadline and timezone.now() > meeting.registration_deadline:
        raise ValidationError(_("The registration deadline has passed; write to the organisers."))
    freed = registration.holds_place
    target = workflow.withdrawal(registration)
    if registration.state in workflow.WITHDRAWN:
        return registration
    _change(registration, target, by, reason)
    registration.save()
    audit_record(by=by, verb=target, instance=registration, changes={"reason": reason})
    if freed:
        waitlist_promote(meeting=meeting, by=by)
    return registration


@transaction.atomic
def waitlist_promote(*, meeting: Meeting, by: Actor) -> list[Registration]:
    """Fill free places from the waitlist, first come first served; each promoted person is told once
    (after a cancellation, or a raised capacity)."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    promoted: list[Registration] = []
    if meeting.capacity is None:
        free = meeting.registrations.filter(state=RegState.WAITLISTED).count()
    else:
        free = max(meeting.capacity - _places_taken(meeting), 0)
    if not free:
        return promoted
    waiting = (
        meeting.registrations.select_for_update()
        .filter(state=RegState.WAITLISTED)
        .order_by("registered_at", "pk")[:free]
    )
    for registration in waiting:
        change = _change(registration, RegState.REGISTERED, by, "promoted from the waitlist")
        registration.save(update_fields=["state", "updated_at"])
        registration_mail_queue(registration=registration, kind="promoted", key_suffix=f"{change.pk}")
        promoted.append(registration)
    return promoted


@transaction.atomic
def registration_promote(*, registration: Registration, by: Actor, reason: str) -> Registration:
    """A coordinator gives a waitlisted person a place by hand, out of turn or beyond the capacity if
    need be; the reason is kept in the registration's history, and the person is told once."""
    Meeting.objects.select_for_update().get(pk=registration.meeting_id)
    registration = Registration.objects.select_for_update().select_related("meeting", "person").get(pk=registration.pk)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why this person gets a place; it is kept in the history.")})
    if registration.state != RegState.WAITLISTED:
        raise ValidationError(_("Only someone on the waitlist can be given a place."))
    if registration.meeting.state not in workflow.ACTIVE:
        raise ValidationError(_("Places are given only while the meeting is announced and not yet held."))
    change = _change(registration, RegState.REGISTERED, by, reason.strip())
    registration.save(update_fields=["state", "updated_at"])
    audit_record(by=by, verb="promote", instance=registration, changes={"reason": reason.strip()})
    registration_mail_queue(registration=registration, kind="promoted", key_suffix=f"{change.pk}")
    return registration


@transaction.atomic
def registration_check_in(*, registration: Registration, by: Actor) -> Registration:
    """Mark someone at the door as attended, while check-in is open (from the meeting's first day on the
    venue's clock until a day after its end); checking in someone already in changes nothing."""
    registration = Registration.objects.select_for_update().select_related("meeting").get(pk=registration.pk)
    meeting = registration.meeting
    if not workflow.check_in_is_open(meeting):
        opens, _closes = workflow.check_in_window(meeting)
        if timezone.now() < opens:
            raise ValidationError(
                _("Check-in opens on %(day)s, the meeting's first day.")
                % {"day": times.venue_time_labelled(meeting, opens)}
            )
        raise ValidationError(_("Check-in closed a day after the meeting ended."))
    if registration.state not in workflow.AT_THE_DOOR:
        raise ValidationError(_("Only registered people can be checked in."))
    if registration.state != RegState.ATTENDED:
        _change(registration, RegState.ATTENDED, by, "checked in")
        registration.checked_in_at = timezone.now()
        registration.save()
    return registration


@transaction.atomic
def registration_undo_check_in(*, registration: Registration, by: Actor) -> Registration:
    """Undo a check-in made by mistake, within the undo period after it: the person is registered again (a
    no-show, if the meeting has been marked held meanwhile). The change is kept in the history."""
    registration = Registration.objects.select_for_update().select_related("meeting").get(pk=registration.pk)
    if registration.state != RegState.ATTENDED:
        return registration
    if registration.checked_in_at is None or timezone.now() > registration.checked_in_at + workflow.undo_period():
        raise ValidationError(_("A check-in can be undone only within a day of it."))
    held = registration.meeting.state in workflow.TAKEN_PLACE
    _change(registration, RegState.NO_SHOW if held else RegState.REGISTERED, by, "check-in undone")
    registration.checked_in_at = None
    registration.save()
    return registration


NO_SHOW_REASON = "not checked in"


def no_shows_derive(*, meeting: Meeting, by: Actor) -> None:
    """Once the meeting is held, who neither came nor withdrew is a no-show."""
    for registration in meeting.registrations.filter(state__in=workflow.NO_SHOW_FROM):
        _change(registration, RegState.NO_SHOW, by, NO_SHOW_REASON)
        registration.save(update_fields=["state", "updated_at"])


def no_shows_undo(*, meeting: Meeting, since: datetime, by: Actor) -> int:
    """Marking the meeting held is undone: the no-shows it made (since then) are back where they were."""
    changes = RegistrationChange.objects.filter(
        registration__meeting=meeting,
        registration__state=RegState.NO_SHOW,
        to_state=RegState.NO_SHOW,
        reason=NO_SHOW_REASON,
        at__gte=since,
    ).select_related("registration")
    undone = 0
    for change in changes:
        registration = change.registration
        _change(registration, change.from_state, by, "held undone")
        registration.save(update_fields=["state", "updated_at"])
        undone += 1
    return undone


def registration_days_move(*, meeting: Meeting, old_days: list[date]) -> dict[int, list[tuple[date, date]]]:
    """After a reschedule: each registration's days become the new dates at the same position in the
    meeting (its second day stays its second day); a day beyond a shortened meeting becomes its last.
    Returns, by registration, the (old day, new day) pairs that changed, for the mail."""
    new_days = meeting.days
    position = {day.isoformat(): index for index, day in enumerate(old_days)}
    moved: dict[int, list[tuple[date, date]]] = {}
    changed: list[Registration] = []
    for registration in meeting.registrations.exclude(days=[]).only("pk", "days"):
        pairs = [
            (date.fromisoformat(day), new_days[min(position[day], len(new_days) - 1)])
            for day in registration.days
            if day in position
        ]
        days = sorted({new.isoformat() for _old, new in pairs})
        if days != registration.days:
            registration.days = days
            changed.append(registration)
            moved[registration.pk] = [(old, new) for old, new in pairs if old != new]
    Registration.objects.bulk_update(changed, ["days"], batch_size=500)
    return moved


def registrations_kept_informed(meeting: Meeting) -> QuerySet[Registration]:
    """The registrations told of a reschedule or a cancellation: with a place, or waiting for one."""
    return meeting.registrations.filter(state__in=workflow.KEPT_INFORMED).select_related(
        "person", "person__organisation", "meeting"
    )
