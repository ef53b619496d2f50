"""`{% follow_button object "app:follow" %}`: the Follow / Stop following button of an action's or a meeting's page,
for a signed-in reader (the app's view behind the address checks that they may see the object)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from partnership import notification_selectors

register = template.Library()


@register.inclusion_tag("partnership/_follow_button.html", takes_context=True)
def follow_button(context: dict[str, Any], instance: Any, url_name: str) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return {"show": False}
    return {
        "show": True,
        "following": notification_selectors.follows(user, instance),
        "url": reverse(url_name, kwargs={"pk": instance.pk}),
        "csrf_token": context.get("csrf_token"),
        "title": str(instance),
    }
