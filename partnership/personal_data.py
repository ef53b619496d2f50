"""Everything the portal holds about a person, found from the models themselves: for their download and their erasure.

A source is any field of an installed model that points at a Person or a User, or any e-mail field (rows are
matched by the person's address); the audit entries about the person come beside them. The download reads every
source; erasure applies the rule each source has in ERASURE. Tests walk the models and fail on a source with no
rule, so a new model with personal data is neither left out of the download nor of erasure. Models are reached
through the app registry by label, so this module imports no app above partnership.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from partnership.models import AuditLog, Person

# What erasure does with a source's rows.
KEEP = "keep"  # the row stays, pointing at the person's or user's anonymous stub
DELETE = "delete"
UNLINK = "unlink"  # a many-to-many link to the person is removed, the row stays


@dataclass(frozen=True)
class Replace:
    """The row stays with these fields overwritten; "{pk}" in a value stands for the row's id, None for now."""

    values: dict[str, str | None]


Rule = str | Replace

ERASED_EMAIL = "erased@invalid.invalid"
REDACTED = "[erased]"

ERASURE: dict[str, Rule] = {
    "admin.LogEntry.user": KEEP,
    "partnership.Membership.contacts": UNLINK,
    "partnership.ConsentRecord.person": DELETE,
    "partnership.AuditLog.actor": KEEP,
    "partnership.Job.requested_by": KEEP,
    "partnership.Notification.recipient": DELETE,
    "partnership.NotificationPreference.user": DELETE,
    "partnership.Follow.user": DELETE,
    "partnership.Announcement.author": KEEP,
    "partnership.Announcement.recipients": UNLINK,
    "partnership.OutboundMessage.to_email": Replace(
        {"to_email": ERASED_EMAIL, "subject": "", "body_text": "", "body_html": ""}
    ),
    "meetings.MeetingTransition.by": KEEP,
    "meetings.AgendaItem.speakers": KEEP,
    "meetings.Registration.person": Replace({"dietary_needs": "", "accessibility_needs": ""}),
    "meetings.RegistrationChange.by": KEEP,
    "meetings.TravelChange.by": KEEP,
    "meetings.MeetingDocument.uploaded_by": KEEP,
    "meetings.CalendarFeed.person": DELETE,
    "actions.Action.created_by": KEEP,
    "actions.ActionEvent.by": KEEP,
    "actions.Comment.author": KEEP,
    "actions.Comment.public_email": Replace({"public_name": "", "public_email": ""}),
    "actions.Support.by": KEEP,
    "actions.ActionDocument.uploaded_by": KEEP,
    "surveys.SurveyTransition.by": KEEP,
    # The second factors (partnership.two_factor): a person erased logs in no more.
    "otp_totp.TOTPDevice.user": DELETE,
    "otp_static.StaticDevice.user": DELETE,
    "django_otp_webauthn.WebAuthnCredential.user": DELETE,
    "django_otp_webauthn.WebAuthnUserHandle.user": DELETE,
    "surveys.SurveyExport.requested_by": KEEP,
    # The address respondents may write to: a person's, when it is theirs, goes; the survey stays.
    "surveys.Survey.contact_email": Replace({"contact_email": ""}),
    "surveys.Respondent.email": Replace(
        {
            "name": "Erased respondent {pk}",
            "email": "erased-{pk}@invalid.invalid",
            "organisation": "",
            "erased_at": None,
        }
    ),
}

# Relations to a person or user that are not sources, and why.
EXCLUDED: dict[str, str] = {
    "partnership.Person.user": "the person's own record and account head the download; person_erase anonymises both",
    "partnership.Person.email": "the person's own address, at the head of the download",
    "auth.User.email": "the account's own address, at the head of the download",
}

# Rows reached through a source's rows that are the person's too, listed under them: label -> (name, model, path)...
DETAILS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "meetings.Registration.person": (
        ("changes", "meetings.RegistrationChange", "registration"),
        ("travel", "meetings.TravelRequest", "registration"),
    ),
    "surveys.Respondent.email": (("answers", "surveys.Answer", "response__invitation__respondent"),),
}

# What erasure does with a detail's rows (the others stay as they are, beside their source's row).
DETAIL_ERASURE: dict[str, Replace] = {
    "meetings.TravelRequest": Replace({"travelling_from": "", "notes": ""}),
}

# Never written into the download: secrets that would let its reader act as someone.
# The second factors' keys are listed by name and use, never with the key itself.
SECRET_FIELDS = {
    "password",
    "token_hash",
    "open_link_token",
    "search_document",
    "key",
    "credential_id",
    "credential_id_sha256",
    "public_key",
    "handle_hex",
}

# Fields of a source's rows left out of the download because they hold other people's data: what one did to
# someone else's record belongs to that person's download, not to the actor's.
OTHERS_FIELDS: dict[str, set[str]] = {
    "admin.LogEntry.user": {"object_repr", "change_message"},
    "partnership.AuditLog.actor": {"object_repr", "changes"},
    "partnership.Job.requested_by": {"params", "result", "result_file", "error"},
    "meetings.AgendaItem.speakers": {"other_speakers"},
}


@dataclass(frozen=True)
class Source:
    model: type[models.Model]
    field: str
    target: str  # "person", "user" or "email"
    many: bool = False

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field}"


def relations() -> list[Source]:
    """Every field of every installed model that points at a Person or a User, and every e-mail field."""
    user_model = get_user_model()
    found = []
    for model in apps.get_models():
        for model_field in [*model._meta.concrete_fields, *model._meta.many_to_many]:
            if model_field.is_relation and model_field.related_model in (Person, user_model):
                target = "person" if model_field.related_model is Person else "user"
                found.append(Source(model, model_field.name, target, many=bool(model_field.many_to_many)))
            elif isinstance(model_field, models.EmailField):
                found.append(Source(model, model_field.name, "email"))
    return found


def sources() -> list[Source]:
    return [source for source in relations() if source.label not in EXCLUDED]


def rows_of(source: Source, person: Person, emails: Iterable[str] = ()) -> QuerySet[Any]:
    """The source's rows that concern the person (by a link, or by one of these addresses)."""
    manager = source.model._base_manager
    if source.target == "email":
        addresses = [email for email in emails if email]
        if not addresses:
            return manager.none()
        condition = Q()
        for address in addresses:
            condition |= Q(**{f"{source.field}__iexact": address})
        return manager.filter(condition)
    if source.target == "user":
        if person.user_id is None:
            return manager.none()
        return manager.filter(**{source.field: person.user_id})
    return manager.filter(**{source.field: person.pk})


def _addresses(person: Person) -> list[str]:
    return sorted({email.lower() for email in (person.email, person.user.email if person.user else "") if email})


def audit_about(person: Person) -> QuerySet[AuditLog]:
    """Audit entries about the person or their account (entries by them are the AuditLog.actor source)."""
    condition = Q(model=Person._meta.label_lower, object_id=str(person.pk))
    if person.user_id is not None:
        condition |= Q(model=get_user_model()._meta.label_lower, object_id=str(person.user_id))
    return AuditLog.objects.filter(condition)


# The download ----------------------------------------------------------------------------------------------------


def export(person: Person) -> dict[str, Any]:
    """The person, their account, and the rows of every source and detail; queries do not grow with the rows."""
    emails = _addresses(person)
    records: dict[str, list[dict[str, Any]]] = {}
    for source in sources():
        rows = list(_readable(rows_of(source, person, emails)).order_by("pk"))
        skip = {source.field, *OTHERS_FIELDS.get(source.label, ())}
        records[source.label] = [_as_dict(row, skip=skip) for row in rows]
        by_row = {row.pk: record for row, record in zip(rows, records[source.label], strict=True)}
        for name, label, path in DETAILS.get(source.label, ()) if rows else ():
            details = apps.get_model(label)._base_manager.filter(**{f"{path}__in": rows})
            for detail in _readable(details).annotate(row_of_source=F(path)).order_by("pk"):
                by_row[detail.row_of_source].setdefault(name, []).append(_as_dict(detail))
    user = person.user
    data = {
        "person": _as_dict(person),
        "account": _as_dict(user) if user is not None else None,
        "groups": [group.name for group in user.groups.all()] if user is not None else [],
        "records": records,
        "audit_entries_about_you": [_as_dict(entry) for entry in _readable(audit_about(person)).order_by("at", "pk")],
        "exported_at": timezone.now(),
    }
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder, default=str))


def _readable(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """With the related rows whose names the dictionaries show, two levels deep, read in the same query."""
    paths = []
    for first in _forward(queryset.model):
        paths.append(first.name)
        related: type[models.Model] = first.related_model  # type: ignore[assignment]
        paths += [f"{first.name}__{second.name}" for second in _forward(related)]
    return queryset.select_related(*paths)


def _forward(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields if f.is_relation and f.related_model is not model]


def _as_dict(row: models.Model, *, skip: Iterable[str] = ()) -> dict[str, Any]:
    """The row's fields; a related row by its name, or by its id alone when it is a person's, an account's or
    a record of someone's (a registration), whose name would be another person's."""
    data: dict[str, Any] = {"id": row.pk}
    for model_field in row._meta.concrete_fields:
        name = model_field.name
        if model_field.primary_key or name in SECRET_FIELDS or name in skip:
            continue
        if model_field.is_relation:
            related_model: type[models.Model] = model_field.related_model  # type: ignore[assignment]
            if _names_someone(related_model):
                data[name] = getattr(row, model_field.attname)
                continue
            related = getattr(row, name)
            data[name] = str(related) if related is not None else None
        elif isinstance(model_field, models.FileField):
            data[name] = getattr(row, name).name or ""
        else:
            data[name] = getattr(row, model_field.attname)
    return data


def _names_someone(model: type[models.Model]) -> bool:
    people = (Person, get_user_model())
    if model in people:
        return True
    return any(f.is_relation and f.related_model is Person and not f.null for f in model._meta.concrete_fields)


# Erasure ---------------------------------------------------------------------------------------------------------


def erase(*, person: Person, emails: Iterable[str], values: Iterable[str]) -> None:
    """Apply each source's rule for the person (matched by these former addresses), and redact the audit log: every
    value inside the entries about them, and these former values (name, addresses, username) wherever they appear.
    Run inside person_erase's transaction, after the person and the account are anonymised."""
    emails = list(emails)
    for source in sources():
        for _name, label, path in DETAILS.get(source.label, ()):
            if label in DETAIL_ERASURE:
                values = DETAIL_ERASURE[label].values
                details = apps.get_model(label)._base_manager.filter(**{f"{path}__in": rows_of(source, person, emails)})
                details.update(**{name: timezone.now() if value is None else value for name, value in values.items()})
        rule = ERASURE[source.label]
        if rule == KEEP:
            continue
        rows = rows_of(source, person, emails)
        if rule == DELETE:
            rows.delete()
        elif rule == UNLINK:
            for row in rows:
                getattr(row, source.field).remove(person.user if source.target == "user" else person)
        elif isinstance(rule, Replace):
            for row in rows:
                for name, value in rule.values.items():
                    setattr(row, name, timezone.now() if value is None else value.format(pk=row.pk))
                row.save(update_fields=list(rule.values))
    _redact_audit(person, [value for value in values if len(value) >= MATCHED_LENGTH])


# Shorter former values are not looked for in other records' entries: they would match unrelated words.
MATCHED_LENGTH = 5


def _redact_audit(person: Person, values: list[str]) -> None:
    about = set(audit_about(person).values_list("pk", flat=True))
    condition = Q(pk__in=about)
    for value in values:
        condition |= Q(object_repr__icontains=value) | Q(changes__icontains=value)
    for entry in AuditLog.objects.filter(condition):
        if entry.pk in about:
            entry.object_repr = str(person)
            entry.changes = _redacted(entry.changes, None)
        else:
            entry.object_repr = _redacted(entry.object_repr, values)
            entry.changes = _redacted(entry.changes, values)
        entry.save(update_fields=["object_repr", "changes"])


def _redacted(value: Any, values: list[str] | None) -> Any:
    """The value with these strings in it replaced; with None, every string in it replaced."""
    if isinstance(value, list):
        return [_redacted(item, values) for item in value]
    if isinstance(value, dict):
        return {key: _redacted(item, values) for key, item in value.items()}
    if not isinstance(value, str):
        return value
    if values is None:
        return REDACTED if value else value
    for old in values:
        position = value.lower().find(old.lower())
        while position >= 0:
            value = value[:position] + REDACTED + value[position + len(old) :]
            position = value.lower().find(old.lower(), position + len(REDACTED))
    return value
