from __future__ import annotations

from typing import Any

import factory

from actions.models import Action, Comment, Milestone, Support
from partnership import selectors as partner_selectors
from partnership.models import Membership, Organisation, Partnership, Person
from partnership.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
    PersonFactory,
    PriorityAreaFactory,
)


def member_organisation(
    partnership: Partnership, role: str = Membership.Role.PARTNER, *, contact: bool = True, **org_kwargs: Any
) -> Organisation:
    """A member organisation of the partnership; with `contact`, one contact person for mail."""
    organisation: Organisation = OrganisationFactory.create(**org_kwargs)
    membership: Membership = MembershipFactory.create(partnership=partnership, organisation=organisation, role=role)
    if contact:
        person: Person = PersonFactory.create(organisation=organisation)
        membership.contacts.add(person)
    return organisation


def organisation_of(user: Any) -> Organisation:
    person = partner_selectors.person_for(user)
    assert person is not None
    return person.organisation


class ActionFactory(factory.django.DjangoModelFactory[Action]):
    """An action of a member organisation, in whatever state the test names (rows only, no events)."""

    class Meta:
        model = Action
        skip_postgeneration_save = True

    partnership = factory.SubFactory(PartnershipFactory)
    priority_area = factory.SubFactory(PriorityAreaFactory, partnership=factory.SelfAttribute("..partnership"))
    owner = factory.LazyAttribute(lambda o: member_organisation(o.partnership))
    title = factory.Sequence(lambda n: f"Action {n}")
    problem = "Public spaces are hard to protect without harming their openness."
    state = Action.State.PROPOSED

    @factory.post_generation
    def contributors(obj: Action, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            obj.contributors.set(extracted)


class SupportFactory(factory.django.DjangoModelFactory[Support]):
    class Meta:
        model = Support

    action = factory.SubFactory(ActionFactory, state=Action.State.UNDER_DISCUSSION)
    organisation = factory.LazyAttribute(lambda o: member_organisation(o.action.partnership))
    rating = 3


class CommentFactory(factory.django.DjangoModelFactory[Comment]):
    class Meta:
        model = Comment

    action = factory.SubFactory(ActionFactory)
    author = factory.LazyAttribute(lambda o: PersonFactory.create(organisation=o.action.owner))
    body = factory.Sequence(lambda n: f"Comment {n}")


class MilestoneFactory(factory.django.DjangoModelFactory[Milestone]):
    class Meta:
        model = Milestone

    action = factory.SubFactory(ActionFactory, state=Action.State.ADOPTED)
    title = factory.Sequence(lambda n: f"Milestone {n}")
    due_on = factory.Faker("future_date")
