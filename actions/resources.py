"""Import of a long list (the typed-up Teaser Session sheet, or a list kept elsewhere) into a partnership.

Files are read and rows checked as `partnership.importing` describes. Each row becomes an action of the
chosen partnership in the state its `state` column gives (any but a draft or a merged action; without
one, long-listed if it has a code, else proposed), entered in its history as imported in that state,
with no mail sent; with its leader and contributing partners (members of the partnership, by name or
short name, contributors separated by semicolons) and the address it came from (`source`), which its
history shows. An action in a state that carries a code and given none gets the partnership's next one.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import URLValidator
from django.db.models import UniqueConstraint
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, widgets

from actions import selectors, services
from actions.models import Action
from partnership.importing import (
    ChoiceWidget,
    OrganisationWidget,
    PlainImportResource,
    cell_text,
    split_list,
)
from partnership.models import Organisation, Partnership, Pillar, PriorityArea

State = Action.State
# A merged action needs the action it went into, and an imported one is no longer a draft.
IMPORTED_STATES = [(value, label) for value, label in State.choices if value not in (State.DRAFT, State.MERGED)]
# States an action reaches only through long-listing, which gives it its code.
CODED_STATES = {State.UNDER_DISCUSSION, State.LONG_LISTED, State.SELECTED, State.DRAFTING} | {
    State.PUBLIC_FEEDBACK,
    State.ADOPTED,
    State.IN_IMPLEMENTATION,
    State.COMPLETED,
}
NOT_A_MEMBER = gettext_lazy("“%(value)s” is not a member organisation of this partnership.")


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
        text = cell_text(value)
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


REQUIRED_COLUMNS = ("title", "problem", "priority_area", "proposed_by")
# Set from rows read once per import (or from the import itself), so full_clean need not query each of them
# again for every row; the database's foreign keys still guard them.
LOOKED_UP_FIELDS = ("partnership", "priority_area", "pillar", "owner", "leader", "created_by")


def _unique_code_constraint() -> UniqueConstraint:
    return next(
        constraint
        for constraint in Action._meta.constraints
        if isinstance(constraint, UniqueConstraint) and "code" in constraint.fields
    )


class ActionResource(PlainImportResource):
    """Rows of a long list as new actions of one partnership: all of them, or none if one is wrong.

    The actions, their contributors, "created" events and audit entries are written in batches, so an
    import costs a fixed number of queries per batch rather than several per row.
    """

    priority_area = fields.Field(
        attribute="priority_area", column_name="priority_area", widget=ByNameWidget(PriorityArea, "priority area")
    )
    pillar = fields.Field(
        attribute="pillar", column_name="pillar", widget=ByNameWidget(Pillar, "pillar", required=False)
    )
    level = fields.Field(
        attribute="level", column_name="level", widget=ChoiceWidget(Action.Level.choices), saves_null_values=False
    )
    owner = fields.Field(
        attribute="owner",
        column_name="proposed_by",
        widget=OrganisationWidget(NOT_A_MEMBER, required=True, notes=False),
    )
    state = fields.Field(
        attribute="state", column_name="state", widget=ChoiceWidget(IMPORTED_STATES), saves_null_values=False
    )
    leader = fields.Field(
        attribute="leader", column_name="leader", widget=OrganisationWidget(NOT_A_MEMBER, notes=False)
    )
    contributors = fields.Field(column_name="contributors")
    source = fields.Field(column_name="source")

    class Meta:
        model = Action
        fields = (
            "code",
            "title",
            "problem",
            "description",
            "priority_area",
            "pillar",
            "level",
            "owner",
            "state",
            "leader",
            "contributors",
            "source",
        )
        import_id_fields: tuple[str, ...] = ()
        force_init_instance = True
        clean_model_instances = True
        use_transactions = True
        use_bulk = True
        batch_size = 1000

    required_columns = REQUIRED_COLUMNS
    column_notes = {
        "code": gettext_lazy("Such as A-07; left empty, an action in a state past proposed gets the next code."),
        "priority_area": gettext_lazy("The name of one of the partnership's priority areas."),
        "pillar": gettext_lazy("The name of one of the partnership's pillars, or empty."),
        "proposed_by": gettext_lazy("A member organisation's name or short name."),
        "state": gettext_lazy("Empty: long-listed with a code, else proposed. No e-mail is sent."),
        "leader": gettext_lazy("A member organisation's name or short name, or empty."),
        "contributors": gettext_lazy("Member organisations' names or short names, separated by semicolons."),
        "source": gettext_lazy("The web address the action was kept at (https://…), shown in its history."),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.partnership: Partnership | None = kwargs.get("partnership")
        for name in ("priority_area", "pillar"):
            self.fields[name].widget.partnership = self.partnership
        self.codes_seen: set[str] = set()
        self.codes_taken: set[str] = set()
        self.next_number = 1
        self.row_contributors: list[Organisation] = []
        self.row_source = ""
        self.pending: list[tuple[list[Organisation], str]] = []

    def missing_columns_message(self, missing: list[str], found: list[str]) -> str:
        return _("The file lacks the columns: %(missing)s. The first row must name the columns: %(expected)s.") % {
            "missing": ", ".join(missing),
            "expected": ", ".join(column for column in self.get_diff_headers()),
        }

    def file_problems(self, found: list[str]) -> list[str]:
        if self.partnership is None:
            return [_("Choose the partnership to import into.")]
        return super().file_problems(found)

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        members = list(Organisation.objects.filter(memberships__partnership=self.partnership).distinct())
        for name in ("owner", "leader"):
            self.fields[name].widget.use(members, self)
        self.members = self.fields["owner"].widget
        self.codes_taken = selectors.codes_taken(self.partnership) if self.partnership is not None else set()
        # Codes given in the file count too, so a code given to a row that has none is not one a later row uses.
        given = {cell_text(code).upper() for code in (dataset["code"] if "code" in (dataset.headers or ()) else ())}
        numbers = [int(code[2:]) for code in self.codes_taken | given if re.fullmatch(r"A-[0-9]+", code)]
        self.next_number = max(numbers, default=0) + 1

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        row["code"] = cell_text(row.get("code")).upper()
        self.row_contributors, self.row_source = [], ""

    def import_field(self, field: Any, instance: Any, row: Any, is_m2m: bool = False, **kwargs: Any) -> None:
        if field.column_name not in ("contributors", "source"):
            super().import_field(field, instance, row, is_m2m, **kwargs)

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        # Set before the columns are read, so a bad column is not also reported as a missing partnership.
        instance.partnership = self.partnership
        instance.created_by = self.user
        self._check_code(row["code"])
        self.row_contributors = self._contributors(row)
        self.row_source = self._source(row)
        try:
            super().import_instance(instance, row, **kwargs)
        finally:
            if not instance.state or instance.state == State.DRAFT:
                instance.state = State.LONG_LISTED if instance.code else State.PROPOSED
            if instance.state in CODED_STATES and not instance.code and "code" not in self.problems:
                instance.code = row["code"] = f"A-{self.next_number:02d}"
                self.next_number += 1
                self.note(
                    _("Gets the code %(code)s: an action “%(state)s” has one.")
                    % {"code": instance.code, "state": State(instance.state).label}
                )

    def _check_code(self, code: str) -> None:
        if not code:
            return
        if not services.code_is_valid(code):
            self.problem(
                "code", _("The code %(code)s is not of the form A-07 (letters, a hyphen, a number).") % {"code": code}
            )
        elif code in self.codes_seen:
            self.problem("code", _("The code %(code)s appears twice in the file.") % {"code": code})
        self.codes_seen.add(code)

    def _contributors(self, row: Any) -> list[Organisation]:
        found = []
        for name in split_list(row.get("contributors")):
            try:
                found.append(self.members.clean(name))
            except ValueError as error:
                self.problem("contributors", error)
        return list(dict.fromkeys(found))

    def _source(self, row: Any) -> str:
        source = cell_text(row.get("source"))
        if source:
            try:
                URLValidator(schemes=["http", "https"])(source)
            except ValidationError:
                self.problem("source", _("“%(value)s” is not a web address: write it as https://…") % {"value": source})
                return ""
        return source

    def clean_excluded(self) -> list[str]:
        return list(LOOKED_UP_FIELDS)

    def validate_instance(
        self, instance: Any, import_validation_errors: Any = None, validate_unique: bool = True
    ) -> None:
        """full_clean without a query per row: related rows come from the per-import lookups, codes from one read.
        Of the model's constraints, the code's uniqueness is checked against the codes read once, and
        merged_into is never imported (it stays empty)."""
        super().validate_instance(instance, import_validation_errors, validate_unique=False)

    def row_checks(self, instance: Any, errors: dict[str, Any]) -> dict[str, list[Any]]:
        """Imported actions are submitted ones: they need what a draft may leave out."""
        checks: dict[str, list[Any]] = {}
        if not (instance.problem or "").strip() and "problem" not in errors:
            checks["problem"] = [ValidationError(_("This field is required."), code="required")]
        if instance.priority_area_id is None and "priority_area" not in errors:
            checks["priority_area"] = [ValidationError(_("This field is required."), code="required")]
        if instance.code and instance.code in self.codes_taken:
            constraint = _unique_code_constraint()
            checks[NON_FIELD_ERRORS] = [
                ValidationError(constraint.get_violation_error_message(), code=constraint.violation_error_code)
            ]
        return checks

    def skip_row(self, instance: Any, original: Any, row: Any, import_validation_errors: Any = None) -> bool:
        return False  # every row is a new action

    def save_instance(self, instance: Any, is_create: bool, row: Any, **kwargs: Any) -> None:
        super().save_instance(instance, is_create, row, **kwargs)
        self.pending.append((self.row_contributors, self.row_source))

    def bulk_create(
        self,
        using_transactions: bool,
        dry_run: bool,
        raise_errors: bool,
        batch_size: int | None = None,
        result: Any = None,
    ) -> None:
        """Each batch of actions, then their contributors, "created" events and audit entries: four inserts."""
        actions, pending = list(self.create_instances), self.pending
        self.pending = []
        super().bulk_create(using_transactions, dry_run, raise_errors, batch_size=batch_size, result=result)
        if not actions or any(action.pk is None for action in actions):
            return  # not written: a dry run without transactions, or a failed batch already reported
        services.imported_actions_record(
            actions=actions,
            by=self.user,
            contributors=[contributors for contributors, _source in pending],
            sources=[source for _contributors, source in pending],
        )

    def dehydrate_contributors(self, action: Action) -> str:
        # Only the preview shows this column, for the row just read (the actions are written in batches later).
        return "; ".join(organisation.name for organisation in self.row_contributors)

    def dehydrate_source(self, action: Action) -> str:
        return self.row_source
