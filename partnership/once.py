"""One-time tokens on create forms, so that a repeat of the same post creates one row.

A create form carries a random token (`{% once_field %}` from `partnership.templatetags.once`); a form shown
again with errors keeps the token it was posted with. The view creates and spends the token in one transaction
(`spend`); a repeat that arrives after the first committed finds it (`done_before`), and one that raced it fails
on the token's unique index, rolls back what it created and is sent where the first went (`Repeated`). A post
without a token (an old page, a script) creates as before.
"""

from __future__ import annotations

import re
import secrets

from django.db import IntegrityError, transaction
from django.http import HttpRequest

from partnership.models import SpentFormToken
from partnership.tokens import token_hash

FIELD = "once"
_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")


class Repeated(Exception):
    """The form's token was spent by another request: what it created is at `url`."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def new_token() -> str:
    return secrets.token_urlsafe(32)


def posted_token(request: HttpRequest) -> str:
    """The token the form was posted with, or "" when it has none of the shape this module writes."""
    value = str(request.POST.get(FIELD, ""))
    return value if _SHAPE.fullmatch(value) else ""


def done_before(request: HttpRequest) -> str | None:
    """Where a post with this token went before, if it created something already."""
    token = posted_token(request)
    if not token:
        return None
    return SpentFormToken.objects.filter(token_hash=token_hash(token)).values_list("url", flat=True).first()


def spend(request: HttpRequest, *, url: str) -> None:
    """Spend the posted token inside the caller's transaction, beside the row it created; raises `Repeated`
    (which rolls the caller's transaction back) when a concurrent post with the same token spent it first."""
    token = posted_token(request)
    if not token:
        return
    try:
        with transaction.atomic():
            SpentFormToken.objects.create(token_hash=token_hash(token), url=url)
    except IntegrityError:
        first = SpentFormToken.objects.filter(token_hash=token_hash(token)).values_list("url", flat=True).first()
        raise Repeated(first or url) from None
