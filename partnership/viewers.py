"""Who a signed-in user is, kept in the shared cache between their requests (`records_cache`): their account with
their person and organisation, and their organisation's roles, read in one round trip to the cache instead of two
queries.

Every page a signed-in user opens reads their account (Django's session authentication), and most pages ask for
their roles; `PortalBackend.get_user` keeps both, fresh as the partner records are (a change to any of them makes
every user's next request read the database). Roles are kept for the day they were read, as memberships begin and
end by the calendar.

The password hash is not kept: the account is kept without it, with the session hash that Django's session
authentication compares (already in the session itself); reading the password loads it from the database.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from partnership import records_cache
from partnership.models import calendar_today
from partnership.request_memo import remembering

# The roles read with the account, by partnership id, with their day: `selectors.partnership_roles` reads them.
ROLES_ATTRIBUTE = "kept_roles"
# Other cached values read with the account, by key.
ALSO_ATTRIBUTE = "kept_also"
MISSING = object()


def also_read(user: Any, key: str) -> Any:
    """What the cache held under the key when the user's account was read in this GET request (with `also`), or
    MISSING (not asked for, not in the cache, or not a GET request, which may change it before reading it)."""
    if not remembering():
        return MISSING
    return getattr(user, ALSO_ATTRIBUTE, {}).get(key, MISSING)


@dataclass(frozen=True)
class Kept:
    """A viewer as the cache keeps it."""

    generation: str
    day: date
    account: Any  # the user, its password deferred; its person and organisation with it
    session_hash: str
    roles: dict[int, set[str]]


@functools.cache
def _key_prefix() -> str:
    # Session hashes are made with SECRET_KEY: a new key leaves what was kept under the old one unread.
    return "viewers:" + salted_hmac("partnership.viewers", "key").hexdigest()[:12]


def _key(user_id: Any) -> str:
    return f"{_key_prefix()}:{user_id}"


def account(
    user_id: Any,
    read: Callable[[], Any],
    roles: Callable[[Any, date], dict[int, set[str]]],
    also: Iterable[str] = (),
) -> Any:
    """The user with this id, from the cache if kept under the current generation today, else `read()` (None if
    there is none), then kept with `roles(user, today)`. What the cache holds under the `also` keys comes in the
    same round trip, as the user's `ALSO_ATTRIBUTE`, for `also_read`."""
    if not records_cache.enabled():
        return read()
    key = _key(user_id)
    generation, kept, others = records_cache.read_with_generation(key, also)
    today = calendar_today()
    if isinstance(kept, Kept) and kept.generation == generation and kept.day == today:
        user = _restored(kept)
        setattr(user, ALSO_ATTRIBUTE, others)
        return user
    user = read()
    if user is not None and generation is not None:
        user_roles = roles(user, today)
        setattr(user, ROLES_ATTRIBUTE, (today, user_roles))
        _keep(key, Kept(generation, today, user, user.get_session_auth_hash(), user_roles))
    if user is not None:
        setattr(user, ALSO_ATTRIBUTE, others)
    return user


def _keep(key: str, kept: Kept) -> None:
    """Keep the viewer without their password hash (the account this request uses keeps it)."""
    password = kept.account.__dict__.pop("password")
    try:
        cache.set(key, kept, settings.RECORDS_CACHE_SECONDS)
    finally:
        kept.account.__dict__["password"] = password


def _restored(kept: Kept) -> Any:
    user = kept.account
    setattr(user, ROLES_ATTRIBUTE, (kept.day, kept.roles))
    user.get_session_auth_hash = functools.partial(_session_hash, user, kept.session_hash)
    return user


def _session_hash(user: Any, kept_hash: str) -> str:
    """The kept session hash while the password is not read; once it is (read, or set anew), the user's own."""
    if "password" in user.__dict__:
        return str(type(user).get_session_auth_hash(user))
    return kept_hash
