from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model

from partnership.models import Membership, Organisation, Partnership, Person, Pillar, PriorityArea


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("secret-pass-123")


class PartnershipFactory(factory.django.DjangoModelFactory[Partnership]):
    class Meta:
        model = Partnership

    name = factory.Sequence(lambda n: f"Partnership {n}")
    slug = factory.Sequence(lambda n: f"partnership-{n}")
    theme = "Security in public spaces"
    is_public = True


class PriorityAreaFactory(factory.django.DjangoModelFactory[PriorityArea]):
    class Meta:
        model = PriorityArea

    partnership = factory.SubFactory(PartnershipFactory)
    name = factory.Sequence(lambda n: f"Priority area {n}")


class PillarFactory(factory.django.DjangoModelFactory[Pillar]):
    class Meta:
        model = Pillar

    partnership = factory.SubFactory(PartnershipFactory)
    name = factory.Sequence(lambda n: f"Pillar {n}")


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"City {n}")
    short_name = factory.Sequence(lambda n: f"C{n}")
    kind = Organisation.Kind.CITY
    country = "IT"


class PersonFactory(factory.django.DjangoModelFactory[Person]):
    class Meta:
        model = Person

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    organisation = factory.SubFactory(OrganisationFactory)
    language = "en"


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    partnership = factory.SubFactory(PartnershipFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.PARTNER


def member_user(partnership: Partnership, role: str = Membership.Role.PARTNER, **person_kwargs: Any) -> Any:
    """A user whose person's organisation is a member of the partnership with the given role."""
    from partnership import services

    membership: Membership = MembershipFactory.create(partnership=partnership, role=role)
    user: Any = UserFactory.create()
    PersonFactory.create(organisation=membership.organisation, user=user, email=user.email, **person_kwargs)
    services.coordinator_access_sync(organisation=membership.organisation)
    user.refresh_from_db()
    return user
