"""Survey texts in the page's language, for the owners' and members' pages."""

from __future__ import annotations

from django import template
from django.utils import translation
from django.utils.translation import gettext as _

from surveys.models import SURVEY_LANGUAGES, Question, Translatable

register = template.Library()


@register.filter
def translated(item: Translatable, field: str) -> str:
    """The field in the language of the page when the survey has that translation, else as written."""
    return item.text_in(field, translation.get_language() or "")


@register.filter
def survey_language(code: str) -> str:
    """A survey language's own name (Hrvatski, Italiano)."""
    return dict(SURVEY_LANGUAGES).get(code, code)


@register.simple_tag
def missing_translations(item: Translatable, field: str, languages: list[str]) -> list[str]:
    """The names of the languages among `languages` in which the item's field has no translation yet."""
    names = dict(SURVEY_LANGUAGES)
    stored = item.translations or {}
    return [names.get(code, code) for code in languages if getattr(item, field) and not stored.get(code, {}).get(field)]


@register.filter
def condition_answer(question: Question) -> str:
    """The answer a conditional question waits for, as the respondent reads it in the page's language."""
    target, value = question.show_if_question, question.show_if_value
    if target is None:
        return value
    if target.kind == Question.Kind.YES_NO:
        return str(_("Yes") if value == "yes" else _("No"))
    choice = next((c for c in target.choices.all() if c.value == value), None)
    return choice.text_in("label", translation.get_language() or "") if choice is not None else value
