"""`{% once_field "app:view" %}`: the hidden one-time token of a create form that posts to that view
(partnership.once)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from partnership import once

register = template.Library()


@register.simple_tag(takes_context=True)
def once_field(context: dict[str, Any], posts_to: str) -> SafeString:
    """A new token; or, on the page a post to `posts_to` answered with its errors, the token it was posted with
    (another form on that page gets a new one)."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    again = request is not None and request.method == "POST" and getattr(match, "view_name", None) == posts_to
    token = (once.posted_token(request) if again and request is not None else "") or once.new_token()
    return format_html('<input type="hidden" name="{}" value="{}">', once.FIELD, token)
