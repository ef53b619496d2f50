"""The partner records that nearly every page reads, kept in the shared cache and fresh as the database: accounts,
people, organisations, memberships, partnerships, their priority areas and pillars.

One generation token stands for everything kept here. Saving or deleting any such row replaces it (at once, and
again when the transaction commits, so that no request reading the old rows between the two keeps them under the
new token), and every page's next read goes to the database again. Code that changes such rows without signals
(`QuerySet.update`, `bulk_create`) calls `forget_all`, and so does every `migrate` (a deploy). These rows change
seldom (a coordinator's edit, an import) and are read on every page, so one token for all of them costs little.

One limit: what a transaction reads through this cache after changing such rows is kept under the token replaced
at once; were the transaction to roll back, its rows would be served until the next change or for
RECORDS_CACHE_SECONDS. No code path of the portal reads so; keep it so.

On with a shared cache (Redis) only, as RECORDS_CACHE_SECONDS says (at most that long, as a backstop); with a
cache of each process's own (locmem), a change made in one process would not reach the others, so it is off there.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from partnership.request_memo import remembered

T = TypeVar("T")

GENERATION_KEY = "records:generation"


def enabled() -> bool:
    return settings.RECORDS_CACHE_SECONDS > 0


def forget_all() -> None:
    """Everything kept here is read from the database again."""
    if enabled():
        cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def forget_all_now_and_on_commit() -> None:
    """`forget_all`, now and, inside a transaction, again when it commits."""
    if not enabled():
        return
    forget_all()
    connection = transaction.get_connection()
    # Once per transaction however many rows it changes (an import saves thousands).
    if connection.in_atomic_block and not any(entry[1] is forget_all for entry in connection.run_on_commit):
        # Robust: the change is committed by then, and a cache that fails now must not fail the request.
        transaction.on_commit(forget_all, robust=True)


def read_with_generation(key: str, also: Iterable[str] = ()) -> tuple[str | None, Any, dict[str, Any]]:
    """The current generation, what is kept under the key whatever its generation, and what the cache holds under
    the `also` keys, all in one round trip."""
    found = cache.get_many([GENERATION_KEY, key, *also])
    generation = found.pop(GENERATION_KEY, None)
    if generation is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
        generation = cache.get(GENERATION_KEY)
    return generation, found.pop(key, None), found


def kept(key: str, read: Callable[[], T]) -> T:
    """What `read()` gives, kept under the key until the partner records change; read once per GET request."""
    return remembered(key, 0, lambda: _kept(key, read))


def _kept(key: str, read: Callable[[], T]) -> T:
    if not enabled():
        return read()
    generation, found, _others = read_with_generation(key)
    if isinstance(found, tuple) and len(found) == 2 and found[0] == generation:
        value: T = found[1]
        return value
    value = read()
    if generation is not None:
        cache.set(key, (generation, value), settings.RECORDS_CACHE_SECONDS)
    return value


def connect() -> None:
    """Forget everything kept when a partner record is saved or deleted (called once the apps are ready)."""
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_delete, post_migrate, post_save

    from partnership.models import Membership, Organisation, Partnership, Person, Pillar, PriorityArea

    for model in (get_user_model(), Person, Organisation, Membership, Partnership, PriorityArea, Pillar):
        for signal in (post_save, post_delete):
            signal.connect(_changed, sender=model, dispatch_uid=f"records-cache-{model._meta.label}-{id(signal)}")
    post_migrate.connect(_migrated, dispatch_uid="records-cache-migrated")


def _changed(**kwargs: Any) -> None:
    forget_all_now_and_on_commit()


def _migrated(**kwargs: Any) -> None:
    """A deploy's `migrate` forgets what the previous release kept (its pickled rows, a data migration's changes)."""
    forget_all()
