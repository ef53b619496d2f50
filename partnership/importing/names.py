"""Finding organisations by name, as `partnership.importing` describes."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from import_export import widgets

from partnership.importing.rows import cell_text

if TYPE_CHECKING:
    from partnership.importing.rows import PlainImportResource


# Letters that Unicode does not decompose into a base letter and an accent.
_LETTERS = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "æ": "ae", "œ": "oe", "ı": "i", "þ": "th", "ð": "d"})
_PREFIX = re.compile(r"^\s*(european commission|european union|ec|eu)\s*[-‐‑‒–—―−:,/|]\s*(?=\S)")


def normalised_name(text: Any) -> str:
    """A name as matching compares it (see the module's note)."""
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().translate(_LETTERS)
    plain = _PREFIX.sub("", plain, count=1)
    return " ".join(re.sub(r"[\W_]+", " ", plain).split())


@dataclass
class Match:
    """An organisation found for a name: its id and how it was found, or the candidates it could be."""

    organisation_id: int | None
    how: str = "name"
    candidates: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return self.how == "name"


class OrganisationIndex:
    """Organisations by exact name, normalised name and normalised short name, read once per import;
    rows added as the import creates them, so a later row finds an earlier one."""

    def __init__(self, rows: Iterable[tuple[int, str, str]] = ()) -> None:
        self.names: dict[int, str] = {}
        self.exact: dict[str, int] = {}
        self.normalised: dict[str, list[int]] = {}
        self.short: dict[str, list[int]] = {}
        for pk, name, short_name in rows:
            self.add(pk, name, short_name)

    @classmethod
    def of(cls, queryset: Any) -> OrganisationIndex:
        return cls(queryset.order_by("name").values_list("pk", "name", "short_name"))

    def add(self, pk: int, name: str, short_name: str = "") -> None:
        self.names[pk] = name
        self.exact.setdefault(name.strip().casefold(), pk)
        for table, key in ((self.normalised, normalised_name(name)), (self.short, normalised_name(short_name))):
            if key and pk not in table.setdefault(key, []):
                table[key].append(pk)

    def find(self, text: Any, short_name: Any = "") -> Match | None:
        """The organisation `text` names: by exact name, by normalised name, as someone's short name,
        or by the row's `short_name`; None if none, a Match without id if several could be meant."""
        name = str(text or "").strip()
        if not name:
            return None
        if name.casefold() in self.exact:
            return Match(self.exact[name.casefold()])
        key = normalised_name(name)
        short_key = normalised_name(short_name)
        for ids, how in (
            (self.normalised.get(key), "normalised name"),
            (self.short.get(key), "short name"),
            (self.short.get(short_key) if short_key else None, "short name"),
        ):
            if ids and len(ids) == 1:
                return Match(ids[0], how)
            if ids:
                return Match(None, how, sorted(self.names[pk] for pk in ids))
        return None


class OrganisationWidget(widgets.ForeignKeyWidget):
    """An organisation named by its name or short name among those of `index` (read once per import),
    or the reason it is not one of them; with `notes`, a match other than by the exact name becomes a
    note of the row."""

    def __init__(self, missing: Any, *, required: bool = False, notes: bool = True) -> None:
        from partnership.models import Organisation

        super().__init__(Organisation, field="name")
        self.missing = missing
        self.required = required
        self.notes = notes
        self.index = OrganisationIndex()
        self.objects: dict[int, Any] = {}
        self.resource: PlainImportResource | None = None

    def use(self, queryset: Any, resource: PlainImportResource) -> None:
        """Look among `queryset`'s organisations, all read now in one query."""
        self.objects = {organisation.pk: organisation for organisation in queryset}
        self.index = OrganisationIndex(
            sorted(((o.pk, o.name, o.short_name) for o in self.objects.values()), key=lambda row: row[1])
        )
        self.resource = resource

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        text = cell_text(value)
        if not text:
            if self.required:
                raise ValueError(_("This column needs an organisation's name or short name."))
            return None
        match = self.index.find(text)
        if match is None:
            raise ValueError(self.missing % {"value": text})
        if match.organisation_id is None:
            raise ValueError(
                _("“%(value)s” could be any of %(candidates)s: write the organisation's full name.")
                % {"value": text, "candidates": "; ".join(match.candidates)}
            )
        organisation = self.objects[match.organisation_id]
        if not match.exact and self.notes and self.resource is not None:
            self.resource.note(taken_as(text, organisation.name, match.how))
        return organisation

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return str(getattr(value, "name", "") or "")


def taken_as(given: str, name: str, how: str) -> str:
    """The note for a name matched other than exactly: a possible duplicate, for a person to check."""
    if how == "short name":
        return _("Possible duplicate: “%(given)s” is taken as “%(name)s”, by its short name.") % {
            "given": given,
            "name": name,
        }
    return _(
        "Possible duplicate: “%(given)s” is taken as “%(name)s”, the same name once case, accents, dashes, "
        "spaces and a “European Commission –” prefix are set aside."
    ) % {"given": given, "name": name}
