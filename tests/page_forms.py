"""A page's POST forms as a browser would post them (`post_forms`), and which of their fields are plain
(`field_kinds`), for the hostile-input sweep (tests/test_hostile_input.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.forms.boundfield import BoundField
from django.forms.formsets import BaseFormSet
from django.test.utils import ContextList


@dataclass
class PostedForm:
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)  # "text" or "checkbox" by name: see `field_kinds`


class _Forms(HTMLParser):
    """Every POST form of a page, with the values a browser would post, its file inputs and named buttons."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.forms: list[PostedForm] = []
        self._form: PostedForm | None = None
        self._select: tuple[str, list[str]] | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        if tag == "form":
            is_post = attr.get("method", "get").lower() == "post"
            self._form = PostedForm(action=attr.get("action") or self.page) if is_post else None
            if self._form is not None:
                self.forms.append(self._form)
            return
        form, name = self._form, attr.get("name")
        if form is None or not name or name == "csrfmiddlewaretoken":
            if tag == "option" and self._select is not None:
                self._option(attr)
            return
        kind = attr.get("type", "text").lower()
        if tag == "input" and kind == "file":
            form.files.append(name)
        elif (tag == "input" and kind in ("submit", "image")) or tag == "button":
            form.buttons.append((name, attr.get("value", "")))
        elif tag == "input" and kind in ("checkbox", "radio"):
            values = form.fields.setdefault(name, [])
            if "checked" in attr or (kind == "radio" and not values):
                form.fields[name] = (
                    [*values, attr.get("value") or "on"] if kind == "checkbox" else [attr.get("value", "")]
                )
        elif tag == "input" and kind not in ("reset", "button"):
            form.fields[name] = [attr.get("value", "")]
        elif tag == "select":
            self._select = (name, [])
            form.fields[name] = []
        elif tag == "textarea":
            self._textarea = name
            form.fields[name] = [""]

    def _option(self, attr: dict[str, str]) -> None:
        assert self._form is not None and self._select is not None
        name, seen = self._select
        value = attr.get("value", "")
        if not seen or "selected" in attr:
            self._form.fields[name] = [value] if not seen or not self._form.fields[name] else self._form.fields[name]
        seen.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None and self._form is not None:
            self._form.fields[self._textarea] = [self._form.fields[self._textarea][0] + data]


def post_forms(path: str, html: str, kinds: dict[str, str] | None = None) -> list[PostedForm]:
    parser = _Forms(path)
    parser.feed(html)
    for form in parser.forms:
        form.action = urlsplit(form.action).path or path
        form.kinds = {name: kind for name, kind in (kinds or {}).items() if name in form.fields}
    return parser.forms


TEXT_FIELDS = (forms.CharField, forms.EmailField, forms.URLField)
TEXT_BOXES = (forms.TextInput, forms.Textarea, forms.EmailInput, forms.URLInput)


def _kind(form: forms.BaseForm, name: str, shown: forms.Field) -> str:
    if hasattr(form, f"clean_{name}") or "inputmode" in shown.widget.attrs:  # read as more than it says
        return ""
    if type(shown) in TEXT_FIELDS and type(shown.widget) in TEXT_BOXES:
        return "text"
    if type(shown) is forms.BooleanField and type(shown.widget) is forms.CheckboxInput:
        return "checkbox"
    return ""


def _rendered_forms(values: Any) -> Iterator[forms.BaseForm]:
    """The forms among a template context's values: a form, a formset's forms, a field's form, or in a list."""
    for value in values:
        if isinstance(value, BoundField):
            value = value.form
        if isinstance(value, BaseFormSet):
            yield from (value.management_form, *value.forms, value.empty_form)
        elif isinstance(value, forms.BaseForm):
            yield value
        elif isinstance(value, (list, tuple)):
            yield from _rendered_forms(value)


def field_kinds(page: Any) -> dict[str, str]:
    """The plain fields among the Django forms a page rendered (the test client keeps its templates' contexts),
    by name: "text" for a CharField, EmailField or URLField typed into a text box, "checkbox" for a BooleanField
    ticked in one, neither with a numeric keyboard or cleaning of its own. A name that any rendered form reads
    otherwise is neither."""
    contexts: list[Any] = (
        page.context if isinstance(page.context, ContextList) else [page.context] if page.context else []
    )
    kinds: dict[str, str] = {}
    for form in _rendered_forms(value for context in contexts for value in context.flatten().values()):
        for name, shown in form.fields.items():
            kind, key = _kind(form, name, shown), form.add_prefix(name)
            kinds[key] = kind if kinds.get(key, kind) == kind else ""
    return {name: kind for name, kind in kinds.items() if kind}
