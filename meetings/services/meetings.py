"""Meetings: creation and edits, the workflow's moves, rescheduling and cancelling, the agenda."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings import workflow
from meetings.models import AgendaItem, Meeting, MeetingTransition, Minutes, Registration, ReminderRule
from meetings.services.mail import registration_mail_queue
from meetings.services.registrations import (
    no_shows_derive,
    no_shows_undo,
    registration_days_move,
    registrations_kept_informed,
    waitlist_promote,
)
from meetings.services.reminders import reminder_rules_ensure_defaults, reminders_void_moved
from partnership import notification_selectors, notifications, outbox
from partnership.models import Notification
from partnership.services import Actor, actor_user, audit_record, record_delete, record_save

State = Meeting.State


@transaction.atomic
def meeting_create(*, by: Actor, reminders: bool = True, **fields: Any) -> Meeting:
    """Create a meeting in draft, with the default reminder rules."""
    meeting = Meeting(**fields)
    record_save(instance=meeting, by=by)
    if reminders:
        reminder_rules_ensure_defaults(meeting=meeting)
    return meeting


@transaction.atomic
def meeting_save(*, meeting: Meeting, by: Actor, changed: Iterable[str] = ()) -> Meeting:
    """Save a meeting edited as a whole (the admin's form), `changed` naming the fields edited.

    A new meeting gets the default reminder rules. A published meeting moved in time is rescheduled,
    so its agenda, reminders and the registered people's calendar entries follow.
    """
    if meeting.pk is None:
        record_save(instance=meeting, by=by)
        reminder_rules_ensure_defaults(meeting=meeting)
        return meeting
    changed = set(changed)
    if not ({"starts_at", "ends_at"} & changed) or meeting.state in workflow.UNPUBLISHED:
        record_save(instance=meeting, by=by)
        _capacity_raised(meeting=meeting, by=by, changed=changed)
        return meeting
    starts_at, ends_at, deadline = meeting.starts_at, meeting.ends_at, meeting.registration_deadline
    original = Meeting.objects.get(pk=meeting.pk)
    meeting.starts_at, meeting.ends_at, meeting.registration_deadline = (
        original.starts_at,
        original.ends_at,
        original.registration_deadline,
    )
    record_save(instance=meeting, by=by)
    meeting_reschedule(
        meeting=meeting,
        starts_at=starts_at,
        ends_at=ends_at,
        registration_deadline=deadline if "registration_deadline" in changed else None,
        reason=str(_("Changed by the coordinators.")),
        by=by,
    )
    meeting.refresh_from_db()
    _capacity_raised(meeting=meeting, by=by, changed=changed)
    return meeting


def _capacity_raised(*, meeting: Meeting, by: Actor, changed: set[str]) -> None:
    """A capacity raised (or removed) gives the new places to the waitlist, in order."""
    if "capacity" in changed and meeting.state in workflow.ACTIVE:
        waitlist_promote(meeting=meeting, by=by)


@transaction.atomic
def meeting_transition(*, meeting: Meeting, to_state: str, by: Actor, reason: str = "") -> Meeting:
    """Move a meeting to another state, if the workflow allows it from where it is; an online or hybrid
    meeting is announced (or moved further) only once it has its join link."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if to_state not in State.values:
        raise ValidationError(_("“%(state)s” is not a state of a meeting.") % {"state": to_state})
    if to_state not in workflow.MEETING_TRANSITIONS[meeting.state]:
        raise ValidationError(
            _("A meeting cannot go from “%(from)s” to “%(to)s”.")
            % {"from": meeting.get_state_display(), "to": State(to_state).label}
        )
    if to_state in workflow.NEEDS_JOIN_LINK and meeting.lacks_join_link:
        raise ValidationError(
            {
                "join_url": _("“%(title)s” is an online or hybrid meeting: add its join link before it is announced.")
                % {"title": meeting.title}
            }
        )
    if to_state in workflow.NEEDS_REASON and not reason.strip():
        raise ValidationError(_("Say why the meeting is cancelled; the registered people will read it."))
    if to_state == State.MINUTES_PUBLISHED and not Minutes.objects.filter(meeting=meeting).exists():
        raise ValidationError(_("Write the minutes before publishing them."))
    if to_state in workflow.AFTER_THE_END and not workflow.has_ended(meeting):
        raise ValidationError(_("A meeting is marked held once it has ended, not before."))
    from_state = meeting.state
    meeting.state = to_state
    if to_state == State.CANCELLED:
        meeting.sequence += 1
    meeting.save(update_fields=["state", "sequence"])
    MeetingTransition.objects.create(
        meeting=meeting, from_state=from_state, to_state=to_state, by=actor_user(by), reason=reason
    )
    audit_record(
        by=by, verb="transition", instance=meeting, changes={"state": [from_state, to_state], "reason": reason}
    )
    if to_state in TOLD:
        meeting_tell(meeting=meeting, kind=TOLD[to_state], event=f"state:{to_state}:{meeting.sequence}", by=by)
    if to_state == State.CANCELLED:
        _notify_cancelled(meeting=meeting, reason=reason)
    elif to_state == State.HELD:
        no_shows_derive(meeting=meeting, by=by)
    elif to_state == State.MINUTES_PUBLISHED:
        Minutes.objects.filter(meeting=meeting).update(published_at=timezone.now())
        _notify_minutes(meeting=meeting)
    return meeting


@transaction.atomic
def meeting_held_undo(*, meeting: Meeting, by: Actor) -> Meeting:
    """Undo marking the meeting held, within the undo period: it returns to the state it was in, and the
    no-shows that marking made are registered again; both steps are kept in the history."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    held = meeting.transitions.filter(to_state=State.HELD).order_by("-at", "-pk").first()
    if meeting.state != State.HELD or held is None:
        raise ValidationError(_("Only a meeting marked held can have that undone."))
    if timezone.now() > held.at + workflow.undo_period():
        raise ValidationError(_("Marking a meeting held can be undone only within a day of it."))
    meeting.state = held.from_state
    meeting.save(update_fields=["state"])
    MeetingTransition.objects.create(
        meeting=meeting, from_state=State.HELD, to_state=held.from_state, by=actor_user(by), reason="held undone"
    )
    no_shows_undo(meeting=meeting, since=held.at, by=by)
    audit_record(by=by, verb="undo_held", instance=meeting, changes={"state": [State.HELD, held.from_state]})
    return meeting


def meeting_cancel(*, meeting: Meeting, by: Actor, reason: str) -> Meeting:
    return meeting_transition(meeting=meeting, to_state=State.CANCELLED, by=by, reason=reason)


@transaction.atomic
def meeting_reschedule(
    *,
    meeting: Meeting,
    starts_at: datetime,
    ends_at: datetime,
    by: Actor,
    reason: str = "",
    registration_deadline: datetime | None = None,
) -> Meeting:
    """Move a meeting (and its agenda) in time: reminders follow, registered days move to the new dates
    (the same day of the meeting), the registered get a mail saying so with a new calendar entry."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.state not in workflow.PLANNED:
        raise ValidationError(_("A cancelled or past meeting cannot be rescheduled."))
    old_start, old_end, old_deadline = meeting.starts_at, meeting.ends_at, meeting.registration_deadline
    old_days = meeting.days
    delta = starts_at - old_start
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    if registration_deadline is not None:
        meeting.registration_deadline = registration_deadline
    elif meeting.registration_deadline is not None:
        meeting.registration_deadline += delta
    meeting.sequence += 1
    meeting.full_clean()
    meeting.save()
    if delta:
        meeting.agenda_items.update(
            starts_at=F("starts_at") + delta, ends_at=F("ends_at") + delta, updated_at=timezone.now()
        )
    days_moved = registration_days_move(meeting=meeting, old_days=old_days)
    reminders_void_moved(
        meeting=meeting, old_anchors={ReminderRule.Anchor.START: old_start, ReminderRule.Anchor.DEADLINE: old_deadline}
    )
    audit_record(
        by=by,
        verb="reschedule",
        instance=meeting,
        changes={"starts_at": [old_start, starts_at], "ends_at": [old_end, ends_at], "reason": reason},
    )
    meeting_tell(meeting=meeting, kind=Notification.Kind.MEETING_RESCHEDULED, event=f"seq{meeting.sequence}", by=by)
    for registration in registrations_kept_informed(meeting):
        registration_mail_queue(
            registration=registration,
            kind="rescheduled",
            key_suffix=f"seq{meeting.sequence}",
            extra={"reason": reason, "old_start": old_start, "days_moved": days_moved.get(registration.pk, [])},
        )
    return meeting


# Which moves of the workflow the invitees and followers are told of, as which kind of notification.
TOLD: dict[str, str] = {
    State.ANNOUNCED: Notification.Kind.MEETING_ANNOUNCED,
    State.CANCELLED: Notification.Kind.MEETING_CANCELLED,
    State.MINUTES_PUBLISHED: Notification.Kind.MEETING_MINUTES,
}


def meeting_tell(*, meeting: Meeting, kind: str, event: str, by: Actor) -> None:
    """Notify the meeting's invitees (whatever their answer, unless they declined or cancelled) and its followers,
    each if they may see the meeting now."""
    invitees = meeting.registrations.exclude(
        state__in=(Registration.State.DECLINED, Registration.State.CANCELLED)
    ).values_list("person__user", flat=True)
    users = [
        *notifications.users_of_people_accounts([pk for pk in invitees if pk is not None]),
        *notification_selectors.followers_of(meeting),
    ]
    notifications.notify(
        kind=kind,
        about=meeting,
        partnership_id=meeting.partnership_id,
        users=users,
        event=f"meeting:{meeting.pk}:{event}",
        by=actor_user(by),
    )


def _notify_cancelled(*, meeting: Meeting, reason: str) -> None:
    outbox.messages_cancel(keys_startwith=f"meeting:{meeting.pk}:")
    for registration in registrations_kept_informed(meeting):
        registration_mail_queue(registration=registration, kind="cancelled", key_suffix="", extra={"reason": reason})


def _notify_minutes(*, meeting: Meeting) -> None:
    attendees = meeting.registrations.filter(state=Registration.State.ATTENDED).select_related("person", "meeting")
    for registration in attendees:
        registration_mail_queue(registration=registration, kind="minutes", key_suffix="")


# The agenda ------------------------------------------------------------------------------------


@transaction.atomic
@transaction.atomic
def agenda_shift(*, items: Iterable[AgendaItem], minutes: int, by: Actor) -> int:
    """Move a block of agenda items earlier or later by a number of minutes, as one: each must stay on its
    meeting's days, in a meeting still planned, or nothing moves. An item whose time is to be confirmed has
    only a placeholder time and keeps its day. Returns how many items moved."""
    delta = timedelta(minutes=minutes)
    chosen = AgendaItem.objects.filter(pk__in=[item.pk for item in items], time_to_be_confirmed=False)
    moving = list(chosen.select_related("meeting").select_for_update())
    together = frozenset(item.pk for item in moving)
    problems = []
    for item in moving:
        if item.meeting.state not in workflow.PLANNED:
            problems.append(
                _("%(title)s: the agenda of a held or cancelled meeting stays as it was.") % {"title": item.title}
            )
            continue
        item.starts_at, item.ends_at = item.starts_at + delta, item.ends_at + delta
        item.edited_together = together  # they move as one: none clashes with another's old time
        try:
            item.clean()
        except ValidationError as error:
            problems.append(f"{item.title}: {' '.join(error.messages)}")
    if problems:
        raise ValidationError(problems)
    for item in moving:
        item.save(update_fields=["starts_at", "ends_at", "updated_at"])
        audit_record(by=by, verb="shift", instance=item, changes={"minutes": minutes})
    return len(moving)


def agenda_item_save(*, item: AgendaItem, by: Actor) -> AgendaItem:
    """Validate and save an agenda item edited with its meeting, audited."""
    record_save(instance=item, by=by)
    return item


def agenda_item_delete(*, item: AgendaItem, by: Actor) -> None:
    record_delete(instance=item, by=by)
