"""Import of the typed-up Teaser Session sheet (CSV/XLSX) into a partnership's long list."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import UniqueConstraint
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.forms import ConfirmImportForm, ImportForm

from actions import selectors, services
from actions.models import Action
from partnership.models import Organisation, Partnership, Pillar, PriorityArea


class ByNameWidget(widgets.ForeignKeyWidget):
    """Finds a row of the import's partnership by name, case-insensitively, or names what is wrong.

    The partnership's rows are read once per import, not once per imported row.
    """

    def __init__(self, model: Any, label: str, required: bool = True) -> None:
        super().__init__(model, field="name")
        self.label = label
        self.required = required
        self.partnership: Partnership | None = None
        self._by_name: dict[str, Any] | None = None

    def by_name(self) -> dict[str, Any]:
        if self._by_name is None:
            self._by_name = {}
            # The default ordering decides between two rows of the same name, as .first() did.
            for row in self.model.objects.filter(partnership=self.partnership):
                self._by_name.setdefault(row.name.upper(), row)
        return self._by_name

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        text = str(value or "").strip()
        if not text:
            if self.required:
                raise ValueError(_("The %(label)s is missing.") % {"label": self.label})
            return None
        match = self.by_name().get(text.upper())
        if match is None:
            known = ", ".join(row.name for row in self.by_name().values())
            raise ValueError(
                _("Unknown %(label)s “%(value)s”; this partnership has: %(known)s.")
                % {"label": self.label, "value": text, "known": known}
            )
        return match


class MemberWidget(widgets.ForeignKeyWidget):
    """Finds a member organisation of the import's partnership by name, else by short name; read once per import."""

    def __init__(self) -> None:
        super().__init__(Organisation, field="name")
        self.partnership: Partnership | None = None
        self._lookups: tuple[dict[str, Organisation], dict[str, Organisation]] | None = None

    def lookups(self) -> tuple[dict[str, Organisation], dict[str, Organisation]]:
        if self._lookups is None:
            by_name: dict[str, Organisation] = {}
            by_short_name: dict[str, Organisation] = {}
            for organisation in Organisation.objects.filter(memberships__partnership=self.partnership):
                by_name.setdefault(organisation.name.upper(), organisation)
                if organisation.short_name:
                    by_short_name.setdefault(organisation.short_name.upper(), organisation)
            self._lookups = (by_name, by_short_name)
        return self._lookups

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Organisation:
        text = str(value or "").strip()
        by_name, by_short_name = self.lookups()
        match = (by_name.get(text.upper()) or by_short_name.get(text.upper())) if text else None
        if match is None:
            raise ValueError(_("“%(value)s” is not a member organisation of this partnership.") % {"value": text})
        return match


REQUIRED_COLUMNS = ("title", "problem", "priority_area", "proposed_by")
ALL_COLUMNS = ("code", "title", "problem", "description", "priority_area", "pillar", "level", "proposed_by")
# Set from rows read once per import (or from the import itself), so full_clean need not query each of them
# again for every row; the database's foreign keys still guard them.
LOOKED_UP_FIELDS = ("partnership", "priority_area", "pillar", "owner", "created_by")


def _unique_code_constraint() -> UniqueConstraint:
    return next(
        constraint
        for constraint in Action._meta.constraints
        if isinstance(constraint, UniqueConstraint) and "code" in constraint.fields
    )


class ActionResource(resources.ModelResource):
    """Rows of the Teaser sheet as new actions of one partnership: all of them, or none if one is wrong.

    The actions, their "created" events and audit entries are written in batches, so an import costs
    a fixed number of queries per batch rather than several per row.
    """

    priority_area = fields.Field(
        attribute="priority_area", column_name="priority_area", widget=ByNameWidget(PriorityArea, "priority area")
    )
    pillar = fields.Field(
        attribute="pillar", column_name="pillar", widget=ByNameWidget(Pillar, "pillar", required=False)
    )
    owner = fields.Field(attribute="owner", column_name="proposed_by", widget=MemberWidget())

    class Meta:
        model = Action
        fields = ("code", "title", "problem", "description", "priority_area", "pillar", "level", "owner")
        import_id_fields: tuple[str, ...] = ()
        force_init_instance = True
        clean_model_instances = True
        use_transactions = True
        use_bulk = True
        batch_size = 1000

    def __init__(self, **kwargs: Any) -> None:
        super().__init__()
        self.user = kwargs.get("user")
        self.partnership: Partnership | None = kwargs.get("partnership")
        for name in ("priority_area", "pillar", "owner"):
            self.fields[name].widget.partnership = self.partnership
        self.codes_seen: set[str] = set()
        self.codes_taken: set[str] = set()

    def import_data(self, dataset: Any, *args: Any, **kwargs: Any) -> Any:
        # A row found wrong only at the confirm step (say, a code taken since the preview) imports nothing either.
        kwargs.setdefault("rollback_on_validation_errors", True)
        return super().import_data(dataset, *args, **kwargs)

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        headers = {str(header or "").strip() for header in dataset.headers or ()}
        missing = [column for column in REQUIRED_COLUMNS if column not in headers]
        if missing:
            raise ValidationError(
                _("The file lacks the columns: %(missing)s. The first row must name the columns: %(expected)s.")
                % {"missing": ", ".join(missing), "expected": ", ".join(ALL_COLUMNS)}
            )
        if self.partnership is not None:
            self.codes_taken = selectors.codes_taken(self.partnership)

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        if self.partnership is None:
            raise ValidationError(_("Choose the partnership to import into."))
        code = str(row.get("code") or "").strip().upper()
        row["code"] = code
        if code:
            if not services.code_is_valid(code):
                raise ValidationError(
                    _("The code %(code)s is not of the form A-07 (letters, a hyphen, a number).") % {"code": code}
                )
            if code in self.codes_seen:
                raise ValidationError(_("The code %(code)s appears twice in the file.") % {"code": code})
            self.codes_seen.add(code)
        row["level"] = str(row.get("level") or "").strip().lower()

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        # Set before the columns are read, so a bad column is not also reported as a missing partnership.
        instance.partnership = self.partnership
        super().import_instance(instance, row, **kwargs)
        instance.state = Action.State.LONG_LISTED if instance.code else Action.State.PROPOSED
        instance.created_by = self.user

    def validate_instance(
        self, instance: Any, import_validation_errors: Any = None, validate_unique: bool = True
    ) -> None:
        """full_clean without a query per row: related rows come from the per-import lookups, codes from one read."""
        errors = dict(import_validation_errors or {})
        try:
            # Of the model's two constraints, the code's uniqueness is checked below against the codes read
            # once, and the other one's field, merged_into, is never imported (it stays empty).
            instance.full_clean(exclude=[*errors, *LOOKED_UP_FIELDS], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        # Imported actions are submitted ones: they need what a draft may leave out.
        if not (instance.problem or "").strip() and "problem" not in errors:
            errors["problem"] = [ValidationError(_("This field is required."), code="required")]
        if instance.priority_area_id is None and "priority_area" not in errors:
            errors["priority_area"] = [ValidationError(_("This field is required."), code="required")]
        if instance.code and instance.code in self.codes_taken:
            constraint = _unique_code_constraint()
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                ValidationError(constraint.get_violation_error_message(), code=constraint.violation_error_code)
            )
        if errors:
            # Named by the file's columns (proposed_by), not the model's fields (owner), so people find the cell.
            columns = {field.attribute: field.column_name for field in self.fields.values() if field.column_name}
            raise ValidationError({columns.get(name) or name: messages for name, messages in errors.items()})

    def bulk_create(
        self,
        using_transactions: bool,
        dry_run: bool,
        raise_errors: bool,
        batch_size: int | None = None,
        result: Any = None,
    ) -> None:
        """Each batch of actions, then their "created" events and audit entries, three inserts in all."""
        actions = list(self.create_instances)
        super().bulk_create(using_transactions, dry_run, raise_errors, batch_size=batch_size, result=result)
        if not actions or any(action.pk is None for action in actions):
            return  # not written: a dry run without transactions, or a failed batch already reported
        services.imported_actions_record(actions=actions, by=self.user)


class ActionImportForm(ImportForm):
    partnership = forms.ModelChoiceField(
        label=gettext_lazy("Import into partnership"), queryset=Partnership.objects.none()
    )

    def __init__(self, *args: Any, partnerships: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["partnership"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = partnerships if partnerships is not None else Partnership.objects.all()


class ActionConfirmImportForm(ConfirmImportForm):
    partnership = forms.ModelChoiceField(queryset=Partnership.objects.all(), widget=forms.HiddenInput)
