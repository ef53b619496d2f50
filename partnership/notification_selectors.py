"""Reads of notifications, follows and announcements, scoped to what the reader may see now.

Which objects a user may see is each app's business: an app names, on its AppConfig, the selector that returns
the objects of one of its models visible to a user (`notification_visibility = {"actions.action":
"actions.selectors.actions_visible"}`). The selectors are reached by dotted path, so this module imports no app
above partnership, and a notification about an object the reader may no longer see (a draft of another
organisation, a private partnership they left) is never listed or counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache as django_cache
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from partnership import access, viewers
from partnership import selectors as partner_selectors
from partnership.models import Announcement, Follow, Notification, NotificationPreference, Partnership

Visibility = Callable[[Any], QuerySet[Any]]
# Readers whose checks one query unites (SQLite allows 500 terms in a compound SELECT).
READERS_PER_QUERY = 100


@cache
def visibility_selectors() -> dict[str, Visibility]:
    """Every app's selector of visible objects, by model label ("actions.action")."""
    found: dict[str, Visibility] = {}
    for config in apps.get_app_configs():
        for label, path in getattr(config, "notification_visibility", {}).items():
            found[label] = import_string(path)
    return found


def visible_to(user: Any, instance: Any) -> bool:
    """Whether the user may see this object now, by its app's selector (nothing is visible without one)."""
    selector = visibility_selectors().get(instance._meta.label_lower)
    return bool(selector and selector(user).filter(pk=instance.pk).exists())


def objects_visible(readers: dict[int, Any], wanted: dict[str, dict[int, set[int]]]) -> set[tuple[int, str, int]]:
    """Which objects each reader may see now, by the same selectors as `visible_to`: `wanted` names, by model
    label, each reader's id and the ids of the objects to check. One query per model (for up to READERS_PER_QUERY
    readers), however many readers and objects: each reader's selector narrowed to their objects, united. The
    answer holds (reader id, model label, object id) for each object the reader may see."""
    found: set[tuple[int, str, int]] = set()
    for label, by_reader in wanted.items():
        selector = visibility_selectors().get(label)
        checked = [reader for reader, ids in by_reader.items() if reader in readers and ids]
        if selector is None:
            continue  # nothing is visible without one
        for start in range(0, len(checked), READERS_PER_QUERY):
            parts = [
                selector(readers[reader])
                .filter(pk__in=sorted(by_reader[reader]))
                .order_by()
                .annotate(notified_reader=Value(reader))
                .values_list("pk", "notified_reader")
                for reader in checked[start : start + READERS_PER_QUERY]
            ]
            united = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
            found.update((reader, label, pk) for pk, reader in united)
    return found


def notifications_visible(readers: Iterable[Any], notifications: Iterable[Notification]) -> set[int]:
    """The ids of those notifications whose recipient (one of `readers`) may see their object now: the rule of
    `notifications_of`, for many readers at once in one query per kind of object (`objects_visible`)."""
    by_id = {reader.pk: reader for reader in readers}
    listed = [n for n in notifications if n.recipient_id in by_id]
    labels = {n.content_type_id: _label(n.content_type_id) for n in listed}
    wanted: dict[str, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    for n in listed:
        wanted[labels[n.content_type_id]][n.recipient_id].add(n.object_id)
    seen = objects_visible(by_id, wanted)
    return {n.pk for n in listed if (n.recipient_id, labels[n.content_type_id], n.object_id) in seen}


def _label(content_type_id: int) -> str:
    """A content type's model label, from Django's cache of content types (a query only the first time)."""
    content_type = ContentType.objects.get_for_id(content_type_id)
    return f"{content_type.app_label}.{content_type.model}"


def _visible(user: Any) -> Q:
    """Notifications whose object the user may see now: one condition, with each app's selector as a subquery."""
    condition = Q(pk__in=[])
    for label, selector in visibility_selectors().items():
        # The type's id by its name, in the same query (no lookup first): a scalar subquery rather than a join on
        # the names, which would make PostgreSQL guess that few notifications pass and sort them all.
        app_label, model = label.split(".")
        content_type_id = Subquery(ContentType.objects.filter(app_label=app_label, model=model).values("pk")[:1])
        # The selector is asked only about the objects the user's notifications name: with 100,000 actions, the
        # visible ones among a few, not all 37,000 visible ones to look the notifications up in.
        named = Notification.objects.filter(recipient=user, content_type_id=content_type_id).values("object_id")
        visible = selector(user).filter(pk__in=named).values("pk")
        condition |= Q(content_type_id=content_type_id, object_id__in=visible)
    return condition


def notifications_of(user: Any) -> QuerySet[Notification]:
    """The user's notifications, newest first, about what they may see now."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).filter(_visible(user)).order_by("-at", "-id")


def unread_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def unread_count(user: Any) -> int:
    """The bell's number: kept in the cache, which every new or read notification clears, so most pages pay
    one cache read and no query; the short lifetime catches what changed visibility in between."""
    if not getattr(user, "is_authenticated", False):
        return 0
    key = unread_key(user.pk)
    count = viewers.also_read(user, key)  # read with the account (auth_backends)
    if count is viewers.MISSING:
        count = django_cache.get(key)
    if count is None:
        count = notifications_of(user).filter(read_at__isnull=True).count()
        django_cache.set(key, count, settings.NOTIFICATION_COUNT_CACHE_SECONDS)
    return int(count)


def unread_forget(user_ids: list[int]) -> None:
    django_cache.delete_many([unread_key(user_id) for user_id in user_ids])


def deliveries_of(user: Any) -> dict[str, str]:
    """How the user wants each kind by mail (the daily digest unless they chose otherwise)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return {kind: chosen.get(kind, NotificationPreference.Delivery.DIGEST) for kind in Notification.Kind.values}


# Whether the signed-in user follows a row, when it was read with `followed_by`.
FOLLOWED = "followed_by_viewer"


def followed_by(user: Any, model: type[Any]) -> Exists:
    """Whether the user follows the row, for `annotate(**{FOLLOWED: ...})`: `follows` then needs no query."""
    content_type = ContentType.objects.get_for_model(model)
    return Exists(Follow.objects.filter(user=user, content_type=content_type, object_id=OuterRef("pk")))


def follows(user: Any, instance: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if hasattr(instance, FOLLOWED):
        return bool(getattr(instance, FOLLOWED))
    content_type = ContentType.objects.get_for_model(type(instance))  # kept in memory after the first read
    return Follow.objects.filter(user=user, content_type=content_type, object_id=instance.pk).exists()


def followers_of(instance: Any) -> QuerySet[Any]:
    """The users who follow this object."""
    content_type = ContentType.objects.get_for_model(type(instance))
    user_ids = Follow.objects.filter(content_type=content_type, object_id=instance.pk).values("user_id")
    return apps.get_model(settings.AUTH_USER_MODEL).objects.filter(pk__in=user_ids, is_active=True)


def announcements_received(user: Any) -> QuerySet[Announcement]:
    """The announcements written to the user, whichever have expired (the notification's object)."""
    if not getattr(user, "is_authenticated", False):
        return Announcement.objects.none()
    return Announcement.objects.filter(recipients=user)


def announcements_current(user: Any, *, limit: int = 5) -> list[Announcement]:
    """What the user's home page shows: announcements to them that have not expired, newest first."""
    return list(
        announcements_received(user)
        .filter(expires_at__gt=timezone.now())
        .select_related("partnership")
        .order_by("-created_at", "-id")[:limit]
    )


def announcement_partnership_access(user: Any, slug: str) -> Partnership:
    """A partnership the user coordinates, to write to its members: a visitor is sent to log in, a partnership the
    user may not see is 404, one they may see but do not coordinate 403."""
    access.signed_in(user)
    partnership = partner_selectors.partnership_access(user, slug)
    if not partner_selectors.partnerships_coordinated(user).filter(pk=partnership.pk).exists():
        access.refuse(user, _("Only the partnership's coordinators can do this."))
    return partnership
