"""Respondent lists from CSV or XLSX: parsed, checked row by row, duplicates merged, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import tablib
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from partnership.services import Actor, audit_record
from surveys.models import SURVEY_LANGUAGES, Respondent, Survey

COLUMNS = ("name", "email", "organisation", "region", "kind", "language")
REQUIRED = ("name", "email")
MAX_ROWS = 20000


@dataclass
class ParsedList:
    rows: list[dict[str, str]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    merged: list[tuple[int, int]] = field(default_factory=list)
    existing: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def read_file(name: str, content: bytes) -> tablib.Dataset:
    """Load a CSV (UTF-8, with or without BOM) or XLSX file; raises ValidationError with a plain reason."""
    if not content:
        raise ValidationError(_("The file is empty."))
    lower = name.lower()
    try:
        if lower.endswith(".xlsx"):
            return tablib.Dataset().load(content, format="xlsx")
        if lower.endswith(".csv") or lower.endswith(".txt"):
            try:
                text = content.decode("utf-8-sig")
            except UnicodeDecodeError as error:
                raise ValidationError(
                    _("The file is not in UTF-8. Save it from your spreadsheet as “CSV UTF-8” and try again.")
                ) from error
            # Spreadsheets in Croatian, Italian and other locales save "CSV" with semicolons.
            header = text.split("\n", 1)[0]
            delimiter = max((",", ";", "\t"), key=header.count)
            return tablib.Dataset().load(text, format="csv", delimiter=delimiter)
    except ValidationError:
        raise
    except Exception as error:
        raise ValidationError(
            _("The file could not be read as %(kind)s.") % {"kind": lower.rsplit(".", 1)[-1].upper()}
        ) from error
    raise ValidationError(_("Upload a .csv or .xlsx file."))


def parse(survey: Survey, dataset: tablib.Dataset) -> ParsedList:
    """Check every row; the result lists row-level errors by line number (the header is line 1)."""
    headers = [str(h or "").strip().lower() for h in (dataset.headers or [])]
    missing = [column for column in REQUIRED if column not in headers]
    parsed = ParsedList()
    if missing:
        parsed.errors.append(
            (
                1,
                _("Missing columns: %(columns)s. Expected: %(expected)s.")
                % {"columns": ", ".join(missing), "expected": ", ".join(COLUMNS)},
            )
        )
        return parsed
    if len(dataset) > MAX_ROWS:
        parsed.errors.append((1, _("The file has more than %(max)d rows.") % {"max": MAX_ROWS}))
        return parsed
    if not len(dataset):
        parsed.errors.append((1, _("The file has no rows under the header.")))
        return parsed
    # Only the survey's own languages: a respondent in another one would get mail and pages in the default language.
    languages = survey.all_languages
    names = dict(SURVEY_LANGUAGES)
    offered = ", ".join(f"{code} ({names.get(code, code)})" for code in languages)
    kinds = set(Respondent.Kind.values)
    seen: dict[str, int] = {}
    existing = set(survey.respondents.values_list("email", flat=True))
    for index, values in enumerate(dataset, start=2):
        row = {
            column: str(values[headers.index(column)] or "").strip() if column in headers else "" for column in COLUMNS
        }
        row["email"] = row["email"].lower()
        problems = []
        if not row["name"]:
            problems.append(_("the name is missing"))
        if len(row["name"]) > 200 or len(row["organisation"]) > 200 or len(row["region"]) > 200:
            problems.append(_("a text is longer than 200 characters"))
        try:
            validate_email(row["email"])
        except ValidationError:
            problems.append(_("“%(email)s” is not a valid e-mail address") % {"email": row["email"]})
        row["language"] = row["language"].lower() or survey.default_language
        if row["language"] not in languages:
            problems.append(
                _("unknown language “%(language)s”: this survey is in %(languages)s")
                % {"language": row["language"], "languages": offered}
            )
        row["kind"] = row["kind"].lower() or Respondent.Kind.MUNICIPALITY
        if row["kind"] not in kinds:
            problems.append(
                _("unknown kind “%(kind)s” (use %(kinds)s)") % {"kind": row["kind"], "kinds": ", ".join(kinds)}
            )
        if problems:
            parsed.errors.append((index, "; ".join(str(p) for p in problems)))
            continue
        if row["email"] in seen:
            parsed.merged.append((index, seen[row["email"]]))
            continue
        seen[row["email"]] = index
        parsed.existing += row["email"] in existing
        parsed.rows.append(row)
    return parsed


@transaction.atomic
def respondents_import(*, survey: Survey, rows: list[dict[str, str]], by: Actor) -> tuple[int, int]:
    """Create or update the respondents of a checked list; returns (created, updated)."""
    created = updated = 0
    current = {r.email.lower(): r for r in survey.respondents.all()}
    new = []
    for row in rows:
        fields: dict[str, Any] = {k: row[k] for k in ("name", "organisation", "region", "kind", "language")}
        respondent = current.get(row["email"])
        if respondent is None:
            new.append(Respondent(survey=survey, email=row["email"], **fields))
            created += 1
        elif any(getattr(respondent, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(respondent, k, v)
            respondent.save(update_fields=list(fields))
            updated += 1
    Respondent.objects.bulk_create(new, batch_size=1000)
    audit_record(by=by, verb="import_respondents", instance=survey, changes={"created": created, "updated": updated})
    return created, updated
