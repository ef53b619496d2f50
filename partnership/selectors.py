"""Reads of partner records, already scoped to what the user may see."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Literal

from django.contrib.auth import get_user_model
from django.db.models import Case, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.http import Http404
from django.utils.translation import gettext as _

from partnership import access, records_cache, viewers
from partnership.models import (
    ConsentRecord,
    Membership,
    Organisation,
    OutboundMessage,
    Partnership,
    Person,
    Pillar,
    PriorityArea,
    calendar_today,
)
from partnership.request_memo import remembered, remembering


def person_for(user: Any) -> Person | None:
    """The user's person's record with its organisation (read once per GET request)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if get_user_model().person.is_cached(user):  # read with the user by the portal's backend (auth_backends)
        return getattr(user, "person", None)
    return remembered(
        "person", user.pk, lambda: Person.objects.select_related("organisation").filter(user=user).first()
    )


def _active_memberships() -> Q:
    today = calendar_today()
    return Q(memberships__since__lte=today) & (Q(memberships__until__isnull=True) | Q(memberships__until__gte=today))


def partnerships_member_of(user: Any) -> QuerySet[Partnership]:
    """The partnerships in which the user's organisation has an active membership."""
    if not getattr(user, "is_authenticated", False):
        return Partnership.objects.none()
    return Partnership.objects.filter(_active_memberships(), memberships__organisation__people__user=user).distinct()


def partnerships_coordinated(user: Any) -> QuerySet[Partnership]:
    """Partnerships the user runs (coordinator or secretariat); a superuser runs them all."""
    if not getattr(user, "is_authenticated", False):
        return Partnership.objects.none()
    if user.is_superuser:
        return Partnership.objects.all()
    return Partnership.objects.filter(
        _active_memberships(),
        memberships__organisation__people__user=user,
        memberships__role__in=Membership.MANAGING_ROLES,
    ).distinct()


def partnerships_visible(user: Any) -> QuerySet[Partnership]:
    """Public partnerships, plus those the user belongs to."""
    if getattr(user, "is_superuser", False):
        return Partnership.objects.all()
    return Partnership.objects.filter(Q(is_public=True) | Q(pk__in=member_partnership_ids(user)))


def partnerships_public_besides(user: Any) -> QuerySet[Partnership]:
    """Public partnerships the user is not a member of."""
    return Partnership.objects.filter(is_public=True).exclude(pk__in=member_partnership_ids(user))


@dataclass
class HomePartnerships:
    """The home page's three lists of partnerships, each listed once: those the user coordinates, the others they
    belong to, and the public ones they do not belong to."""

    coordinated: list[Partnership]
    member_of: list[Partnership]
    public: list[Partnership]


def all_partnerships() -> list[Partnership]:
    """Every partnership in name order, kept in the shared cache with the partner records (`records_cache`)."""
    return records_cache.kept("records:partnerships", lambda: list(Partnership.objects.order_by("name")))


def public_partnership_ids() -> list[int]:
    """The ids of the public partnerships, for a filter (`partnership_id__in=`) that spares a query its join."""
    return [p.pk for p in all_partnerships() if p.is_public]


def areas_and_pillars(partnership: Partnership) -> tuple[list[PriorityArea], list[Pillar]]:
    """The partnership's priority areas and pillars in their order, kept with the partner records."""
    return records_cache.kept(
        f"records:areas-and-pillars:{partnership.pk}",
        lambda: (list(partnership.priority_areas.all()), list(partnership.pillars.all())),
    )


def home_partnerships(user: Any) -> HomePartnerships:
    """`partnerships_coordinated`, `partnerships_member_of` less those, and `partnerships_public_besides`, from
    `all_partnerships` and the user's roles."""
    roles = partnership_roles(user)
    if getattr(user, "is_superuser", False):
        everything = all_partnerships()
        return HomePartnerships(everything, [], [p for p in everything if p.is_public and p.pk not in roles])
    member = set(roles)
    coordinated = {pk for pk in member if coordinates(user, pk)}
    shown = [p for p in all_partnerships() if p.is_public or p.pk in member]
    return HomePartnerships(
        coordinated=[p for p in shown if p.pk in coordinated],
        member_of=[p for p in shown if p.pk in member and p.pk not in coordinated],
        public=[p for p in shown if p.is_public and p.pk not in member],
    )


def partnership_roles(user: Any) -> dict[int, set[str]]:
    """The roles of the user's organisation's active memberships, by partnership id: the memberships that
    `partnerships_member_of` and `partnerships_coordinated` are made of, in one query (once per GET request, and
    none when they were read with the account: `viewers`)."""
    if not getattr(user, "is_authenticated", False):
        return {}

    kept = getattr(user, viewers.ROLES_ATTRIBUTE, None)
    if kept is not None and remembering() and kept[0] == calendar_today():
        roles: dict[int, set[str]] = kept[1]
        return roles
    return remembered("partnership_roles", user.pk, lambda: roles_on(user, calendar_today()))


def roles_on(user: Any, day: datetime.date) -> dict[int, set[str]]:
    """The roles of the user's organisation's memberships active on the day, by partnership id (none without a
    person)."""
    person = person_for(user)
    return organisation_roles(person.organisation_id, day) if person else {}


def organisation_roles(organisation_id: int, day: datetime.date) -> dict[int, set[str]]:
    """The roles of the organisation's memberships active on the day, by partnership id."""
    roles: dict[int, set[str]] = {}
    memberships = Membership.objects.filter(
        Q(until__isnull=True) | Q(until__gte=day), since__lte=day, organisation_id=organisation_id
    )
    for partnership_id, role in memberships.values_list("partnership_id", "role"):
        roles.setdefault(partnership_id, set()).add(role)
    return roles


PartnershipIds = list[int] | QuerySet[Partnership, Any]


def member_partnership_ids(user: Any) -> PartnershipIds:
    """The ids of `partnerships_member_of(user)`, for a filter (`partnership_id__in=`). In a GET request, a list
    from the roles read once: a short list of ids costs a page less than a subquery over memberships. Elsewhere (a
    task asking about many users) that subquery, so that a query uniting many users' selectors stays one query."""
    if not remembering():
        return partnerships_member_of(user).values("pk")
    return sorted(partnership_roles(user))


def coordinated_partnership_ids(user: Any) -> PartnershipIds:
    """The ids of `partnerships_coordinated(user)` for a user who is not a superuser (a superuser runs them all),
    for a filter, as `member_partnership_ids` gives them."""
    if not remembering():
        return partnerships_coordinated(user).values("pk")
    managing = set(Membership.MANAGING_ROLES)
    return sorted(pk for pk, roles in partnership_roles(user).items() if roles & managing)


def own_organisation_id(user: Any) -> int | Subquery | None:
    """The user's organisation, for a filter (`owner_id=`): its id when their person is at hand (read with the
    user, or once in this GET request), else a subquery decided inside the query that uses it, as
    `member_partnership_ids` does; None for a visitor or an account without a person."""
    if not getattr(user, "is_authenticated", False):
        return None
    if remembering() or get_user_model().person.is_cached(user):
        person = person_for(user)
        return person.organisation_id if person else None
    return Subquery(Person.objects.filter(user=user).values("organisation_id")[:1])


def is_member(user: Any, partnership: Partnership) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return partnership.pk in partnership_roles(user)


def coordinates(user: Any, partnership_id: int) -> bool:
    """Whether the user runs the partnership (coordinator or secretariat), as `partnerships_coordinated` says."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return bool(partnership_roles(user).get(partnership_id, set()) & set(Membership.MANAGING_ROLES))


def user_role_in(user: Any, partnership: Partnership) -> str | None:
    """The role of the user's organisation in a partnership, or None if it is not a member."""
    person = person_for(user)
    if person is None:
        return None
    today = calendar_today()
    membership = (
        Membership.objects.filter(partnership=partnership, organisation_id=person.organisation_id, since__lte=today)
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .first()
    )
    return membership.role if membership else None


def directory_contacts() -> QuerySet[Person]:
    """People who may be shown as contacts: not erased, and whose latest directory consent is given."""
    latest_consent = ConsentRecord.objects.filter(
        person=OuterRef("pk"), purpose=ConsentRecord.Purpose.DIRECTORY
    ).order_by("-at", "-id")
    return (
        Person.objects.filter(erased_at__isnull=True)
        .annotate(directory_consent=Subquery(latest_consent.values("given")[:1]))
        .filter(directory_consent=True)
        .order_by("name")
    )


def directory_memberships(
    *, partnership: Partnership, show_contacts: bool, role: str = "", country: str = ""
) -> QuerySet[Membership]:
    """Current members of a partnership, ordered by role then name, with contacts when allowed."""
    today = calendar_today()
    role_order = {role: index for index, role in enumerate(Membership.Role.values)}
    queryset = (
        Membership.objects.filter(partnership=partnership, since__lte=today)
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .select_related("organisation", "organisation__parent")
        .annotate(
            role_order=Case(
                *[When(role=value, then=Value(index)) for value, index in role_order.items()],
                output_field=IntegerField(),
            )
        )
        .order_by("role_order", "organisation__name")
    )
    if role:
        queryset = queryset.filter(role=role)
    if country:
        queryset = queryset.filter(organisation__country=country)
    if show_contacts:
        queryset = queryset.prefetch_related(Prefetch("contacts", queryset=directory_contacts()))
    return queryset


def organisations_visible(user: Any) -> QuerySet[Organisation]:
    """Organisations that are members of a partnership the user can see."""
    return Organisation.objects.filter(memberships__partnership__in=partnerships_visible(user)).distinct()


def organisations_managed(user: Any) -> QuerySet[Organisation]:
    """Organisations a coordinator may edit: members of the partnerships they run, and organisations
    not yet in any partnership (just added or imported). A superuser may edit them all."""
    if getattr(user, "is_superuser", False):
        return Organisation.objects.all()
    coordinated = partnerships_coordinated(user)
    return Organisation.objects.filter(
        Q(memberships__partnership__in=coordinated) | Q(memberships__isnull=True)
    ).distinct()


def organisation_memberships(*, organisation: Organisation, user: Any) -> QuerySet[Membership]:
    """The organisation's memberships in partnerships the user can see, with their shown contacts."""
    return (
        organisation.memberships.filter(partnership__in=partnerships_visible(user))
        .select_related("partnership")
        .prefetch_related(Prefetch("contacts", queryset=directory_contacts()))
        .order_by("partnership__name")
    )


def organisation_memberships_with_contacts(*, organisation: Organisation, user: Any) -> list[tuple[Membership, Any]]:
    """The organisation's memberships the user can see, each with its contacts where the user is a
    member of that partnership (None elsewhere: contacts are for members only)."""
    memberships = list(organisation_memberships(organisation=organisation, user=user))
    if getattr(user, "is_superuser", False):
        member_of = {membership.partnership_id for membership in memberships}
    else:
        member_of = set(partnerships_member_of(user).values_list("pk", flat=True))
    return [
        (membership, list(membership.contacts.all()) if membership.partnership_id in member_of else None)
        for membership in memberships
    ]


def directory_countries(*, partnership: Partnership) -> list[str]:
    """The countries of a partnership's member organisations, for the directory's filter."""
    return list(
        Organisation.objects.filter(memberships__partnership=partnership)
        .exclude(country="")
        .values_list("country", flat=True)
        .order_by()
        .distinct()
    )


def failed_messages(user: Any) -> QuerySet[OutboundMessage]:
    """Failed mails of the partnerships a coordinator runs (and mails without a partnership, for superusers)."""
    queryset = OutboundMessage.objects.filter(status=OutboundMessage.Status.FAILED)
    if getattr(user, "is_superuser", False):
        return queryset
    return queryset.filter(partnership__in=partnerships_coordinated(user))


# Access: a view's first line ----------------------------------------------------------------


def partnership_access(user: Any, slug: str) -> Partnership:
    """A partnership the user may see: public, or one they belong to (as `partnerships_visible` says); 404 for any
    other."""
    partnership = next((p for p in all_partnerships() if p.slug == slug), None)
    if partnership is None:
        raise Http404
    if not (partnership.is_public or getattr(user, "is_superuser", False) or is_member(user, partnership)):
        raise Http404
    return partnership


def organisation_access(user: Any, pk: int) -> Organisation:
    """An organisation that belongs to a partnership the user may see; 404 for any other."""
    organisation = organisations_visible(user).select_related("parent").filter(pk=pk).first()
    if organisation is None:
        raise Http404
    return organisation


def own_person_access(user: Any, *, need: Literal["profile", "data"]) -> Person:
    """The signed-in user's own person record: to edit their profile (403 for an account without one)
    or to download their data (404 without one)."""
    access.signed_in(user)
    person = person_for(user)
    if person is None:
        if need == "data":
            raise Http404
        access.refuse(user, _("Your account is not linked to a person in the partner records."))
    return person
