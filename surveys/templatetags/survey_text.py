"""Survey texts in the page's language, for the owners' and members' pages."""

from __future__ import annotations

from django import template
from django.utils import translation

from surveys.models import Translatable

register = template.Library()


@register.filter
def translated(item: Translatable, field: str) -> str:
    """The field in the language of the page when the survey has that translation, else as written."""
    return item.text_in(field, translation.get_language() or "")
