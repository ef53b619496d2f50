"""Which partnership a record belongs to, and what a coordinator may reach through the admin.

Each model of a partnership names its path to it (`partnership_path = "meeting__partnership"`).
Organisations and people are shared between partnerships: a coordinator may name, in a record of
their partnership, an organisation attached to no partnership or a member of a public partnership
or of one they run, never one known only from other coordinators' private partnerships; and may
change or erase one only when they run every partnership it belongs to.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from partnership import selectors
from partnership.models import Membership, Organisation, Partnership, Person


def partnership_path(model: type[Model]) -> str | None:
    """The lookup from a model to its partnership: "pk" for a partnership itself, None for a model
    that belongs to none (or, like organisations and people, to several)."""
    if model is Partnership:
        return "pk"
    return getattr(model, "partnership_path", None)


def in_partnerships(queryset: QuerySet[Any], partnerships: QuerySet[Partnership]) -> QuerySet[Any]:
    """The rows of a partnership-bound model that belong to one of the given partnerships."""
    path = partnership_path(queryset.model)
    if path is None:
        raise ValueError(f"{queryset.model._meta.label} does not belong to one partnership")
    return queryset.filter(**{f"{path}__in": partnerships.values("pk")})


def organisations_linkable(user: Any) -> QuerySet[Organisation]:
    """Organisations a coordinator may name in their partnership's records (a membership, a host, a
    speaker, an action's leader): attached to no partnership, or members of a public partnership or
    of one the user runs."""
    if getattr(user, "is_superuser", False):
        return Organisation.objects.all()
    reachable = Partnership.objects.filter(Q(is_public=True) | Q(pk__in=selectors.partnerships_coordinated(user)))
    return Organisation.objects.filter(
        Q(memberships__isnull=True) | Q(memberships__partnership__in=reachable.values("pk"))
    ).distinct()


def people_linkable(user: Any) -> QuerySet[Person]:
    """People of the organisations a coordinator may name (contacts, speakers), less other partnerships' guests."""
    if getattr(user, "is_superuser", False):
        return Person.objects.all()
    people = Person.objects.filter(organisation__in=organisations_linkable(user).values("pk"))
    return people.exclude(pk__in=guests_of_others(selectors.partnerships_coordinated(user)).values("pk"))


def people_managed(user: Any) -> QuerySet[Person]:
    """People a coordinator's admin lists and may edit: of the organisations they manage, less other partnerships'
    guests."""
    people = Person.objects.filter(organisation__in=selectors.organisations_managed(user).values("pk"))
    if getattr(user, "is_superuser", False):
        return people
    return people.exclude(pk__in=guests_of_others(selectors.partnerships_coordinated(user)).values("pk"))


def guests_of_others(partnerships: QuerySet[Partnership]) -> QuerySet[Person]:
    """People known only from other partnerships' records: guests, whose organisation belongs to no partnership,
    brought in by none of `partnerships` but by another (invited to its meeting). Apps name how a person is
    brought into a partnership in their config's `person_partnership_paths`."""
    ids = partnerships.values("pk")
    brought, here = Q(pk__in=[]), Q(pk__in=[])
    for path in _person_partnership_paths():
        brought |= Q(pk__in=Person.objects.filter(**{f"{path}__isnull": False}).values("pk"))
        here |= Q(pk__in=Person.objects.filter(**{f"{path}__in": ids}).values("pk"))
    return Person.objects.filter(organisation__memberships__isnull=True).filter(brought).exclude(here)


def _person_partnership_paths() -> list[str]:
    return [path for config in apps.get_app_configs() for path in getattr(config, "person_partnership_paths", ())]


def choices(model: type[Model], user: Any) -> QuerySet[Any] | None:
    """What a coordinator may pick for a relation to `model`, or None where the rule does not apply
    (a superuser, or a model of no partnership such as the user accounts)."""
    if getattr(user, "is_superuser", False):
        return None
    if model is Organisation:
        return organisations_linkable(user)
    if model is Person:
        return people_linkable(user)
    if partnership_path(model) is None:
        return None
    return in_partnerships(model._default_manager.all(), selectors.partnerships_coordinated(user))


def organisation_partnerships(organisation: Organisation) -> QuerySet[Partnership]:
    """The partnerships an organisation belongs to now or belonged to."""
    return Partnership.objects.filter(memberships__organisation=organisation).distinct()


def may_change_organisation(user: Any, organisation: Organisation | None) -> bool:
    """A shared organisation (and its people) is changed or erased only by a superuser or by
    coordinators of every partnership it belongs to; one in no partnership by any coordinator."""
    if organisation is None or getattr(user, "is_superuser", False):
        return True
    coordinated = set(selectors.partnerships_coordinated(user).values_list("pk", flat=True))
    return set(organisation_partnerships(organisation).values_list("pk", flat=True)) <= coordinated


def organisations_changeable(user: Any) -> QuerySet[Organisation]:
    """The organisations `may_change_organisation` allows, as a queryset (for bulk actions)."""
    if getattr(user, "is_superuser", False):
        return Organisation.objects.all()
    others = Membership.objects.exclude(partnership__in=selectors.partnerships_coordinated(user))
    return Organisation.objects.exclude(pk__in=others.values("organisation_id"))


def partnership_id_of(instance: Model) -> int | None:
    """The id of the partnership a record belongs to, following its path; None if it has none yet."""
    path = partnership_path(type(instance))
    if path is None:
        return None
    if path == "pk":
        return instance.pk
    target: Any = instance
    *hops, last = path.split("__")
    for hop in hops:
        target = getattr(target, hop, None)
        if target is None:
            return None
    return getattr(target, f"{last}_id", None)


def crossing_relations(instance: Model, many: dict[str, Any] | None = None) -> dict[str, str]:
    """The fields of a record that point at another partnership's records, with the reason: its
    foreign keys, and the many-to-many values given in `many` ({field name: objects}) when it has
    none saved yet."""
    own = partnership_id_of(instance)
    if own is None:
        return {}
    errors = {}
    message = _("This belongs to another partnership.")
    for field in instance._meta.concrete_fields:
        related_model = field.related_model
        if not field.many_to_one or not isinstance(related_model, type) or partnership_path(related_model) is None:
            continue
        related = getattr(instance, field.name, None)
        if related is not None and partnership_id_of(related) not in (None, own):
            errors[field.name] = str(message)
    for name, values in (many or {}).items():
        if any(partnership_id_of(value) not in (None, own) for value in values or ()):
            errors[name] = str(message)
    return errors


def moves_partnership(instance: Model, previous: Model | None = None) -> bool:
    """Whether a stored record is being moved to another partnership (through the link its path follows);
    `previous` is the stored row when the caller has read it already."""
    if instance.pk is None or partnership_path(type(instance)) in (None, "pk"):
        return False
    if previous is None:
        previous = type(instance)._default_manager.filter(pk=instance.pk).first()
    was = partnership_id_of(previous) if previous is not None else None
    return was is not None and partnership_id_of(instance) != was
