"""What one request reads about its user, read once: their person and their memberships, kept for one GET.

`AccessMiddleware` opens a memo for each GET or HEAD request (which change nothing, so what was read stays true)
and closes it after the response; selectors keep in it what they read about a user, by name and the user's id. A
page that asks "is this user a member?" three times then costs one query. Outside such a request (a POST, a
command, a task, a test calling a selector) there is no memo and each call reads the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_memo: ContextVar[dict[tuple[str, int], Any] | None] = ContextVar("request_memo", default=None)


@contextmanager
def request_memo() -> Iterator[None]:
    """Keep what is read about users until the block ends."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def remembering() -> bool:
    """Whether a memo is open (a GET request is being answered)."""
    return _memo.get() is not None


def remembered(name: str, user_id: int, read: Callable[[], T]) -> T:
    """`read()`, or what it gave the first time in this request for this name and user."""
    memo = _memo.get()
    if memo is None:
        return read()
    key = (name, user_id)
    if key not in memo:
        memo[key] = read()
    value: T = memo[key]
    return value
