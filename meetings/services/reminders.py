"""Reminder rules and the sweep that queues the reminders due: once per recipient, rule and anchor time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from meetings import workflow
from meetings.models import Meeting, Registration, ReminderLink, ReminderRule
from partnership import outbox
from partnership.models import OutboundMessage
from partnership.services import Actor, absolute_url, record_delete, record_save
from partnership.tokens import token_new

DEFAULT_REMINDERS = (
    (14, ReminderRule.Anchor.START, ReminderRule.Audience.REGISTERED),
    (2, ReminderRule.Anchor.START, ReminderRule.Audience.REGISTERED),
    (7, ReminderRule.Anchor.DEADLINE, ReminderRule.Audience.NOT_ANSWERED),
)


def reminder_rules_ensure_defaults(*, meeting: Meeting) -> None:
    """Give a meeting without reminder rules the default ones."""
    if meeting.reminder_rules.exists():
        return
    ReminderRule.objects.bulk_create(
        [
            ReminderRule(meeting=meeting, days_before=days, anchor=anchor, audience=audience)
            for days, anchor, audience in DEFAULT_REMINDERS
        ]
    )


def reminder_rule_save(*, rule: ReminderRule, by: Actor) -> ReminderRule:
    """Validate and save a rule edited with its meeting, audited."""
    record_save(instance=rule, by=by)
    return rule


def reminder_rule_delete(*, rule: ReminderRule, by: Actor) -> None:
    record_delete(instance=rule, by=by)


def reminders_void_moved(*, meeting: Meeting, old_anchors: dict[str, datetime | None]) -> None:
    """After a reschedule: cancel the unsent reminders of each rule whose anchor time moved (from
    `old_anchors`, by anchor) and let the sweep queue fresh ones for the new time."""
    for rule in meeting.reminder_rules.all():
        old_anchor, new_anchor = old_anchors[rule.anchor], rule.anchor_time()
        if old_anchor is not None and old_anchor != new_anchor:
            outbox.messages_cancel(keys_startwith=reminder_key_prefix(rule=rule, anchor=old_anchor))
            rule.done_for_anchor = None
            rule.save(update_fields=["done_for_anchor"])


def reminders_sweep(*, now: datetime | None = None) -> int:
    """Queue the reminders that are due now; a (recipient, rule, anchor time) is queued only once."""
    now = now or timezone.now()
    queued = 0
    rules = ReminderRule.objects.filter(meeting__state__in=workflow.ACTIVE, meeting__starts_at__gt=now).select_related(
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


def reminder_key_prefix(*, rule: ReminderRule, anchor: datetime) -> str:
    """`meeting:<id>:reminder:<rule>:<anchor time in UTC>:`, followed by the registration's id."""
    return f"meeting:{rule.meeting_id}:reminder:{rule.pk}:{anchor.astimezone(UTC).isoformat()}:"


@transaction.atomic
def _queue_reminders(*, rule: ReminderRule, anchor: datetime) -> int:
    # Locks the meeting row too, so a cancel or reschedule that the sweep read before it committed
    # is seen here: a sweep must not queue reminders for a cancelled meeting or a time it no longer has.
    rule = ReminderRule.objects.select_for_update().select_related("meeting").get(pk=rule.pk)
    meeting = rule.meeting
    if rule.done_for_anchor == anchor or meeting.state not in workflow.ACTIVE or rule.anchor_time() != anchor:
        return 0
    if rule.audience == ReminderRule.Audience.REGISTERED:
        registrations = meeting.registrations.filter(state__in=workflow.HOLDS_PLACE)
    else:
        registrations = meeting.registrations.filter(state=Registration.State.INVITED)
    registrations = registrations.filter(person__erased_at__isnull=True).select_related("person", "meeting")
    prefix = reminder_key_prefix(rule=rule, anchor=anchor)
    # A reminder already written (the rule was reset by hand) is not written again, nor its link replaced.
    # A cancelled one does not count: the meeting moved away from this time and back, so it is due again.
    written = set(
        OutboundMessage.objects.filter(key__startswith=prefix)
        .exclude(status=OutboundMessage.Status.CANCELLED)
        .values_list("key", flat=True)
    )
    messages = []
    links = []
    for registration in registrations:
        if f"{prefix}{registration.pk}" in written:
            continue
        person = registration.person
        personal_url = ""
        if rule.audience == ReminderRule.Audience.NOT_ANSWERED or person.user_id is None:
            # A fresh personal link, so the reminder can be answered without finding the invitation, and someone
            # without an account reaches the meeting's pages.
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
                "meeting_url": personal_url if person.user_id is None else absolute_url(meeting.get_absolute_url()),
                "personal_url": personal_url,
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
    queued = outbox.messages_enqueue_bulk(messages, revive_cancelled=True) if messages else 0
    rule.done_for_anchor = anchor
    rule.save(update_fields=["done_for_anchor"])
    return queued
