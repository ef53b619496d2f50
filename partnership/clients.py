"""Who is asking: the visitor's address as the portal's limits and login throttling count it, and the limits.

Behind a reverse proxy every request comes from the proxy's address, so a limit keyed on it holds every
visitor to one count. Each proxy appends the address it received a request from to `X-Forwarded-For`; only
the last TRUSTED_PROXY_COUNT entries were written by proxies of ours, and anything left of them is whatever
the visitor chose to send. So the visitor is the entry the outermost trusted proxy appended, and with no
trusted proxy (the default) the header is ignored and the direct address counts.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The visitor's IP address, taken from X-Forwarded-For only as far as TRUSTED_PROXY_COUNT proxies vouch."""
    direct = str(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return direct
    forwarded = [entry.strip() for entry in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    forwarded = [entry for entry in forwarded if entry]
    if not forwarded:
        return direct
    # Fewer entries than proxies: every entry is a trusted proxy's, and the leftmost is the visitor.
    candidate = forwarded[-proxies] if len(forwarded) >= proxies else forwarded[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return direct


def limit_reached(key: str, limit: int) -> bool:
    """Whether the count under key has reached limit within its current period."""
    return int(cache.get(f"limit:{key}", 0)) >= limit


def limit_count(key: str, *, seconds: int = 3600) -> int:
    """Count one more under key; the period runs from the first count, later ones do not extend it."""
    full = f"limit:{key}"
    cache.add(full, 0, seconds)
    try:
        return int(cache.incr(full))
    except ValueError:  # expired between the two calls
        cache.set(full, 1, seconds)
        return 1
