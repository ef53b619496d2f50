"""Every write to meetings: state changes, agenda, invitations, registrations, reminders, minutes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import nh3
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings import calendar
from meetings.models import (
    AgendaItem,
    CalendarFeed,
    Meeting,
    MeetingDocument,
    MeetingTransition,
    Minutes,
    Registration,
    RegistrationChange,
    ReminderLink,
    ReminderRule,
)
from partnership import outbox
from partnership.documents import document_file
from partnership.models import Membership, OutboundMessage, Person
from partnership.services import Actor, absolute_url, actor_user, audit_record, record_save
from partnership.tokens import token_new

State = Meeting.State
RegState = Registration.State

TRANSITIONS: dict[str, tuple[str, ...]] = {
    State.DRAFT: (State.ANNOUNCED, State.REGISTRATION_OPEN, State.CANCELLED),
    State.ANNOUNCED: (State.REGISTRATION_OPEN, State.CANCELLED),
    State.REGISTRATION_OPEN: (State.REGISTRATION_CLOSED, State.HELD, State.CANCELLED),
    State.REGISTRATION_CLOSED: (State.REGISTRATION_OPEN, State.HELD, State.CANCELLED),
    State.HELD: (State.MINUTES_PUBLISHED,),
    State.MINUTES_PUBLISHED: (),
    State.CANCELLED: (),
}
# Meetings whose invitees and registered people still get mail.
ACTIVE_STATES = (State.ANNOUNCED, State.REGISTRATION_OPEN, State.REGISTRATION_CLOSED)
DEFAULT_REMINDERS = (
    (14, ReminderRule.Anchor.START, ReminderRule.Audience.REGISTERED),
    (2, ReminderRule.Anchor.START, ReminderRule.Audience.REGISTERED),
    (7, ReminderRule.Anchor.DEADLINE, ReminderRule.Audience.NOT_ANSWERED),
)


# Meetings ------------------------------------------------------------------------------------


@transaction.atomic
def meeting_create(*, by: Actor, reminders: bool = True, **fields: Any) -> Meeting:
    """Create a meeting in draft, with the default reminder rules."""
    meeting = Meeting(**fields)
    record_save(instance=meeting, by=by)
    if reminders:
        reminder_rules_ensure_defaults(meeting=meeting)
    return meeting


def reminder_rules_ensure_defaults(*, meeting: Meeting) -> None:
    if meeting.reminder_rules.exists():
        return
    ReminderRule.objects.bulk_create(
        [
            ReminderRule(meeting=meeting, days_before=days, anchor=anchor, audience=audience)
            for days, anchor, audience in DEFAULT_REMINDERS
        ]
    )


@transaction.atomic
def meeting_transition(*, meeting: Meeting, to_state: str, by: Actor, reason: str = "") -> Meeting:
    """Move a meeting to another state, if the workflow allows it from where it is."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if to_state not in State.values:
        raise ValidationError(_("“%(state)s” is not a state of a meeting.") % {"state": to_state})
    if to_state not in TRANSITIONS[meeting.state]:
        raise ValidationError(
            _("A meeting cannot go from “%(from)s” to “%(to)s”.")
            % {"from": meeting.get_state_display(), "to": State(to_state).label}
        )
    if to_state == State.CANCELLED and not reason.strip():
        raise ValidationError(_("Say why the meeting is cancelled; the registered people will read it."))
    if to_state == State.MINUTES_PUBLISHED and not Minutes.objects.filter(meeting=meeting).exists():
        raise ValidationError(_("Write the minutes before publishing them."))
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
    if to_state == State.CANCELLED:
        _notify_cancelled(meeting=meeting, reason=reason)
    elif to_state == State.HELD:
        _derive_no_shows(meeting=meeting, by=by)
    elif to_state == State.MINUTES_PUBLISHED:
        Minutes.objects.filter(meeting=meeting).update(published_at=timezone.now())
        _notify_minutes(meeting=meeting)
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
    """Move a meeting (and its agenda) in time: reminders follow, the registered get a new calendar entry."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.state in (State.CANCELLED, State.HELD, State.MINUTES_PUBLISHED):
        raise ValidationError(_("A cancelled or past meeting cannot be rescheduled."))
    old_start, old_end, old_deadline = meeting.starts_at, meeting.ends_at, meeting.registration_deadline
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
    # Unsent reminders for a moved anchor are void; the sweep queues fresh ones for the new time.
    old_anchors: dict[str, datetime | None] = {
        ReminderRule.Anchor.START: old_start,
        ReminderRule.Anchor.DEADLINE: old_deadline,
    }
    for rule in meeting.reminder_rules.all():
        old_anchor, new_anchor = old_anchors[rule.anchor], rule.anchor_time()
        if old_anchor is not None and old_anchor != new_anchor:
            outbox.messages_cancel(keys_startwith=_reminder_key_prefix(rule=rule, anchor=old_anchor))
            rule.done_for_anchor = None
            rule.save(update_fields=["done_for_anchor"])
    audit_record(
        by=by,
        verb="reschedule",
        instance=meeting,
        changes={"starts_at": [old_start, starts_at], "ends_at": [old_end, ends_at], "reason": reason},
    )
    for registration in _holding_or_waiting(meeting):
        _queue_registration_mail(
            registration=registration,
            kind="rescheduled",
            key_suffix=f"seq{meeting.sequence}",
            extra={"reason": reason, "old_start": meeting.local(old_start)},
        )
    return meeting


@transaction.atomic
def agenda_shift(*, items: Iterable[AgendaItem], minutes: int, by: Actor) -> int:
    """Move a block of agenda items earlier or later by a number of minutes."""
    ids = [item.pk for item in items]
    delta = timedelta(minutes=minutes)
    count = AgendaItem.objects.filter(pk__in=ids).update(
        starts_at=F("starts_at") + delta, ends_at=F("ends_at") + delta, updated_at=timezone.now()
    )
    for item in AgendaItem.objects.filter(pk__in=ids).select_related("meeting"):
        audit_record(by=by, verb="shift", instance=item, changes={"minutes": minutes})
    return count


# Invitations and registrations ---------------------------------------------------------------


def _change(registration: Registration, to_state: str, by: Actor, reason: str = "") -> RegistrationChange:
    change = RegistrationChange.objects.create(
        registration=registration, from_state=registration.state, to_state=to_state, by=actor_user(by), reason=reason
    )
    registration.state = to_state
    return change


def people_with_roles(*, meeting: Meeting, roles: Iterable[str]) -> QuerySet[Person]:
    """People of organisations that hold one of the roles in the meeting's partnership today."""
    today = timezone.localdate()
    memberships = Membership.objects.filter(
        partnership=meeting.partnership, role__in=list(roles), since__lte=today
    ).filter(Q(until__isnull=True) | Q(until__gte=today))
    return Person.objects.filter(
        organisation__in=memberships.values("organisation"), erased_at__isnull=True
    ).select_related("organisation")


@transaction.atomic
def meeting_invite(*, meeting: Meeting, people: Iterable[Person], by: Actor) -> int:
    """Invite people who are not yet invited; each gets an e-mail with a personal link."""
    if meeting.state not in ACTIVE_STATES:
        raise ValidationError(_("Announce the meeting or open its registration before inviting people."))
    invited = 0
    existing = set(meeting.registrations.values_list("person_id", flat=True))
    for person in people:
        if person.pk in existing or person.erased_at is not None:
            continue
        raw, digest = token_new()
        registration = Registration.objects.create(
            meeting=meeting, person=person, state=RegState.INVITED, token_hash=digest, invited_at=timezone.now()
        )
        RegistrationChange.objects.create(
            registration=registration, from_state="", to_state=RegState.INVITED, by=actor_user(by)
        )
        _queue_registration_mail(
            registration=registration,
            kind="invitation",
            key_suffix="",
            extra={"personal_url": absolute_url(reverse("meetings:personal_link", kwargs={"token": raw}))},
        )
        invited += 1
    audit_record(by=by, verb="invite", instance=meeting, changes={"invited": invited})
    return invited


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
    return meeting.registrations.filter(state__in=Registration.HOLDS_PLACE).count()


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
    newly = registration.state in (RegState.INVITED, RegState.DECLINED, RegState.CANCELLED)
    if newly:
        full = meeting.capacity is not None and _places_taken(meeting) >= meeting.capacity
        _change(registration, RegState.WAITLISTED if full else RegState.REGISTERED, by)
        registration.registered_at = timezone.now()
    registration.full_clean()
    registration.save()
    audit_record(by=by, verb="register" if newly else "update_registration", instance=registration)
    changes = registration.changes.count()
    _queue_registration_mail(
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
    if registration.state in (RegState.ATTENDED, RegState.NO_SHOW):
        raise ValidationError(_("The meeting has taken place; attendance can no longer be changed here."))
    if meeting.registration_deadline and timezone.now() > meeting.registration_deadline:
        raise ValidationError(_("The registration deadline has passed; write to the organisers."))
    freed = registration.holds_place
    target = RegState.DECLINED if registration.state == RegState.INVITED else RegState.CANCELLED
    if registration.state in (RegState.DECLINED, RegState.CANCELLED):
        return registration
    _change(registration, target, by, reason)
    registration.save()
    audit_record(by=by, verb=target, instance=registration, changes={"reason": reason})
    if freed:
        waitlist_promote(meeting=meeting, by=by)
    return registration


def waitlist_promote(*, meeting: Meeting, by: Actor) -> list[Registration]:
    """Fill free places from the waitlist, first come first served; each promoted person is told once."""
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
        _queue_registration_mail(registration=registration, kind="promoted", key_suffix=f"{change.pk}")
        promoted.append(registration)
    return promoted


@transaction.atomic
def registration_check_in(*, registration: Registration, by: Actor) -> Registration:
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.state not in (
        RegState.REGISTERED,
        RegState.CONFIRMED,
        RegState.ATTENDED,
        RegState.NO_SHOW,
        RegState.WAITLISTED,
    ):
        raise ValidationError(_("Only registered people can be checked in."))
    if registration.state != RegState.ATTENDED:
        _change(registration, RegState.ATTENDED, by, "checked in")
        registration.checked_in_at = timezone.now()
        registration.save()
    return registration


@transaction.atomic
def registration_undo_check_in(*, registration: Registration, by: Actor) -> Registration:
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.state == RegState.ATTENDED:
        _change(registration, RegState.REGISTERED, by, "check-in undone")
        registration.checked_in_at = None
        registration.save()
    return registration


def _derive_no_shows(*, meeting: Meeting, by: Actor) -> None:
    for registration in meeting.registrations.filter(state__in=(RegState.REGISTERED, RegState.CONFIRMED)):
        _change(registration, RegState.NO_SHOW, by, "not checked in")
        registration.save(update_fields=["state", "updated_at"])


def _holding_or_waiting(meeting: Meeting) -> QuerySet[Registration]:
    return meeting.registrations.filter(state__in=(*Registration.HOLDS_PLACE, RegState.WAITLISTED)).select_related(
        "person", "person__organisation", "meeting"
    )


# Mail ----------------------------------------------------------------------------------------


def _queue_registration_mail(
    *, registration: Registration, kind: str, key_suffix: str, extra: dict[str, Any] | None = None
) -> OutboundMessage | None:
    """Queue one meeting mail for one registration; the key makes a repeat do nothing."""
    meeting = registration.meeting
    person = registration.person
    attachments: tuple[outbox.Attachment, ...] = ()
    if kind in ("confirmation", "promoted", "rescheduled", "cancelled"):
        method = "CANCEL" if kind == "cancelled" else "REQUEST"
        ics = calendar.meeting_calendar(meetings=[meeting], include_join_url=registration.holds_place, method=method)
        attachments = (outbox.Attachment("meeting.ics", ics, f"text/calendar; method={method}; charset=utf-8"),)
    context = {
        "meeting": meeting,
        "person": person,
        "registration": registration,
        "meeting_url": absolute_url(meeting.get_absolute_url()),
        "starts_local": meeting.local(meeting.starts_at),
        "ends_local": meeting.local(meeting.ends_at),
        "deadline_local": meeting.local(meeting.registration_deadline) if meeting.registration_deadline else None,
        **(extra or {}),
    }
    key = f"meeting:{meeting.pk}:{kind}:{registration.pk}" + (f":{key_suffix}" if key_suffix else "")
    return outbox.message_queue(
        key=key,
        to_email=person.email,
        template=f"meetings/email/{kind}",
        language=person.language,
        context=context,
        attachments=attachments,
        partnership_id=meeting.partnership_id,
    )


def _notify_cancelled(*, meeting: Meeting, reason: str) -> None:
    outbox.messages_cancel(keys_startwith=f"meeting:{meeting.pk}:")
    for registration in _holding_or_waiting(meeting):
        _queue_registration_mail(registration=registration, kind="cancelled", key_suffix="", extra={"reason": reason})


def _notify_minutes(*, meeting: Meeting) -> None:
    attendees = meeting.registrations.filter(state=RegState.ATTENDED).select_related("person", "meeting")
    for registration in attendees:
        _queue_registration_mail(registration=registration, kind="minutes", key_suffix="")


def reminders_sweep(*, now: datetime | None = None) -> int:
    """Queue the reminders that are due now; a (recipient, rule, anchor time) is queued only once."""
    now = now or timezone.now()
    queued = 0
    rules = ReminderRule.objects.filter(meeting__state__in=ACTIVE_STATES, meeting__starts_at__gt=now).select_related(
        "meeting", "meeting__partnership"
    )
    for rule in rules:
        anchor = rule.anchor_time()
        if anchor is None or anchor <= now or rule.done_for_anchor == anchor:
            continue
        if now < anchor - timedelta(days=rule.days_before):
            continue
        queued += _queue_reminders(rule=rule, anchor=anchor)
    return queued


def _reminder_key_prefix(*, rule: ReminderRule, anchor: datetime) -> str:
    """`meeting:<id>:reminder:<rule>:<anchor time in UTC>:`, followed by the registration's id."""
    return f"meeting:{rule.meeting_id}:reminder:{rule.pk}:{anchor.astimezone(UTC).isoformat()}:"


@transaction.atomic
def _queue_reminders(*, rule: ReminderRule, anchor: datetime) -> int:
    # Locks the meeting row too, so a cancel or reschedule that the sweep read before it committed
    # is seen here: a sweep must not queue reminders for a cancelled meeting or a time it no longer has.
    rule = ReminderRule.objects.select_for_update().select_related("meeting").get(pk=rule.pk)
    meeting = rule.meeting
    if rule.done_for_anchor == anchor or meeting.state not in ACTIVE_STATES or rule.anchor_time() != anchor:
        return 0
    if rule.audience == ReminderRule.Audience.REGISTERED:
        registrations = meeting.registrations.filter(state__in=Registration.HOLDS_PLACE)
    else:
        registrations = meeting.registrations.filter(state=RegState.INVITED)
    registrations = registrations.select_related("person", "meeting")
    prefix = _reminder_key_prefix(rule=rule, anchor=anchor)
    # A reminder already written (the rule was reset by hand) is not written again, nor its link replaced.
    written = set(OutboundMessage.objects.filter(key__startswith=prefix).values_list("key", flat=True))
    messages = []
    links = []
    for registration in registrations:
        if f"{prefix}{registration.pk}" in written:
            continue
        person = registration.person
        personal_url = ""
        if rule.audience == ReminderRule.Audience.NOT_ANSWERED:
            # A fresh personal link, so the reminder can be answered without finding the invitation.
            raw, digest = token_new()
            personal_url = absolute_url(reverse("meetings:personal_link", kwargs={"token": raw}))
            links.append(ReminderLink(registration=registration, token_hash=digest))
        subject, text, html = outbox.render_mail(
            template="meetings/email/reminder",
            language=person.language,
            context={
                "meeting": meeting,
                "person": person,
                "registration": registration,
                "rule": rule,
                "meeting_url": absolute_url(meeting.get_absolute_url()),
                "personal_url": personal_url,
                "starts_local": meeting.local(meeting.starts_at),
                "deadline_local": meeting.local(meeting.registration_deadline)
                if meeting.registration_deadline
                else None,
            },
        )
        messages.append(
            OutboundMessage(
                key=f"{prefix}{registration.pk}",
                to_email=person.email,
                subject=subject[:255],
                body_text=text,
                body_html=html,
                partnership_id=meeting.partnership_id,
            )
        )
    ReminderLink.objects.bulk_create(links, batch_size=1000)
    queued = outbox.messages_enqueue_bulk(messages) if messages else 0
    rule.done_for_anchor = anchor
    rule.save(update_fields=["done_for_anchor"])
    return queued


# Documents, minutes, calendar feeds ----------------------------------------------------------


@transaction.atomic
def document_add(
    *,
    meeting: Meeting,
    by: Actor,
    title: str,
    kind: str,
    visibility: str,
    file: Any,
    agenda_item: AgendaItem | None = None,
) -> MeetingDocument:
    document = MeetingDocument(
        meeting=meeting,
        agenda_item=agenda_item,
        title=title,
        kind=kind,
        visibility=visibility,
        uploaded_by=actor_user(by),
        **document_file(file),
    )
    record_save(instance=document, by=by)
    return document


MINUTES_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


def sanitise_html(html: str) -> str:
    return nh3.clean(html, tags=MINUTES_TAGS, attributes={"a": {"href"}}, link_rel="noopener noreferrer")


@transaction.atomic
def minutes_save(*, meeting: Meeting, body: str, decisions: str, follow_ups: str, by: Actor) -> Minutes:
    minutes, _created = Minutes.objects.get_or_create(meeting=meeting, defaults={"body": ""})
    minutes.body = sanitise_html(body)
    minutes.decisions = sanitise_html(decisions)
    minutes.follow_ups = sanitise_html(follow_ups)
    record_save(instance=minutes, by=by)
    return minutes


def minutes_publish(*, meeting: Meeting, by: Actor) -> Meeting:
    return meeting_transition(meeting=meeting, to_state=State.MINUTES_PUBLISHED, by=by)


@transaction.atomic
def calendar_feed_create(*, person: Person, by: Actor) -> str:
    """A new feed address for a person; returns the raw token (shown once)."""
    raw, digest = token_new()
    CalendarFeed.objects.create(person=person, token_hash=digest)
    audit_record(by=by, verb="calendar_feed_create", instance=person)
    return raw


@transaction.atomic
def calendar_feed_revoke(*, feed: CalendarFeed, by: Actor) -> None:
    CalendarFeed.objects.filter(pk=feed.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(by=by, verb="calendar_feed_revoke", instance=feed.person)
