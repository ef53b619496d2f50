"""CSV/XLSX import and export of organisations, people and memberships (django-import-export).

Files are read and rows checked as `partnership.importing` describes. Organisations are found by
their exact name, their normalised name or their short name (a match other than the exact name is
noted in the preview as a possible duplicate, and keeps the stored name); a row that would change an
organisation several partnerships share is noted, or refused to a coordinator who does not run every
one of them (`scoping.may_change_organisation`).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries
from import_export import fields, widgets

from partnership import scoping, selectors, services
from partnership.importing import (
    ChoiceWidget,
    DayWidget,
    OrganisationIndex,
    OrganisationWidget,
    PlainImportResource,
    cell_text,
    normalised_name,
    split_list,
    taken_as,
)
from partnership.models import Membership, Organisation, Partnership, Person

EU_COUNTRY_ALIASES = {"EL": "GR", "UK": "GB"}
NOT_COORDINATED = gettext_lazy("This belongs to a partnership you do not coordinate.")


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


class AuditedResource(PlainImportResource):
    """Validates every row with full_clean and writes each saved row to the audit log.

    Given a `user`, it reads and writes only the organisations (and their people) that user manages,
    and changes a shared one only as `scoping.may_change_organisation` allows.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.organisations = (
            selectors.organisations_managed(self.user) if self.user is not None else Organisation.objects.all()
        )

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        for field in self.fields.values():
            if isinstance(field.widget, OrganisationWidget):
                field.widget.use(self.organisations, self)

    def save_instance(self, instance: Any, is_create: bool, row: Any, **kwargs: Any) -> None:
        # A dry run saves too, so later rows can refer to earlier ones; its transaction is rolled back.
        services.record_save(instance=instance, by=self.user)

    def changed_columns(self, instance: Any, original: Any) -> list[str]:
        return [
            field.column_name
            for field in self.get_import_fields()
            if field.attribute and field.get_value(instance) != field.get_value(original)
        ]

    def check_shared(self, organisation: Organisation, changed: list[str]) -> None:
        """A row changing an organisation of several partnerships: refused unless the user runs all of
        them (say so, and which columns change), else noted with the partnerships it shows in."""
        if not changed:
            return
        if self.user is not None and not scoping.may_change_organisation(self.user, organisation):
            self.problem(
                changed[0],
                _(
                    "%(name)s is shared with partnerships you do not coordinate, so only their coordinators "
                    "together may change it; this row changes %(columns)s. Leave those cells as they are."
                )
                % {"name": organisation.name, "columns": ", ".join(changed)},
            )
            return
        partnerships = list(scoping.organisation_partnerships(organisation).order_by("name"))
        if len(partnerships) > 1:
            self.note(
                _("Shared organisation: %(name)s belongs to %(partnerships)s; this change shows in each.")
                % {"name": organisation.name, "partnerships": ", ".join(p.name for p in partnerships)}
            )


class OrganisationResource(AuditedResource):
    kind = fields.Field(
        attribute="kind", column_name="kind", widget=ChoiceWidget(Organisation.Kind.choices, required=True)
    )
    country = fields.Field(attribute="country", column_name="country", widget=CountryWidget())
    parent = fields.Field(
        attribute="parent",
        column_name="parent",
        widget=OrganisationWidget(gettext_lazy("No organisation is called “%(value)s”.")),
    )

    class Meta:
        model = Organisation
        fields = ("name", "short_name", "kind", "country", "website", "parent")
        import_id_fields = ("name",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    required_columns = ("name", "kind")
    column_notes = {
        "name": gettext_lazy(
            "Finds the organisation however its name is written (case, accents, dashes, a “European Commission –” "
            "prefix) or by its short name; a stored name stays as it is."
        ),
        "short_name": gettext_lazy("Such as DG HOME; also finds the organisation."),
        "country": gettext_lazy("A two-letter code (HR, IT, also EL and UK) or the English name; empty for EU bodies."),
        "website": gettext_lazy("https://…"),
        "parent": gettext_lazy("Another organisation's name or short name."),
    }

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        super().before_import(dataset, **kwargs)
        reachable = scoping.organisations_linkable(self.user) if self.user is not None else Organisation.objects.all()
        self.index = OrganisationIndex.of(reachable)
        # Names are unique, so a row naming an organisation the user may not reach is refused, not duplicated.
        self.unreachable_names = {
            name.strip().casefold()
            for name in Organisation.objects.exclude(pk__in=reachable.values("pk")).values_list("name", flat=True)
        }

    def get_instance(self, instance_loader: Any, row: Any) -> Organisation | None:
        name = cell_text(row.get("name"))
        if name.casefold() in self.unreachable_names:
            self.problem("name", NOT_COORDINATED)
            return None
        match = self.index.find(name, row.get("short_name"))
        if match is None:
            return None
        if match.organisation_id is None:
            self.problem(
                "name",
                _("“%(value)s” could be any of %(candidates)s: write the organisation's full name.")
                % {"value": name, "candidates": "; ".join(match.candidates)},
            )
            return None
        organisation = Organisation.objects.select_related("parent").get(pk=match.organisation_id)
        if not match.exact:
            self.note(taken_as(name, organisation.name, match.how))
            row["name"] = organisation.name  # the stored name stays; the row's only found it
        return organisation

    def skip_row(self, instance: Any, original: Any, row: Any, import_validation_errors: Any = None) -> bool:
        skipped = super().skip_row(instance, original, row, import_validation_errors)
        if not skipped and original is not None and original.pk is not None and not import_validation_errors:
            self.check_shared(original, self.changed_columns(instance, original))
        return skipped and not self.problems

    def save_instance(self, instance: Any, is_create: bool, row: Any, **kwargs: Any) -> None:
        super().save_instance(instance, is_create, row, **kwargs)
        # Later rows of the file find this one, by name or as their parent.
        self.index.add(instance.pk, instance.name, instance.short_name)
        for field in self.fields.values():
            if isinstance(field.widget, OrganisationWidget):
                field.widget.objects[instance.pk] = instance
                field.widget.index.add(instance.pk, instance.name, instance.short_name)


class PersonResource(AuditedResource):
    organisation = fields.Field(
        attribute="organisation",
        column_name="organisation",
        widget=OrganisationWidget(gettext_lazy("No organisation is called “%(value)s”.")),
    )
    language = fields.Field(
        attribute="language",
        column_name="language",
        widget=ChoiceWidget(Person._meta.get_field("language").choices or ()),
        saves_null_values=False,
    )

    class Meta:
        model = Person
        fields = ("name", "email", "organisation", "role_title", "language")
        import_id_fields = ("email",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    required_columns = ("name", "email", "organisation")
    column_notes = {
        "email": gettext_lazy("Finds the person, whatever its case."),
        "organisation": gettext_lazy("An organisation's name or short name."),
    }

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        row["email"] = cell_text(row.get("email")).lower()

    def get_instance(self, instance_loader: Any, row: Any) -> Person | None:
        email = str(row.get("email") or "")
        person = Person.objects.filter(email__iexact=email).select_related("organisation").first()
        if person is not None and not self.organisations.filter(pk=person.organisation_id).exists():
            self.problem("email", NOT_COORDINATED)
            return None
        return person

    def skip_row(self, instance: Any, original: Any, row: Any, import_validation_errors: Any = None) -> bool:
        skipped = super().skip_row(instance, original, row, import_validation_errors)
        if not skipped and original is not None and original.pk is not None and not import_validation_errors:
            self.check_shared(original.organisation, self.changed_columns(instance, original))
        return skipped and not self.problems

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        if not cell_text(row.get("organisation")):
            self.problem("organisation", _("Every person needs an organisation."))
        super().import_instance(instance, row, **kwargs)


CONTACT = re.compile(r"^(?P<name>[^<>]*?)\s*<\s*(?P<email>[^<>\s]+)\s*>$")


class MembershipResource(AuditedResource):
    """Memberships of one partnership the user coordinates (the form's choice, or the row's partnership
    column), of organisations they may name (`scoping.organisations_linkable`), with a role, a start,
    an end and contact persons: people of that organisation given as “Name <e-mail>” and separated by
    semicolons, found by e-mail or added when new. An empty cell leaves a stored membership's value as
    it is; a new membership is a partner's from today."""

    partnership = fields.Field(
        attribute="partnership", column_name="partnership", widget=widgets.ForeignKeyWidget(Partnership, "name")
    )
    organisation = fields.Field(
        attribute="organisation",
        column_name="organisation",
        widget=OrganisationWidget(
            gettext_lazy(
                "No organisation you may add is called “%(value)s”: check its name, or import it on the "
                "organisations page first."
            )
        ),
    )
    role = fields.Field(
        attribute="role", column_name="role", widget=ChoiceWidget(Membership.Role.choices), saves_null_values=False
    )
    since = fields.Field(attribute="since", column_name="since", widget=DayWidget(), saves_null_values=False)
    until = fields.Field(attribute="until", column_name="until", widget=DayWidget(), saves_null_values=False)
    contacts = fields.Field(column_name="contacts")

    class Meta:
        model = Membership
        fields = ("partnership", "organisation", "role", "since", "until", "contacts")
        # With the partnership the form or the row gives (get_instance), which the file need not name.
        import_id_fields = ("organisation",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    required_columns = ("organisation",)
    column_notes = {
        "partnership": gettext_lazy("A partnership you coordinate, by name; empty: the one chosen below."),
        "organisation": gettext_lazy("An organisation's name or short name; import new organisations first."),
        "role": gettext_lazy("Empty: partner for a new membership."),
        "since": gettext_lazy("A date such as 2019-01-31 or 31.01.2019; empty: today for a new membership."),
        "until": gettext_lazy("A date, or empty: no end for a new membership."),
        "contacts": gettext_lazy(
            "People of the organisation as Name <e-mail>, separated by semicolons: found by e-mail, added when new."
        ),
    }
    RESOLVED = ("partnership", "organisation", "contacts")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.chosen_partnership: Partnership | None = kwargs.get("partnership")
        self.coordinated: QuerySet[Partnership] = selectors.partnerships_coordinated(self.user)
        if self.user is not None:
            self.organisations = scoping.organisations_linkable(self.user)
        self.row_partnership: Partnership | None = None
        self.row_organisation: Organisation | None = None
        self.row_contacts: list[tuple[str, str]] | None = None

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        super().before_import(dataset, **kwargs)
        self.coordinated_by_name: dict[str, Partnership] = {}
        for partnership in self.coordinated if self.user is not None else Partnership.objects.all():
            self.coordinated_by_name.setdefault(normalised_name(partnership.name), partnership)
            self.coordinated_by_name.setdefault(normalised_name(partnership.slug), partnership)

    def dehydrate_contacts(self, membership: Membership) -> str:
        if membership.pk is None:
            return ""
        return "; ".join(f"{person.name} <{person.email}>" for person in membership.contacts.order_by("name"))

    def get_instance(self, instance_loader: Any, row: Any) -> Membership | None:
        self.row_partnership = self._partnership_of(row)
        try:
            self.row_organisation = self.fields["organisation"].clean(row)
        except ValueError as error:
            self.row_organisation = None
            self.problem("organisation", error)
        if self.row_partnership is None or self.row_organisation is None:
            return None
        return (
            Membership.objects.filter(partnership=self.row_partnership, organisation=self.row_organisation)
            .select_related("partnership", "organisation")
            .first()
        )

    def _partnership_of(self, row: Any) -> Partnership | None:
        named = cell_text(row.get("partnership"))
        if not named:
            if self.chosen_partnership is None:
                self.problem(
                    "partnership", _("Choose the partnership on the form, or name it in a partnership column.")
                )
            return self.chosen_partnership
        found = self.coordinated_by_name.get(normalised_name(named))
        if found is None:
            self.problem(
                "partnership",
                _("“%(value)s” is not a partnership you coordinate; you coordinate: %(allowed)s.")
                % {"value": named, "allowed": ", ".join(p.name for p in self.coordinated) or _("none")},
            )
        elif self.chosen_partnership is not None and found != self.chosen_partnership:
            self.problem(
                "partnership",
                _("This row names “%(value)s”, but the form imports into “%(chosen)s”.")
                % {"value": named, "chosen": self.chosen_partnership.name},
            )
        return found

    def import_field(self, field: Any, instance: Any, row: Any, is_m2m: bool = False, **kwargs: Any) -> None:
        if field.column_name not in self.RESOLVED:
            super().import_field(field, instance, row, is_m2m, **kwargs)

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        if self.row_partnership is not None:
            instance.partnership = self.row_partnership
        if self.row_organisation is not None:
            instance.organisation = self.row_organisation
        self.row_contacts = self._contacts_of(row)
        super().import_instance(instance, row, **kwargs)

    def _contacts_of(self, row: Any) -> list[tuple[str, str]] | None:
        """The contacts a row names as (name, e-mail), or None to leave them as they are."""
        items = split_list(row.get("contacts"))
        if not items:
            return None
        contacts = []
        for item in items:
            found = CONTACT.match(item)
            name, email = (found["name"].strip(" \"'"), found["email"]) if found else ("", item)
            email = email.strip().lower()
            try:
                validate_email(email)
            except ValidationError:
                self.problem(
                    "contacts",
                    _("“%(value)s” is not a contact: write each as Name <e-mail>, separated by semicolons.")
                    % {"value": item},
                )
                continue
            contacts.append((name, email))
        organisation = self.row_organisation
        if organisation is None:
            return contacts
        known = {person.email.lower(): person for person in Person.objects.filter(email__in=[e for _n, e in contacts])}
        for name, email in contacts:
            person = known.get(email)
            if person is not None and person.organisation_id != organisation.pk:
                self.problem(
                    "contacts",
                    _("%(email)s is a person of another organisation; a contact must be one of %(organisation)s.")
                    % {"email": email, "organisation": organisation.name},
                )
            elif person is None and not name:
                self.problem(
                    "contacts",
                    _("%(email)s is not known yet: write it as Name <%(email)s> so the person can be added.")
                    % {"email": email},
                )
            elif person is None:
                self.note(
                    _("Adds %(name)s <%(email)s> as a new person of %(organisation)s.")
                    % {"name": name, "email": email, "organisation": organisation.name}
                )
        return contacts

    def skip_row(self, instance: Any, original: Any, row: Any, import_validation_errors: Any = None) -> bool:
        if not super().skip_row(instance, original, row, import_validation_errors):
            return False
        if self.row_contacts is None:
            return True
        stored = set(instance.contacts.values_list("email", flat=True)) if instance.pk else set()
        return stored == {email for _name, email in self.row_contacts}

    def save_instance(self, instance: Any, is_create: bool, row: Any, **kwargs: Any) -> None:
        services.membership_import(membership=instance, contacts=self.row_contacts, by=self.user)
