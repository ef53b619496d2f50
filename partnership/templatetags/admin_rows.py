"""`{% cached_result_list cl %}`: the admin's `{% result_list %}` with each row kept in the cache under a digest of
everything it shows (`partnership.fragments` does the same for the portal's long lists).

A row of Django's change list is made from the row's loaded values, the related records it was read with, and
the page's own settings (its columns, the filters its links keep, the language and time zone); so a row with the
same inputs is the same HTML, and nothing needs clearing when a record changes: its new values are a new key,
and the old one expires unused. An admin opts in with the change list template that uses this tag
(`change_list_template = "admin/cached_rows_change_list.html"`); a list with editable columns carries a form per
row and is never cached.
"""

from __future__ import annotations

import hashlib
from typing import Any

import django
from django import template
from django.contrib.admin.templatetags.admin_list import (
    items_for_result,
    result_headers,
    result_hidden_fields,
    results,
)
from django.core.cache import cache
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from partnership.fragments import ROW_SECONDS

register = template.Library()


@register.inclusion_tag("admin/change_list_results.html")
def cached_result_list(cl: Any) -> dict[str, Any]:
    """What Django's `result_list` gives its template, the rows read from the cache where they are kept."""
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for header in headers if header["sortable"] and header["sorted"]),
        "results": cached_results(cl),
    }


def cached_results(cl: Any) -> list[Any]:
    """Each row of the page as a list of its cells' HTML, the kept ones in one cache read."""
    if cl.formset:
        return list(results(cl))
    rows = list(cl.result_list)
    keys = cached_keys(cl)
    found: dict[str, list[str]] = cache.get_many(keys)
    missing = {
        key: [str(cell) for cell in items_for_result(cl, row, None)]
        for key, row in zip(keys, rows, strict=True)
        if key not in found
    }
    if missing:
        cache.set_many(missing, ROW_SECONDS)
    # The admin's own cells, escaped when they were made.
    return [[_safe(cell) for cell in (found.get(key) or missing[key])] for key in keys]


def cached_keys(cl: Any) -> list[str]:
    """The cache key of each row of the page."""
    page = (
        django.get_version(),
        cl.opts.label_lower,
        tuple(map(str, cl.list_display)),
        tuple(map(str, cl.list_display_links or ())),
        cl.preserved_filters,
        cl.is_popup,
        str(cl.to_field),
        str(cl.model_admin.get_empty_value_display()),
        get_language(),
        timezone.get_current_timezone_name(),
    )
    return [f"adminrow:{cl.opts.label_lower}:{_digest(page, row)}" for row in cl.result_list]


def _safe(cell: str) -> SafeString:
    return mark_safe(cell)  # noqa: S308


def _digest(page: tuple[Any, ...], row: Any) -> str:
    """A digest of what a row can show: its loaded values and the related records read with it (as shown)."""
    values = tuple((name, value) for name, value in row.__dict__.items() if not name.startswith("_"))
    related = tuple(sorted((name, str(value)) for name, value in row._state.fields_cache.items()))
    return hashlib.sha256(repr((page, values, related)).encode()).hexdigest()[:32]
