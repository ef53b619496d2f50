"""Personal-link tokens: 32 random bytes handed out once, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_new() -> tuple[str, str]:
    """A fresh token and its hash; keep the hash, put the token in the link."""
    raw = secrets.token_urlsafe(32)
    return raw, token_hash(raw)
