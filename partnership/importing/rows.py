"""Rows whose every problem is named at once, by the file's column, in plain words; the widgets that
read a cell (choices, dates, lists)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import Any

from diff_match_patch import diff_match_patch
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.encoding import force_str
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from import_export import resources, widgets
from import_export.results import RowResult

from partnership.importing.files import ImportFileError, column_key


def filled(cell: Any) -> bool:
    return cell is not None and str(cell).strip() != ""


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _choice_key(text: Any) -> str:
    return " ".join(re.sub(r"[-_]+", " ", str(text)).casefold().split())


class ChoiceWidget(widgets.Widget):
    """A choice given by its stored value or its label, in any case; anything else names the allowed values."""

    def __init__(self, choices: Iterable[tuple[str, Any]], *, required: bool = False) -> None:
        super().__init__()
        self.choices = [(value, str(label)) for value, label in choices]
        self.required = required

    def allowed(self) -> str:
        return ", ".join(
            value if _choice_key(value) == _choice_key(label) else f"{value} ({label})" for value, label in self.choices
        )

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str | None:
        text = cell_text(value)
        if not text:
            if self.required:
                raise ValueError(_("This column needs a value: one of %(allowed)s.") % {"allowed": self.allowed()})
            return None
        key = _choice_key(text)
        for stored, label in self.choices:
            if key in (_choice_key(stored), _choice_key(label)):
                return stored
        raise ValueError(
            _("“%(value)s” is not one of the allowed values: %(allowed)s.") % {"value": text, "allowed": self.allowed()}
        )

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return str(value or "")


class DayWidget(widgets.Widget):
    """A date as spreadsheets write it in the EU: 2019-01-31, 31.01.2019, 31/01/2019 (the day first)."""

    FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%y", "%d/%m/%y", "%Y-%m-%d %H:%M:%S")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> datetime.date | None:
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = cell_text(value)
        if not text:
            return None
        for pattern in self.FORMATS:
            try:
                return datetime.datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        raise ValueError(
            _("“%(value)s” is not a date: write it as 2019-01-31 (or 31.01.2019, 31/01/2019).") % {"value": text}
        )

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return value.isoformat() if value else ""


def split_list(value: Any) -> list[str]:
    """The items of a cell that lists several, separated by semicolons or line breaks."""
    return [item.strip() for item in re.split(r"[;\n]+", cell_text(value)) if item.strip()]


class StylelessDiff(resources.Diff):
    """The import preview's changes as <ins>, <del> and <span> without the inline style attributes
    that diff-match-patch adds: the site's CSP blocks them, and import_export/import.css colours
    the tags anyway."""

    TAGS = {
        diff_match_patch.DIFF_INSERT: "ins",
        diff_match_patch.DIFF_DELETE: "del",
        diff_match_patch.DIFF_EQUAL: "span",
    }

    def __init__(self, resource: Any, instance: Any, new: bool) -> None:
        super().__init__(resource, instance, new)
        self.left = self.values(resource, instance)

    def compare_with(self, resource: Any, instance: Any) -> None:
        self.right = self.values(resource, instance)

    @staticmethod
    def values(resource: Any, instance: Any) -> list[Any]:
        """Through the resource, so a column it fills itself (dehydrate_<column>) shows in the preview too."""
        return [resource.export_field(field, instance) for field in resource.get_import_fields()]

    def as_html(self) -> list[SafeString]:
        dmp = diff_match_patch()
        cells = []
        for old, new in zip(self.left, self.right, strict=False):
            diffs = dmp.diff_main("" if self.new and old != new else force_str(old), force_str(new))
            dmp.diff_cleanupSemantic(diffs)
            parts = (
                f"<{self.TAGS[op]}>{escape(text).replace(chr(10), '&para;<br>')}</{self.TAGS[op]}>"
                for op, text in diffs
                if text
            )
            cells.append(mark_safe("".join(parts)))  # noqa: S308 - every text is escaped above
        return cells


class PlainImportResource(resources.ModelResource):
    """The base of the portal's imports: a file lacking a column is refused before any row is read; every
    problem of a row is named at once, by the file's column, in plain words (subclasses record problems
    with `problem()` instead of raising, and notes for the preview with `note()`); rows are saved only if
    every row is valid, at the preview and at the confirm step alike.

    Given a `user`, the import acts as that user (scoped and audited by the subclasses)."""

    required_columns: tuple[str, ...] = ()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__()
        self.user = kwargs.get("user")
        self.problems: dict[str, list[str]] = {}
        self.notes: list[str] = []

    def get_diff_class(self) -> type[resources.Diff]:
        return StylelessDiff

    def problem(self, column: str, message: Any) -> None:
        self.problems.setdefault(column, []).append(str(message))

    def note(self, message: Any) -> None:
        self.notes.append(str(message))

    def missing_columns_message(self, missing: list[str], found: list[str]) -> str:
        message = _("The file needs the columns %(missing)s in its first row; it has %(found)s.") % {
            "missing": ", ".join(missing),
            "found": ", ".join(found) or _("none"),
        }
        if len(found) == 1:
            message += " " + _(
                "Its first row reads as a single column: separate the columns with commas, semicolons or tabs."
            )
        return message

    def import_data(self, dataset: Any, *args: Any, **kwargs: Any) -> Any:
        # A row found wrong only at the confirm step (a name taken since the preview) imports nothing either.
        kwargs.setdefault("rollback_on_validation_errors", True)
        return super().import_data(dataset, *args, **kwargs)

    def file_problems(self, found: list[str]) -> list[str]:
        """What stops the whole file before any row is read (by default, a missing column)."""
        missing = [column for column in self.required_columns if column not in found]
        return [self.missing_columns_message(missing, found)] if missing else []

    def import_data_inner(self, dataset: Any, *args: Any, **kwargs: Any) -> Any:
        dataset.headers = [column_key(header) for header in dataset.headers or []]
        problems = self.file_problems([header for header in dataset.headers if header])
        if not problems:
            return super().import_data_inner(dataset, *args, **kwargs)
        result = self.get_result_class()()
        result.diff_headers = self.get_diff_headers()
        result.total_rows = len(dataset)
        for problem in problems:
            result.append_base_error(self.get_error_result_class()(ImportFileError(problem)))
        return result

    def import_row(self, row: Any, instance_loader: Any, **kwargs: Any) -> RowResult:
        self.problems, self.notes = {}, []
        if not any(filled(value) for value in row.values()):
            row_result = self.get_row_result_class()()
            row_result.import_type = RowResult.IMPORT_TYPE_SKIP
        else:
            row_result = super().import_row(row, instance_loader, **kwargs)
        if row_result.errors:
            # Not a problem the checks foresaw (they name every one they know): still said, not a traceback.
            reason = (str(row_result.errors[0].error).strip().splitlines() or [""])[0]
            row_result.validation_error = ValidationError(
                {NON_FIELD_ERRORS: [_("This row could not be saved: %(reason)s") % {"reason": reason}]}
            )
            row_result.import_type = RowResult.IMPORT_TYPE_INVALID
            row_result.errors = []
        row_result.number = kwargs.get("row_number")
        row_result.notes = list(self.notes)
        return row_result

    def after_import(self, dataset: Any, result: Any, **kwargs: Any) -> None:
        # Not ModelResource's: it sets the id sequence to the largest id it can see, below the ids another
        # import not yet committed has drawn, whose next rows then collide. No import here sets ids.
        resources.Resource.after_import(self, dataset, result, **kwargs)
        result.notes = [(row.number, note) for row in result.rows for note in getattr(row, "notes", ())]

    def skip_row(self, instance: Any, original: Any, row: Any, import_validation_errors: Any = None) -> bool:
        return not self.problems and super().skip_row(instance, original, row, import_validation_errors)

    def clean_excluded(self) -> list[str]:
        """Model fields whose check full_clean may leave out (their values come from per-import lookups)."""
        return []

    def validate_instance(
        self, instance: Any, import_validation_errors: Any = None, validate_unique: bool = True
    ) -> None:
        attributes = {field.column_name: field.attribute for field in self.fields.values() if field.attribute}
        errors: dict[str, list[Any]] = {name: list(each) for name, each in (import_validation_errors or {}).items()}
        for column, messages in self.problems.items():
            errors.setdefault(attributes.get(column, column), []).extend(ValidationError(m) for m in messages)
        if self._meta.clean_model_instances:
            try:
                instance.full_clean(
                    exclude=[*errors, *self.clean_excluded()],
                    validate_unique=validate_unique,
                    validate_constraints=validate_unique,
                )
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        for name, messages in self.row_checks(instance, errors).items():
            errors.setdefault(name, []).extend(messages)
        if errors:
            raise ValidationError(self.by_column(errors))

    def row_checks(self, instance: Any, errors: dict[str, Any]) -> dict[str, list[Any]]:
        """Further checks of a row's instance, by field, beyond full_clean (none by default)."""
        return {}

    def by_column(self, errors: dict[str, Any]) -> dict[str, Any]:
        """Errors named by the file's columns (proposed_by), not the model's fields (owner), so people find the cell."""
        columns = {field.attribute: field.column_name for field in self.fields.values() if field.column_name}
        named: dict[str, list[Any]] = {}
        for name, messages in errors.items():
            named.setdefault(columns.get(name) or name, []).extend(messages)
        return named
