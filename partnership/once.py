"""One-time tokens on create forms, so that a repeat of the same post creates one row.

A create form carries a random token (`{% once_field %}` from `partnership.templatetags.once`); a form shown
again with errors keeps the token it was posted with. The view creates inside `creating(request)`, which claims
the token first, in the same transaction: a repeat that comes after the first committed, or that raced it and
waited on the token's unique index, raises `Repeated` before it writes anything, with the address the first
went to. A create that fails rolls its claim back, so the form can be sent again. A post without a token (an
old page, a script) creates as before. Spent tokens are kept `FORM_TOKEN_DAYS` days (`spent_tokens_purge`, daily
by Beat): long past any resend of the same post, after which the token is only a row to delete.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from partnership.models import SpentFormToken
from partnership.tokens import token_hash

FIELD = "once"
_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")


class Repeated(Exception):
    """The form's token was spent by an earlier post: what it created is at `url`."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


@dataclass
class Created:
    """Where the create went: the view sets `url` to the page of what it created."""

    url: str = ""


def new_token() -> str:
    return secrets.token_urlsafe(32)


def posted_token(request: HttpRequest) -> str:
    """The token the form was posted with, or "" when it has none of the shape this module writes."""
    value = str(request.POST.get(FIELD, ""))
    return value if _SHAPE.fullmatch(value) else ""


@contextmanager
def creating(request: HttpRequest) -> Iterator[Created]:
    """A transaction that claims the posted token before the view creates anything; raises `Repeated` when
    another post of the same form claimed it first (waiting for that one to commit or roll back)."""
    token = posted_token(request)
    created = Created()
    with transaction.atomic():
        claim = None
        if token:
            digest = token_hash(token)
            try:
                with transaction.atomic():
                    claim = SpentFormToken.objects.create(token_hash=digest, url="")
            except IntegrityError:
                first = SpentFormToken.objects.filter(token_hash=digest).values_list("url", flat=True).first()
                raise Repeated(first or "/") from None
        yield created
        if claim is not None:
            SpentFormToken.objects.filter(pk=claim.pk).update(url=created.url[:500])


def spent_tokens_purge(*, now: datetime | None = None) -> int:
    """Delete the tokens spent more than `FORM_TOKEN_DAYS` days ago; returns how many went."""
    before = (now or timezone.now()) - timedelta(days=settings.FORM_TOKEN_DAYS)
    deleted, _by_model = SpentFormToken.objects.filter(created_at__lt=before).delete()
    return deleted
