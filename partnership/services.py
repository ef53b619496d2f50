"""Every write to partner records: keyword-only functions, in a transaction, with the acting user."""

from __future__ import annotations

import json
import secrets
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from partnership import outbox, personal_data, records_cache, scoping, selectors
from partnership.models import AuditLog, ConsentRecord, Membership, Organisation, Person, calendar_today

User = get_user_model()
Actor = AbstractBaseUser | AnonymousUser | None

COORDINATORS_GROUP = "Coordinators"


def actor_user(by: Actor) -> Any:
    """The user to record as having done something: None for the system or an anonymous visitor."""
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def absolute_url(path: str) -> str:
    """A path of the portal as a full address, for links in e-mails."""
    return settings.SITE_URL + path


def audit_record(*, by: Actor, verb: str, instance: models.Model, changes: dict[str, Any] | None = None) -> AuditLog:
    """Append an entry to the audit log; callers pass the changed fields as {field: [old, new]}."""
    return AuditLog.objects.create(
        actor=actor_user(by),
        verb=verb,
        model=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=json.loads(json.dumps(changes or {}, cls=DjangoJSONEncoder, default=str)),
        partnership_id=scoping.partnership_id_of(instance),
    )


def _field_values(instance: models.Model) -> dict[str, Any]:
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if not field.primary_key
    }


@transaction.atomic
def record_save(*, instance: models.Model, by: Actor) -> models.Model:
    """Validate and save any record, logging which fields changed from what to what. A record never points
    at another partnership's records, nor moves to another partnership."""
    instance.full_clean()
    errors = scoping.crossing_relations(instance)
    before: dict[str, Any] = {}
    previous = None
    if instance.pk is not None:
        previous = type(instance)._default_manager.filter(pk=instance.pk).first()
        before = _field_values(previous) if previous is not None else {}
    if scoping.moves_partnership(instance, previous):
        errors[NON_FIELD_ERRORS] = _("A record cannot move to another partnership.")
    if errors:
        raise ValidationError(errors)
    creating = not before
    instance.save()
    after = _field_values(instance)
    changes = {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}
    if creating or changes:
        audit_record(by=by, verb="create" if creating else "update", instance=instance, changes=changes)
    return instance


@transaction.atomic
def record_delete(*, instance: models.Model, by: Actor) -> None:
    audit_record(by=by, verb="delete", instance=instance, changes={})
    instance.delete()


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, by: Actor) -> Membership:
    old = membership.role
    if old == role:
        return membership
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    audit_record(by=by, verb="change_role", instance=membership, changes={"role": [old, role]})
    coordinator_access_sync(organisation=membership.organisation)
    return membership


@transaction.atomic
def membership_end(*, membership: Membership, until: Any = None, by: Actor) -> Membership:
    until = until or timezone.localdate()
    old = membership.until
    membership.until = max(until, membership.since)
    membership.full_clean()
    membership.save(update_fields=["until"])
    audit_record(by=by, verb="end", instance=membership, changes={"until": [old, membership.until]})
    coordinator_access_sync(organisation=membership.organisation)
    return membership


@transaction.atomic
def membership_import(
    *, membership: Membership, contacts: list[tuple[str, str]] | None = None, by: Actor
) -> Membership:
    """Save a membership read from an import file, audited, and make `contacts` ((name, e-mail) pairs)
    its contact persons: people of its organisation found by e-mail, added when new; None leaves the
    contacts as they are. An organisation the acting user may not name is refused, as in the admin."""
    user = actor_user(by)
    if user is not None:
        if not selectors.partnerships_coordinated(user).filter(pk=membership.partnership_id).exists():
            raise ValidationError({"partnership": _("This is a partnership you do not coordinate.")})
        if not scoping.organisations_linkable(user).filter(pk=membership.organisation_id).exists():
            raise ValidationError({"organisation": _("This belongs to a partnership you do not coordinate.")})
    record_save(instance=membership, by=by)
    if contacts is not None:
        people = []
        for name, email in contacts:
            person = Person.objects.filter(email__iexact=email).first()
            if person is None:
                person = person_create(name=name, email=email, organisation=membership.organisation, by=by)
            elif person.organisation_id != membership.organisation_id:
                raise ValidationError({"contacts": _("A contact person must be a person of the organisation.")})
            people.append(person)
        before = sorted(membership.contacts.values_list("email", flat=True))
        membership.contacts.set(people)
        after = sorted(person.email for person in people)
        if before != after:
            audit_record(by=by, verb="update", instance=membership, changes={"contacts": [before, after]})
    coordinator_access_sync(organisation=membership.organisation)
    return membership


def coordinators_group() -> Group:
    """The group that gives coordinators and the secretariat their admin permissions."""
    group, _created = Group.objects.get_or_create(name=COORDINATORS_GROUP)
    wanted = Q()
    for config in apps.get_app_configs():
        for model_name, verbs in getattr(config, "coordinator_permissions", {}).items():
            codenames = [f"{verb}_{model_name}" for verb in verbs]
            wanted |= Q(content_type__app_label=config.label, codename__in=codenames)
    group.permissions.add(*Permission.objects.filter(wanted))
    return group


def coordinator_access_sync(*, organisation: Organisation) -> None:
    """Give the accounts of an organisation admin access exactly while it has a managing role."""
    today = calendar_today()
    manages = (
        organisation.memberships.filter(role__in=Membership.MANAGING_ROLES, since__lte=today)
        .filter(models.Q(until__isnull=True) | models.Q(until__gte=today))
        .exists()
    )
    group = coordinators_group()
    users = User.objects.filter(person__organisation=organisation, is_superuser=False)
    for user in users:
        if manages:
            user.groups.add(group)
        else:
            user.groups.remove(group)
    if users.exclude(is_staff=manages).update(is_staff=manages):
        records_cache.forget_all_now_and_on_commit()  # no signal said so (the hourly sweep changes nothing mostly)


def coordinator_access_sweep() -> int:
    """Follow the calendar: a managing membership that ended yesterday or begins today changes admin
    access without anyone touching it, so Beat runs this hourly. Returns the organisations synced."""
    managing = Membership.objects.filter(role__in=Membership.MANAGING_ROLES).values("organisation_id")
    staff = User.objects.filter(is_staff=True, is_superuser=False).values("person__organisation_id")
    organisations = Organisation.objects.filter(models.Q(pk__in=managing) | models.Q(pk__in=staff))
    count = 0
    for organisation in organisations:
        coordinator_access_sync(organisation=organisation)
        count += 1
    return count


@transaction.atomic
def person_create(
    *,
    name: str,
    email: str,
    organisation: Organisation,
    by: Actor,
    role_title: str = "",
    language: str = "en",
) -> Person:
    person = Person(name=name, email=email, organisation=organisation, role_title=role_title, language=language)
    record_save(instance=person, by=by)
    return person


@transaction.atomic
def person_update(*, person: Person, by: Actor, **fields: Any) -> Person:
    for name, value in fields.items():
        setattr(person, name, value)
    record_save(instance=person, by=by)
    return person


@transaction.atomic
def profile_update(*, person: Person, by: Actor, consents: dict[str, bool], **fields: Any) -> Person:
    """A person's own changes to their profile and consents; their login's e-mail follows their address."""
    person_update(person=person, by=by, **fields)
    for purpose, given in consents.items():
        consent_set(person=person, purpose=purpose, given=given, by=by)
    user = person.user
    if user is not None and user.email != person.email:
        user.email = person.email
        user.save(update_fields=["email"])
    return person


@transaction.atomic
def person_account_create(*, person: Person, by: Actor, username: str | None = None) -> Any:
    """Create a login for a person and queue a welcome mail that lets them set their password."""
    if person.user_id is not None:
        return person.user
    user = User.objects.create_user(
        username=username or person.email,
        email=person.email,
        first_name=person.name[:150],
    )
    user.set_unusable_password()
    user.save()
    person.user = user
    person.save(update_fields=["user"])
    audit_record(by=by, verb="create_account", instance=person, changes={"user": [None, user.pk]})
    coordinator_access_sync(organisation=person.organisation)
    welcome_mail_queue(person=person)
    return user


def password_reset_url(user: Any) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return absolute_url(reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token}))


def welcome_mail_queue(*, person: Person) -> None:
    outbox.message_queue(
        key=f"welcome:{person.user_id}",
        to_email=person.email,
        template="email/welcome",
        language=person.language,
        context={"person": person, "set_password_url": password_reset_url(person.user)},
    )


def password_reset_mail_queue(*, user: Any, to_email: str) -> None:
    """Queue a password-reset mail; each request gets its own key, since each carries a new link."""
    person = getattr(user, "person", None)
    outbox.message_queue(
        key=f"password-reset:{user.pk}:{secrets.token_hex(8)}",
        to_email=to_email,
        template="email/password_reset",
        language=person.language if person else settings.LANGUAGE_CODE,
        context={"user": user, "person": person, "reset_url": password_reset_url(user)},
    )


@transaction.atomic
def consent_set(*, person: Person, purpose: str, given: bool, by: Actor) -> ConsentRecord | None:
    """Record a consent decision, unless it repeats the person's current one for this text version."""
    current = consent_current(person=person, purpose=purpose)
    if current is not None and current.given == given and current.text_version == settings.CONSENT_TEXT_VERSION:
        return None
    if current is None and not given:
        return None
    record = ConsentRecord.objects.create(
        person=person, purpose=purpose, given=given, text_version=settings.CONSENT_TEXT_VERSION
    )
    audit_record(
        by=by, verb="consent_given" if given else "consent_withdrawn", instance=person, changes={"purpose": purpose}
    )
    return record


def consent_current(*, person: Person, purpose: str) -> ConsentRecord | None:
    return person.consents.filter(purpose=purpose).order_by("-at", "-id").first()


def person_data_export(*, person: Person) -> dict[str, Any]:
    """Everything the portal holds about a person, for their own download: every record of every model that points
    at them or their account, or holds their address (partnership.personal_data)."""
    data = personal_data.export(person)
    # The head of the download, in the words of the profile page.
    return {
        "name": person.name,
        "email": person.email,
        "organisation": person.organisation.name,
        "role_title": person.role_title,
        "language": person.language,
        "username": person.user.get_username() if person.user else None,
        "contact_for": [str(m.partnership) for m in person.contact_for.select_related("partnership")],
        "consents": [
            {"purpose": c.purpose, "given": c.given, "text_version": c.text_version, "at": c.at.isoformat()}
            for c in person.consents.all()
        ],
        **data,
    }


@transaction.atomic
def person_erase(*, person: Person, by: Actor) -> Person:
    """Anonymise a person, keeping an anonymous stub so counts and contributions stay intact; every other record
    about them follows its rule in partnership.personal_data, and the audit log keeps its entries, redacted."""
    former = [person.name, person.email]
    if person.user is not None:
        former += [person.user.email, person.user.get_username()]
    person.name = f"Erased person {person.pk}"
    person.email = f"erased-{person.pk}@invalid.invalid"
    person.role_title = ""
    person.erased_at = timezone.now()
    person.save(update_fields=["name", "email", "role_title", "erased_at"])
    if person.user is not None:
        user = person.user
        user.username = f"erased-{user.pk}"
        user.email = ""
        user.first_name = user.last_name = ""
        user.is_active = False
        user.is_staff = False
        user.set_unusable_password()
        user.save()
        user.groups.clear()
    emails = {value for value in former if "@" in value}
    for email in emails:
        outbox.messages_cancel_for(to_email=email)
    personal_data.erase(person=person, emails=emails, values=former)
    audit_record(by=by, verb="erase", instance=person, changes={})
    return person
