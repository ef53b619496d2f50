"""gunicorn's access log without the secrets some addresses carry.

A personal link (a meeting or survey invitation, the open link, an opt-out), a calendar feed and a password
reset put their token in the path. The log keeps each path as its route resolves it, with the value of every
such argument replaced by a mask, so a log line can be kept and shared without handing out working links.
gunicorn.conf.py names the logger class.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from gunicorn.glogging import Logger

MASK = "[masked]"
# URL arguments that are keys (the portal's tokens, Django's password-reset token and the user id beside it).
SECRET_ARGUMENTS = frozenset({"token", "uidb64"})
# Query parameters that hold an address of the portal, its own secrets included: the login page's "next" after a
# visitor opened a personal address (a QR ticket opened by a phone's camera before its owner logged in).
ADDRESS_PARAMETERS = frozenset({"next"})
# Masked when the path cannot be resolved for another reason than "no such route" (Django not loaded).
LONG_SEGMENT = re.compile(r"(?<=/)[A-Za-z0-9_-]{20,}")


def mask_path(path: str) -> str:
    """The path (with any query) with the values of its route's secret arguments masked."""
    from django.urls import Resolver404, resolve

    base, separator, query = path.partition("?")
    query = _mask_query(query)
    try:
        match = resolve(base)
    except Resolver404:
        return base + separator + query
    except Exception:  # noqa: BLE001 - no URLconf to read: mask whatever could be a token
        return LONG_SEGMENT.sub(MASK, base) + separator + query
    for name in SECRET_ARGUMENTS & match.kwargs.keys():
        value = str(match.kwargs[name])
        if value:
            base = base.replace(value, MASK)
    return base + separator + query


def _mask_query(query: str) -> str:
    """The query with the addresses it carries (`next`) masked as paths are; other queries as they came."""
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(key in ADDRESS_PARAMETERS for key, _value in pairs):
        return query
    masked = [(key, mask_path(value) if key in ADDRESS_PARAMETERS else value) for key, value in pairs]
    return urlencode(masked, safe="/[]")


def mask_url(url: str) -> str:
    """A path or a full address (a referrer, a proxy's absolute request target) with its secrets masked."""
    if not url or url == "-":
        return url
    parts = urlsplit(url)
    path = mask_path(parts.path + (f"?{parts.query}" if parts.query else ""))
    base, _, query = path.partition("?")
    return urlunsplit(parts._replace(path=base, query=query))


def mask_request_line(line: str) -> str:
    method, _, rest = line.partition(" ")
    target, _, protocol = rest.rpartition(" ")
    return f"{method} {mask_url(target)} {protocol}" if target else line


class TokenMaskingLogger(Logger):
    """gunicorn's logger, with the request line, path, referrer and raw address of each access masked."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        atoms["r"] = mask_request_line(atoms["r"])
        for key in ("U", "f", "{referer}i", "{raw_uri}e", "{path_info}e", "{request_uri}e"):
            if isinstance(atoms.get(key), str):
                atoms[key] = mask_url(atoms[key])
        return atoms
