"""Writing notifications: apps call `notify` in the transaction of the change, as they write mails.

A notification goes to each user who may see its object now and is not the one who caused it; it is mailed
at once, gathered in the next daily digest or not mailed, as the user chose for its kind. The digest is one
outbox mail per user and day with a unique key, started by Beat through a durable job row, so two overlapping
runs send it once. Every such mail carries a one-click unsubscribe (RFC 8058) for its kind, a signed token.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from partnership import jobs, outbox
from partnership import notification_selectors as selectors
from partnership.models import (
    Announcement,
    Follow,
    Job,
    Membership,
    Notification,
    NotificationPreference,
    OutboundMessage,
    Partnership,
    Person,
)
from partnership.services import absolute_url

Kind = Notification.Kind
Delivery = NotificationPreference.Delivery
UNSUBSCRIBE_SALT = "partnership.notifications.unsubscribe"
DIGEST = "digest"  # the token's kind for the digest mail: it stops every kind that went into the digest
DIGEST_JOB = "partnership.notifications.digests_send"
DIGEST_BATCH = 100  # users whose digests one transaction writes


def notify(
    *,
    kind: str,
    about: Any,
    partnership_id: int,
    users: Iterable[Any],
    event: str,
    by: Any = None,
    url: str = "",
) -> int:
    """Write a notification of `kind` about `about` for each of `users` who may see it now, leaving out `by`;
    `event` names the occurrence, so a repeat of the same event writes nothing. Returns how many were new."""
    by_id = getattr(by, "pk", None)
    candidates = {user.pk: user for user in users if user is not None and user.is_active and user.pk != by_id}
    label = about._meta.label_lower
    # Who may see it, for every candidate at once: one query per READERS_PER_QUERY candidates, not one each.
    seen = selectors.objects_visible(candidates, {label: {user_id: {about.pk} for user_id in candidates}})
    recipients = [user for user_id, user in candidates.items() if (user_id, label, about.pk) in seen]
    if not recipients:
        return 0
    key = f"{kind}:{event}"[:200]
    content_type = ContentType.objects.get_for_model(type(about))
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                partnership_id=partnership_id,
                kind=kind,
                content_type=content_type,
                object_id=about.pk,
                title=str(about)[:300],
                url=url or about.get_absolute_url(),
                key=key,
                at=now,
            )
            for user in recipients
        ],
        ignore_conflicts=True,
    )
    written = list(
        Notification.objects.filter(recipient__in=recipients, key=key, at=now, mailed_at__isnull=True).select_related(
            "recipient__person"
        )
    )
    _mail_at_once(written, now=now)
    _counts_forget([notification.recipient_id for notification in written])
    return len(written)


def _counts_forget(user_ids: list[int]) -> None:
    """The bells' counts are forgotten now and again at the commit, so a page between the two counts again."""
    selectors.unread_forget(user_ids)
    transaction.on_commit(lambda: selectors.unread_forget(user_ids))


def _mail_at_once(notifications: list[Notification], *, now: datetime.datetime) -> None:
    """Mail at once the notifications whose recipients want their kind so, and mark those not to be mailed; the
    rest wait for the digest. One query reads every recipient's choice."""
    chosen = dict(
        NotificationPreference.objects.filter(
            user_id__in=[notification.recipient_id for notification in notifications],
            kind__in={notification.kind for notification in notifications},
        ).values_list("user_id", "delivery")
    )
    settled = []
    for notification in notifications:
        delivery = chosen.get(notification.recipient_id, Delivery.DIGEST)
        if delivery == Delivery.DIGEST:
            continue
        settled.append(notification.pk)
        address = _address(notification.recipient)
        if delivery == Delivery.IMMEDIATE and address:
            email, language = address
            outbox.message_queue(
                key=f"notification:{notification.pk}",
                to_email=email,
                template="partnership/email/notification",
                language=language,
                context={
                    "notification": notification,
                    "url": absolute_url(notification.url),
                    "unsubscribe_url": unsubscribe_url(notification.recipient_id, notification.kind),
                    "preferences_url": absolute_url(reverse("notification_preferences")),
                },
                partnership_id=notification.partnership_id,
                headers=unsubscribe_headers(notification.recipient_id, notification.kind),
            )
    Notification.objects.filter(pk__in=settled).update(mailed_at=now)


def _address(user: Any) -> tuple[str, str] | None:
    person: Person | None = getattr(user, "person", None)
    if person is not None and person.erased_at is None and person.email:
        return person.email, person.language
    if user.email:
        return user.email, settings.LANGUAGE_CODE
    return None


# Who is told --------------------------------------------------------------------------------------


def _active_membership(prefix: str = "") -> Q:
    today = timezone.localdate()
    return Q(**{f"{prefix}since__lte": today}) & (
        Q(**{f"{prefix}until__isnull": True}) | Q(**{f"{prefix}until__gte": today})
    )


def users_of_organisations(organisation_ids: Iterable[int | None]) -> QuerySet[Any]:
    """The accounts of the people of these organisations (who proposed, lead or contribute to an action)."""
    ids = [pk for pk in organisation_ids if pk is not None]
    return (
        get_user_model()
        .objects.filter(is_active=True, person__organisation_id__in=ids, person__erased_at__isnull=True)
        .select_related("person")
    )


def users_of_people_accounts(user_ids: Iterable[int]) -> QuerySet[Any]:
    return get_user_model().objects.filter(pk__in=list(user_ids), is_active=True).select_related("person")


def members_of(partnership_id: int, *, roles: Iterable[str] | None = None) -> QuerySet[Any]:
    """The accounts of the people of the partnership's member organisations (of these roles only)."""
    memberships = Membership.objects.filter(_active_membership(), partnership_id=partnership_id)
    if roles is not None:
        memberships = memberships.filter(role__in=list(roles))
    return users_of_organisations(memberships.values_list("organisation_id", flat=True))


def coordinators_of(partnership_id: int) -> QuerySet[Any]:
    return members_of(partnership_id, roles=Membership.MANAGING_ROLES)


# Unsubscribing ----------------------------------------------------------------------------------


def unsubscribe_token(user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(user_id: int, kind: str) -> str:
    return absolute_url(reverse("notification_unsubscribe", kwargs={"token": unsubscribe_token(user_id, kind)}))


def unsubscribe_headers(user_id: int, kind: str) -> dict[str, str]:
    """RFC 8058: a mail client may unsubscribe with one POST to the address, without opening a page."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(user_id, kind)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def unsubscribe_read(token: str) -> tuple[Any, str]:
    """The user and the kind a token stops; a forged or damaged token raises ValidationError."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user = get_user_model().objects.get(pk=int(data["u"]), is_active=True)
        kind = str(data["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, get_user_model().DoesNotExist) as error:
        raise ValidationError(_("This unsubscribe link is not valid.")) from error
    if kind != DIGEST and kind not in Kind.values:
        raise ValidationError(_("This unsubscribe link is not valid."))
    return user, kind


@transaction.atomic
def unsubscribe(*, user: Any, kind: str) -> list[str]:
    """No more mail of this kind (of the digest: of every kind that went into it); returns the kinds stopped."""
    if kind == DIGEST:
        kinds = [kind for kind, delivery in selectors.deliveries_of(user).items() if delivery == Delivery.DIGEST]
    else:
        kinds = [kind]
    for each in kinds:
        NotificationPreference.objects.update_or_create(user=user, kind=each, defaults={"delivery": Delivery.NEVER})
    return kinds


@transaction.atomic
def preferences_set(*, user: Any, deliveries: dict[str, str]) -> None:
    for kind, delivery in deliveries.items():
        if kind not in Kind.values or delivery not in Delivery.values:
            raise ValidationError(_("Choose how to receive each kind of notification."))
        NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults={"delivery": delivery})


# Reading and following ---------------------------------------------------------------------------


def notifications_mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (those of `ids`, or all); another user's ids change nothing."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    count = unread.update(read_at=timezone.now())
    _counts_forget([user.pk])
    return count


@transaction.atomic
def follow_set(*, user: Any, instance: Any, following: bool) -> bool:
    """Follow or stop following an object the user may see; returns whether they follow it now."""
    content_type = ContentType.objects.get_for_model(type(instance))
    if following:
        Follow.objects.get_or_create(user=user, content_type=content_type, object_id=instance.pk)
    else:
        Follow.objects.filter(user=user, content_type=content_type, object_id=instance.pk).delete()
    return following


# The daily digest ------------------------------------------------------------------------------------


def digests_start(*, day: datetime.date | None = None) -> list[Job]:
    """Beat's daily start: one job per partnership and day (its key makes a second start find the first)."""
    day = day or timezone.localdate()
    waiting = Notification.objects.filter(mailed_at__isnull=True).values("partnership_id").distinct()
    started = []
    for partnership in Partnership.objects.filter(pk__in=waiting):
        key = f"digest:{partnership.pk}:{day.isoformat()}"
        # A job of the day that has finished is not started again by the next hourly run.
        if Job.objects.filter(key=key, state=Job.State.DONE).exists():
            continue
        started.append(
            jobs.job_request(
                kind=DIGEST_JOB, partnership=partnership, by=None, params={"day": day.isoformat()}, key=key
            )
        )
    return started


@jobs.job_handler
def digests_send(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    """Write the day's digest of every user with notifications waiting in the job's partnership: one outbox mail
    per user and day under a unique key, so a second run, or the job of another partnership, adds none. Users are
    taken DIGEST_BATCH at a time, each batch in a constant number of queries."""
    day = datetime.date.fromisoformat(job.params["day"])
    user_ids = list(
        Notification.objects.filter(partnership=job.partnership, mailed_at__isnull=True)
        .values_list("recipient_id", flat=True)
        .distinct()
        .order_by("recipient_id")
    )
    progress(0, len(user_ids))
    mailed = 0
    for start in range(0, len(user_ids), DIGEST_BATCH):
        batch = user_ids[start : start + DIGEST_BATCH]
        mailed += digests_write(user_ids=batch, day=day)
        progress(start + len(batch))
    return {"users": len(user_ids), "mailed": mailed}


def digest_write(*, user_id: int, day: datetime.date) -> bool:
    """Put one user's digest for `day` in the outbox (see `digests_write`); whether one was written."""
    return digests_write(user_ids=[user_id], day=day) == 1


@transaction.atomic
def digests_write(*, user_ids: list[int], day: datetime.date) -> int:
    """Put these users' digests for `day` in the outbox: for each, what they may still see of their notifications
    waiting for it and not yet read in the portal; nothing when there is nothing. Every waiting notification of a
    user whose digest is written now is marked mailed with it. A constant number of queries, however many users:
    returns how many were written.
    """
    keys = {user_id: f"digest:{user_id}:{day.isoformat()}" for user_id in user_ids}
    # Locked first, in the users' order: two runs writing these digests at once take turns, and the second
    # finds nothing waiting.
    pending = list(
        Notification.objects.select_for_update()
        .filter(recipient_id__in=user_ids, mailed_at__isnull=True)
        .order_by("recipient_id", "at", "id")
    )
    # A user whose digest of the day is written already (by another partnership's job, or a run before) gets
    # nothing more today: what arrived since waits for tomorrow's.
    written = set(OutboundMessage.objects.filter(key__in=keys.values()).values_list("key", flat=True))
    due = [n for n in pending if keys[n.recipient_id] not in written]
    if not due:
        return 0
    users = get_user_model().objects.select_related("person").in_bulk({n.recipient_id for n in due})
    chosen: dict[tuple[int, str], str] = {
        (user_id, kind): delivery
        for user_id, kind, delivery in NotificationPreference.objects.filter(user_id__in=users).values_list(
            "user_id", "kind", "delivery"
        )
    }
    visible = selectors.notifications_visible(users.values(), due)
    Notification.objects.filter(pk__in=[n.pk for n in due]).update(mailed_at=timezone.now())
    shown: dict[int, list[Notification]] = {}
    for n in due:
        # What they read in the portal already is not news to them.
        if (
            n.pk in visible
            and n.read_at is None
            and chosen.get((n.recipient_id, n.kind), Delivery.DIGEST) == Delivery.DIGEST
        ):
            shown.setdefault(n.recipient_id, []).append(n)
    messages = []
    for user_id, items in shown.items():
        user = users[user_id]
        address = _address(user) if user.is_active else None
        if address is None:
            continue
        email, language = address
        with translation.override(language):
            listed = [(n, n.get_kind_display(), absolute_url(n.url)) for n in items]
        subject, text, html = outbox.render_mail(
            template="partnership/email/digest",
            context={
                "items": listed,
                "day": day,
                "notifications_url": absolute_url(reverse("notifications")),
                "preferences_url": absolute_url(reverse("notification_preferences")),
                "unsubscribe_url": unsubscribe_url(user_id, DIGEST),
            },
            language=language,
        )
        messages.append(
            OutboundMessage(
                key=keys[user_id],
                to_email=email,
                subject=subject[:255],
                body_text=text,
                body_html=html,
                send_after=timezone.now(),
                headers=unsubscribe_headers(user_id, DIGEST),
            )
        )
    outbox.messages_enqueue_bulk(messages)
    return len(messages)


# Announcements -----------------------------------------------------------------------------------


@transaction.atomic
def announcement_publish(
    *,
    partnership: Partnership,
    by: Any,
    title: str,
    body: str,
    expires_at: datetime.datetime,
    recipients: Iterable[Any],
    audience: str,
    role: str = "",
) -> Announcement:
    """Write an announcement to these users (the caller picked them: members, one role, a meeting's
    participants), shown on their home pages until it expires and notified per their choice."""
    announcement = Announcement(
        partnership=partnership,
        author=by,
        title=title.strip(),
        body=body.strip(),
        expires_at=expires_at,
        role=role,
        audience=audience[:300],
    )
    if expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("Choose a moment in the future.")})
    announcement.full_clean()
    announcement.save()
    users = [user for user in recipients if user is not None and user.is_active]
    announcement.recipients.set(users)
    notify(
        kind=Kind.ANNOUNCEMENT,
        about=announcement,
        partnership_id=partnership.pk,
        users=users,
        event=f"announcement:{announcement.pk}",
        by=by,
        url=reverse("home"),
    )
    return announcement
