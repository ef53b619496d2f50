"""Rows of long lists rendered once and kept in the cache under a digest of what they show.

A row is a frozen dataclass of the values its template shows (text, addresses, labels), and its template reads
nothing else; so a row that shows the same values in the same language, through the same template, is the same
HTML, and the cache needs no clearing when something changes: a changed value, or a template changed by a new
release, is a new key, and the old one expires unused.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import astuple
from typing import Any

from django.core.cache import cache
from django.template.loader import get_template, render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

ROW_SECONDS = 24 * 3600


@functools.cache
def _template_version(template_name: str) -> str:
    """A digest of the template's source, read once per process."""
    source = get_template(template_name).template.source  # type: ignore[attr-defined]
    return hashlib.sha256(source.encode()).hexdigest()[:12]


def rendered_rows(template_name: str, rows: Sequence[Any]) -> list[SafeString]:
    """Each row rendered by `template_name` (which sees it as `row`), the cached ones in one cache read."""
    prefix = f"row:{template_name}:{_template_version(template_name)}:{get_language()}:"
    keys = [prefix + hashlib.sha256(repr(astuple(row)).encode()).hexdigest()[:32] for row in rows]
    found: dict[str, str] = cache.get_many(keys)
    missing = {
        key: render_to_string(template_name, {"row": row})
        for key, row in zip(keys, rows, strict=True)
        if key not in found
    }
    if missing:
        cache.set_many(missing, ROW_SECONDS)
    # Our own templates' output, escaped when it was rendered.
    return [mark_safe(found.get(key) or missing[key]) for key in keys]  # noqa: S308
