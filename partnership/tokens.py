"""Personal-link tokens: 32 random bytes handed out once, stored only as a SHA-256 hash."""

from __future__ import annotations

import base64
import hashlib
import secrets

from django.utils.crypto import salted_hmac


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_new() -> tuple[str, str]:
    """A fresh token and its hash; keep the hash, put the token in the link."""
    raw = secrets.token_urlsafe(32)
    return raw, token_hash(raw)


def token_derived(purpose: str, value: str) -> str:
    """A token the server can give again (a ticket shown on every visit) without keeping it: derived from
    the secret key, so the database, which keeps only its hash, cannot give it back."""
    digest = salted_hmac(purpose, value, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
