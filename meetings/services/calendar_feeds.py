"""Personal calendar-feed addresses: the token is shown once, kept only as a hash, and can be revoked."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from meetings.models import CalendarFeed
from partnership.models import Person
from partnership.services import Actor, audit_record
from partnership.tokens import token_new


@transaction.atomic
def calendar_feed_create(*, person: Person, by: Actor) -> str:
    """A new feed address for a person; returns the raw token (shown once)."""
    raw, digest = token_new()
    CalendarFeed.objects.create(person=person, token_hash=digest)
    audit_record(by=by, verb="calendar_feed_create", instance=person)
    return raw


@transaction.atomic
def calendar_feed_revoke(*, feed: CalendarFeed, by: Actor) -> None:
    """Stop a feed address from working; calendars that use it stop updating."""
    CalendarFeed.objects.filter(pk=feed.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(by=by, verb="calendar_feed_revoke", instance=feed.person)
