"""Accessible names for the admin's inputs where Django's markup gives them none.

A tabular inline shows a field's label once, in its column's header, which assistive technology does not
tie to the inputs below it; a changelist's editable cells have no label at all; and the two inputs of a
date-and-time field have only the words "Date:" and "Time:" beside them. Each such input gets an
`aria-label` that names its field, its part and its row: "Title, agenda item 3", "Starts at, date,
agenda item 3", "Position, Opening session". `ScopedMixin` puts these on every admin form and inline.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import pretty_name
from django.utils.html import strip_tags
from django.utils.text import capfirst
from django.utils.translation import gettext as _


def _innermost(widget: forms.Widget) -> forms.Widget:
    """The widget that renders the input: the admin wraps a relation's widget (to add its + and pencil
    links), and the wrapper's own attrs are not what is rendered."""
    inner = getattr(widget, "widget", None)
    while isinstance(inner, forms.Widget):
        widget, inner = inner, getattr(inner, "widget", None)
    return widget


def _parts(widget: forms.MultiWidget) -> list[str]:
    if isinstance(widget, forms.SplitDateTimeWidget):
        return [_("date"), _("time")]
    return [str(number) for number in range(1, len(widget.widgets) + 1)]


def name_inputs(form: forms.BaseForm, row: str | None) -> None:
    """Name each visible input of `form` by its field's label, its part for a field of several inputs, and
    `row` (None on a form of its own, where each field's <label> already names a single input). A name the
    form gave an input itself is kept."""
    for name, field in form.fields.items():
        widget = _innermost(field.widget)
        if widget.is_hidden:
            continue
        label = capfirst(strip_tags(str(field.label or pretty_name(name))))
        if isinstance(widget, forms.MultiWidget):
            for part, part_name in zip(widget.widgets, _parts(widget), strict=False):
                own = ", ".join(filter(None, [part_name, row]))
                part.attrs.setdefault("aria-label", f"{label}, {own}")
                # The page's script keeps the name in step with a label that changes (a meeting's times
                # name the zone chosen beside them): the label's text as shown, then this.
                part.attrs.setdefault("data-label-part", own)
        elif row is not None:
            widget.attrs.setdefault("aria-label", f"{label}, {row}")


class NamedPartsForm(forms.BaseForm):
    """A form of its own (an admin's add or change form): the inputs of a date-and-time field are named."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        name_inputs(self, None)


class NamedRowsFormSet(forms.BaseModelFormSet):
    """An inline's rows: each input named by its column and its row's number. The row that the page's
    "Add another" copies is numbered `__prefix__`, as its inputs' names are: the page's script puts in
    the number of each copy."""

    def add_fields(self, form: forms.BaseForm, index: int | None) -> None:
        super().add_fields(form, index)  # the delete box is added here, after the form's own fields
        name_inputs(form, self.row_name(form, index))

    def row_name(self, form: forms.BaseForm, index: int | None) -> str:
        noun = self.model._meta.verbose_name
        number = "__prefix__" if index is None else str(index + 1)
        return _("%(noun)s %(number)s") % {"noun": noun, "number": number}


class NamedListRowsFormSet(NamedRowsFormSet):
    """A changelist's editable cells: each named by its column and its row's record, which the row shows."""

    def row_name(self, form: forms.BaseForm, index: int | None) -> str:
        instance = getattr(form, "instance", None)
        if instance is not None and instance.pk is not None:
            return str(instance)
        return super().row_name(form, index)
