"""CSV/XLSX import and export of organisations and people (django-import-export)."""

from __future__ import annotations

from typing import Any

from diff_match_patch import diff_match_patch
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.encoding import force_str
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_countries import countries
from import_export import fields, resources, widgets

from partnership import selectors, services
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
    """Finds an organisation by its name or short name, case-insensitively, among `organisations`."""

    def __init__(self) -> None:
        super().__init__(Organisation, field="name")
        self.organisations: QuerySet[Organisation] = Organisation.objects.all()

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Organisation | None:
        text = str(value or "").strip()
        if not text:
            return None
        match = self.organisations.filter(name__iexact=text).first() or (
            self.organisations.filter(short_name__iexact=text).first()
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
    """Validates every row with full_clean and writes each saved row to the audit log.

    Given a `user`, it reads and writes only the organisations (and their people) that user manages.
    """

    required_columns: tuple[str, ...] = ()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__()
        self.user = kwargs.get("user")
        self.organisations = (
            selectors.organisations_managed(self.user) if self.user is not None else Organisation.objects.all()
        )
        for field in self.fields.values():
            if isinstance(field.widget, OrganisationByNameWidget):
                field.widget.organisations = self.organisations

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        dataset.headers = [str(header or "").strip().lower() for header in dataset.headers or []]
        missing = [column for column in self.required_columns if column not in dataset.headers]
        if missing:
            raise ValueError(
                _("The file needs the columns %(missing)s in its first row; it has %(found)s.")
                % {"missing": ", ".join(missing), "found": ", ".join(dataset.headers) or _("none")}
            )

    def refuse_unmanaged(self, organisation: Organisation | None, field: str) -> None:
        if organisation is not None and not self.organisations.filter(pk=organisation.pk).exists():
            raise ValidationError({field: _("This belongs to a partnership you do not coordinate.")})

    def get_diff_class(self) -> type[resources.Diff]:
        return StylelessDiff

    def save_instance(self, instance: Any, is_create: bool, row: Any, **kwargs: Any) -> None:
        # A dry run saves too, so later rows can refer to earlier ones; its transaction is rolled back.
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

    required_columns = ("name", "kind")

    def get_instance(self, instance_loader: Any, row: Any) -> Organisation | None:
        organisation = super().get_instance(instance_loader, row)
        self.refuse_unmanaged(organisation, "name")
        return organisation

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

    required_columns = ("name", "email", "organisation")

    def get_instance(self, instance_loader: Any, row: Any) -> Person | None:
        email = str(row.get("email") or "")
        person = Person.objects.filter(email__iexact=email).select_related("organisation").first()
        self.refuse_unmanaged(person.organisation if person else None, "email")
        return person

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        super().import_instance(instance, row, **kwargs)
        if not instance.organisation_id:
            raise ValidationError({"organisation": _("Every person needs an organisation.")})
