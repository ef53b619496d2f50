"""CSV/XLSX import and export of organisations and people (django-import-export)."""

from __future__ import annotations

from typing import Any

from diff_match_patch import diff_match_patch
from django.core.exceptions import ValidationError
from django.utils.encoding import force_str
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_countries import countries
from import_export import fields, resources, widgets

from partnership import services
from partnership.models import Organisation, Person

EU_COUNTRY_ALIASES = {"EL": "GR", "UK": "GB"}


class CountryWidget(widgets.Widget):
    """Accepts ISO codes (and EU usage EL, UK) or English names; refuses anything else."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        text = str(value or "").strip()
        if not text:
            return ""
        code = EU_COUNTRY_ALIASES.get(text.upper(), text.upper())
        if code in dict(countries):
            return code
        by_name = countries.by_name(text)
        if by_name:
            return by_name
        raise ValueError(_("Unknown country “%(value)s”: use a two-letter code such as HR or IT.") % {"value": text})

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return str(value or "")


class OrganisationByNameWidget(widgets.ForeignKeyWidget):
    """Finds an organisation by its name or short name, case-insensitively."""

    def __init__(self) -> None:
        super().__init__(Organisation, field="name")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Organisation | None:
        text = str(value or "").strip()
        if not text:
            return None
        match = Organisation.objects.filter(name__iexact=text).first() or (
            Organisation.objects.filter(short_name__iexact=text).first()
        )
        if match is None:
            raise ValueError(_("No organisation is called “%(value)s”.") % {"value": text})
        return match


class StylelessDiff(resources.Diff):
    """The import preview's changes as <ins>, <del> and <span> without the inline style attributes
    that diff-match-patch adds: the site's CSP blocks them, and import_export/import.css colours
    the tags anyway."""

    TAGS = {
        diff_match_patch.DIFF_INSERT: "ins",
        diff_match_patch.DIFF_DELETE: "del",
        diff_match_patch.DIFF_EQUAL: "span",
    }

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


class AuditedResource(resources.ModelResource):
    """Validates every row with full_clean and writes each saved row to the audit log."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__()
        self.user = kwargs.get("user")

    def get_diff_class(self) -> type[resources.Diff]:
        return StylelessDiff

    def save_instance(self, instance: Any, is_create: bool, row: Any, **kwargs: Any) -> None:
        dry_run = kwargs.get("dry_run", False)
        if dry_run:
            return
        services.record_save(instance=instance, by=self.user)


class OrganisationResource(AuditedResource):
    country = fields.Field(attribute="country", column_name="country", widget=CountryWidget())
    parent = fields.Field(attribute="parent", column_name="parent", widget=OrganisationByNameWidget())

    class Meta:
        model = Organisation
        fields = ("name", "short_name", "kind", "country", "website", "parent")
        import_id_fields = ("name",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        kind = str(row.get("kind") or "").strip()
        labels = {str(label).lower(): value for value, label in Organisation.Kind.choices}
        if kind.lower() in labels:
            row["kind"] = labels[kind.lower()]


class PersonResource(AuditedResource):
    organisation = fields.Field(attribute="organisation", column_name="organisation", widget=OrganisationByNameWidget())

    class Meta:
        model = Person
        fields = ("name", "email", "organisation", "role_title", "language")
        import_id_fields = ("email",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        row["email"] = str(row.get("email") or "").strip().lower()
        if not row.get("language"):
            row["language"] = "en"

    def get_instance(self, instance_loader: Any, row: Any) -> Person | None:
        return Person.objects.filter(email__iexact=str(row.get("email") or "")).first()

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        super().import_instance(instance, row, **kwargs)
        if not instance.organisation_id:
            raise ValidationError({"organisation": _("Every person needs an organisation.")})
