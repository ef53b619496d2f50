"""Import of the typed-up Teaser Session sheet (CSV/XLSX) into a partnership's long list."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.forms import ConfirmImportForm, ImportForm

from actions.models import Action, ActionEvent
from actions.services import code_is_valid
from partnership.models import Organisation, Partnership, Pillar, PriorityArea
from partnership.services import audit_record


class ByNameWidget(widgets.ForeignKeyWidget):
    """Finds a row of the import's partnership by name, case-insensitively, or names what is wrong."""

    def __init__(self, model: Any, label: str, required: bool = True) -> None:
        super().__init__(model, field="name")
        self.label = label
        self.required = required
        self.partnership: Partnership | None = None

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        text = str(value or "").strip()
        if not text:
            if self.required:
                raise ValueError(_("The %(label)s is missing.") % {"label": self.label})
            return None
        match = self.model.objects.filter(partnership=self.partnership, name__iexact=text).first()
        if match is None:
            known = ", ".join(self.model.objects.filter(partnership=self.partnership).values_list("name", flat=True))
            raise ValueError(
                _("Unknown %(label)s “%(value)s”; this partnership has: %(known)s.")
                % {"label": self.label, "value": text, "known": known}
            )
        return match


class MemberWidget(widgets.ForeignKeyWidget):
    def __init__(self) -> None:
        super().__init__(Organisation, field="name")
        self.partnership: Partnership | None = None

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Organisation:
        text = str(value or "").strip()
        members = Organisation.objects.filter(memberships__partnership=self.partnership)
        match = members.filter(name__iexact=text).first() or members.filter(short_name__iexact=text).first()
        if match is None:
            raise ValueError(_("“%(value)s” is not a member organisation of this partnership.") % {"value": text})
        return match


REQUIRED_COLUMNS = ("title", "problem", "priority_area", "proposed_by")
ALL_COLUMNS = ("code", "title", "problem", "description", "priority_area", "pillar", "level", "proposed_by")


class ActionResource(resources.ModelResource):
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
        clean_model_instances = True
        use_transactions = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__()
        self.user = kwargs.get("user")
        self.partnership: Partnership | None = kwargs.get("partnership")
        for name in ("priority_area", "pillar", "owner"):
            self.fields[name].widget.partnership = self.partnership
        self.codes_seen: set[str] = set()

    def get_instance(self, instance_loader: Any, row: Any) -> None:
        return None

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        headers = {str(header or "").strip() for header in dataset.headers or ()}
        missing = [column for column in REQUIRED_COLUMNS if column not in headers]
        if missing:
            raise ValidationError(
                _("The file lacks the columns: %(missing)s. The first row must name the columns: %(expected)s.")
                % {"missing": ", ".join(missing), "expected": ", ".join(ALL_COLUMNS)}
            )

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        if self.partnership is None:
            raise ValidationError(_("Choose the partnership to import into."))
        code = str(row.get("code") or "").strip().upper()
        row["code"] = code
        if code:
            if not code_is_valid(code):
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

    def after_save_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        ActionEvent.objects.create(
            action=instance, kind=ActionEvent.Kind.CREATED, by=self.user, to_state=instance.state, reason="imported"
        )
        audit_record(by=self.user, verb="import", instance=instance)


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
