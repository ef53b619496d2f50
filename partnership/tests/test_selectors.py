from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from partnership import selectors, services
from partnership.models import ConsentRecord, Membership, Organisation, Person
from partnership.request_memo import request_memo
from partnership.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
    PersonFactory,
    UserFactory,
    member_user,
)

pytestmark = pytest.mark.django_db


def yesterday():
    return timezone.localdate() - timedelta(days=1)


def end_membership(user, partnership, until=None):
    membership = Membership.objects.get(organisation=user.person.organisation, partnership=partnership)
    membership.since = timezone.localdate() - timedelta(days=30)
    membership.until = until or yesterday()
    membership.save()


def test_member_of_lists_active_memberships_only():
    current, ended, other = PartnershipFactory(), PartnershipFactory(), PartnershipFactory()
    user = member_user(current)
    MembershipFactory(
        partnership=ended,
        organisation=user.person.organisation,
        since=timezone.localdate() - timedelta(days=30),
        until=yesterday(),
    )
    MembershipFactory(partnership=other)
    assert list(selectors.partnerships_member_of(user)) == [current]
    assert list(selectors.partnerships_member_of(AnonymousUser())) == []


def test_membership_ending_today_still_counts_and_future_membership_does_not():
    partnership = PartnershipFactory()
    user = member_user(partnership)
    end_membership(user, partnership, until=timezone.localdate())
    assert selectors.partnerships_member_of(user).count() == 1
    membership = Membership.objects.get(organisation=user.person.organisation)
    membership.since = timezone.localdate() + timedelta(days=1)
    membership.until = None
    membership.save()
    assert selectors.partnerships_member_of(user).count() == 0


def test_coordinated_needs_an_active_managing_role():
    coordinated, partnered = PartnershipFactory(), PartnershipFactory()
    coordinator = member_user(coordinated, role=Membership.Role.COORDINATOR)
    MembershipFactory(partnership=partnered, organisation=coordinator.person.organisation)
    secretariat = member_user(coordinated, role=Membership.Role.SECRETARIAT)
    partner = member_user(coordinated)

    assert list(selectors.partnerships_coordinated(coordinator)) == [coordinated]
    assert list(selectors.partnerships_coordinated(secretariat)) == [coordinated]
    assert list(selectors.partnerships_coordinated(partner)) == []
    assert list(selectors.partnerships_coordinated(AnonymousUser())) == []
    assert selectors.partnerships_coordinated(UserFactory(is_superuser=True)).count() == 2

    end_membership(coordinator, coordinated)
    assert list(selectors.partnerships_coordinated(coordinator)) == []


def test_private_partnership_visible_to_members_only():
    public = PartnershipFactory(is_public=True)
    private = PartnershipFactory(is_public=False)
    member = member_user(private)
    outsider = member_user(public)

    assert set(selectors.partnerships_visible(member)) == {public, private}
    assert set(selectors.partnerships_visible(outsider)) == {public}
    assert set(selectors.partnerships_visible(AnonymousUser())) == {public}
    assert set(selectors.partnerships_visible(UserFactory(is_superuser=True))) == {public, private}

    end_membership(member, private)
    assert set(selectors.partnerships_visible(member)) == {public}


def test_organisations_visible_follow_partnership_visibility():
    public, private = PartnershipFactory(is_public=True), PartnershipFactory(is_public=False)
    in_public = MembershipFactory(partnership=public).organisation
    in_private = MembershipFactory(partnership=private).organisation
    assert set(selectors.organisations_visible(AnonymousUser())) == {in_public}
    member = member_user(private)
    assert {in_public, in_private} <= set(selectors.organisations_visible(member))


def test_directory_orders_by_role_then_name_and_skips_ended_memberships():
    partnership = PartnershipFactory()
    for name, role in [
        ("Zagreb", Membership.Role.PARTNER),
        ("Efus", Membership.Role.COORDINATOR),
        ("URBACT", Membership.Role.OBSERVER),
        ("Agenzia", Membership.Role.PARTNER),
        ("Madrid", Membership.Role.COORDINATOR),
        ("JRC", Membership.Role.EXPERT),
        ("Secretariat GmbH", Membership.Role.SECRETARIAT),
    ]:
        MembershipFactory(partnership=partnership, organisation=OrganisationFactory(name=name), role=role)
    MembershipFactory(
        partnership=partnership,
        organisation=OrganisationFactory(name="Aarhus"),
        since=timezone.localdate() - timedelta(days=30),
        until=yesterday(),
    )
    MembershipFactory(organisation=OrganisationFactory(name="Elsewhere"))

    rows = selectors.directory_memberships(partnership=partnership, show_contacts=False)
    assert [m.organisation.name for m in rows] == [
        "Efus",
        "Madrid",
        "Secretariat GmbH",
        "Agenzia",
        "Zagreb",
        "JRC",
        "URBACT",
    ]


def test_directory_filters_by_role_and_country():
    partnership = PartnershipFactory()
    MembershipFactory(partnership=partnership, organisation=OrganisationFactory(name="Nice", country="FR"))
    MembershipFactory(partnership=partnership, organisation=OrganisationFactory(name="Prato", country="IT"))
    MembershipFactory(
        partnership=partnership,
        organisation=OrganisationFactory(name="Firenze", country="IT"),
        role=Membership.Role.COORDINATOR,
    )

    def names(**filters):
        rows = selectors.directory_memberships(partnership=partnership, show_contacts=False, **filters)
        return [m.organisation.name for m in rows]

    assert names(country="IT") == ["Firenze", "Prato"]
    assert names(role=Membership.Role.PARTNER) == ["Nice", "Prato"]
    assert names(role=Membership.Role.PARTNER, country="IT") == ["Prato"]
    assert names(role=Membership.Role.EXPERT) == []


def test_directory_contacts_are_those_who_consented_and_not_erased():
    partnership = PartnershipFactory()
    membership = MembershipFactory(partnership=partnership)
    consenting = PersonFactory(organisation=membership.organisation, name="Consenting")
    silent = PersonFactory(organisation=membership.organisation, name="Silent")
    withdrawn = PersonFactory(organisation=membership.organisation, name="Withdrawn")
    erased = PersonFactory(organisation=membership.organisation, name="Erased")
    membership.contacts.add(consenting, silent, withdrawn, erased)
    for person in (consenting, withdrawn, erased):
        services.consent_set(person=person, purpose=ConsentRecord.Purpose.DIRECTORY, given=True, by=None)
    services.consent_set(person=withdrawn, purpose=ConsentRecord.Purpose.DIRECTORY, given=False, by=None)
    services.person_erase(person=erased, by=None)

    (row,) = selectors.directory_memberships(partnership=partnership, show_contacts=True)
    assert [p.name for p in row.contacts.all()] == ["Consenting"]


def make_directory(partnership, count):
    """`count` member organisations with two consenting contacts each, written in bulk."""
    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"Org {partnership.pk}-{i:04d}", kind=Organisation.Kind.CITY, country="HR")
        for i in range(count)
    )
    memberships = Membership.objects.bulk_create(
        Membership(partnership=partnership, organisation=organisation) for organisation in organisations
    )
    people = Person.objects.bulk_create(
        Person(name=f"Contact {i}-{j}", email=f"c{partnership.pk}-{i}-{j}@example.org", organisation=organisation)
        for i, organisation in enumerate(organisations)
        for j in range(2)
    )
    ConsentRecord.objects.bulk_create(
        ConsentRecord(person=person, purpose=ConsentRecord.Purpose.DIRECTORY, given=True, text_version="v")
        for person in people
    )
    Through = Membership.contacts.through
    Through.objects.bulk_create(
        Through(membership_id=membership.pk, person_id=person.pk)
        for membership, pair in zip(memberships, zip(people[::2], people[1::2], strict=True), strict=True)
        for person in pair
    )


DIRECTORY_MAX_QUERIES = 10


@pytest.mark.parametrize("size", [10, 500])
@pytest.mark.parametrize("viewer", ["member", "visitor"])
def test_directory_page_query_count_does_not_grow_with_members(client, django_assert_max_num_queries, size, viewer):
    partnership = PartnershipFactory()
    make_directory(partnership, size)
    if viewer == "member":
        client.force_login(member_user(partnership))
    with django_assert_max_num_queries(DIRECTORY_MAX_QUERIES):
        response = client.get(reverse("directory", args=[partnership.slug]))
    assert response.status_code == 200
    assert "Org " in response.text
    if viewer == "member":
        assert "Contact 0-0" in response.text
    else:
        assert "Contact 0-0" not in response.text


def test_the_roles_read_once_per_request_give_the_answers_of_the_membership_queries():
    """`member_partnership_ids`, `coordinated_partnership_ids`, `is_member`, `coordinates` and the home page's
    lists (from the roles read once per request, with the person the portal's backend reads with the user) say
    what the querysets say, for a user of each kind: coordinator, partner, a member of two partnerships, one whose
    membership ended or has not begun, an account without a person, a superuser, a visitor."""
    from partnership.auth_backends import PortalBackend

    public, private, third = PartnershipFactory(), PartnershipFactory(is_public=False), PartnershipFactory()
    coordinator = member_user(public, Membership.Role.COORDINATOR)
    partner = member_user(private, Membership.Role.PARTNER)
    MembershipFactory(organisation=partner.person.organisation, partnership=third, role=Membership.Role.SECRETARIAT)
    ended, starting = member_user(public), member_user(private)
    end_membership(ended, public)
    Membership.objects.filter(organisation=starting.person.organisation).update(
        since=timezone.localdate() + timedelta(days=1)
    )
    users = [coordinator, partner, ended, starting, UserFactory(), UserFactory(is_superuser=True), AnonymousUser()]
    for user in users:
        home = selectors.home_partnerships(user)
        coordinated_list = list(selectors.partnerships_coordinated(user))
        assert home.coordinated == coordinated_list, user
        assert home.member_of == [p for p in selectors.partnerships_member_of(user) if p not in coordinated_list]
        assert home.public == list(selectors.partnerships_public_besides(user)), user
        if user.is_superuser:  # who runs every partnership, as `coordinates` and `is_member` say without a query
            continue
        for read in (user, PortalBackend().get_user(user.pk) if user.pk else user):
            member = sorted(selectors.partnerships_member_of(read).values_list("pk", flat=True))
            coordinated = sorted(selectors.partnerships_coordinated(read).values_list("pk", flat=True))
            with request_memo():  # in a GET request, lists; elsewhere subqueries
                assert selectors.member_partnership_ids(read) == member, user
                assert selectors.coordinated_partnership_ids(read) == coordinated, user
            assert sorted(p["pk"] for p in selectors.member_partnership_ids(read)) == member, user
            assert sorted(p["pk"] for p in selectors.coordinated_partnership_ids(read)) == coordinated, user
            for partnership in (public, private, third):
                assert selectors.is_member(read, partnership) == (partnership.pk in member)
                assert selectors.coordinates(read, partnership.pk) == (partnership.pk in coordinated)
    with request_memo():
        assert selectors.member_partnership_ids(partner) == sorted([private.pk, third.pk])
        assert selectors.coordinated_partnership_ids(partner) == [third.pk]


def test_the_portal_backend_reads_the_person_with_the_user(partner, settings, django_assert_num_queries):
    from partnership.auth_backends import PortalBackend

    settings.RECORDS_CACHE_SECONDS = 0  # without a shared cache (test_the_portal_backend_keeps_the_user below)
    with django_assert_num_queries(1):
        user = PortalBackend().get_user(partner.pk)
        person = selectors.person_for(user)
    assert person == partner.person and person.organisation == partner.person.organisation
    without = UserFactory()
    with django_assert_num_queries(1):
        assert selectors.person_for(PortalBackend().get_user(without.pk)) is None
    inactive = UserFactory(is_active=False)
    assert PortalBackend().get_user(inactive.pk) is None
    assert PortalBackend().get_user(10**9) is None


def test_the_portal_backend_keeps_the_user_with_their_roles(partner, settings, django_assert_num_queries):
    from partnership.auth_backends import PortalBackend

    settings.RECORDS_CACHE_SECONDS = 300
    roles, person = selectors.partnership_roles(partner), partner.person
    with django_assert_num_queries(2):  # the user with their person, then their organisation's roles
        PortalBackend().get_user(partner.pk)
    with django_assert_num_queries(0), request_memo():
        user = PortalBackend().get_user(partner.pk)
        assert selectors.person_for(user) == person
        assert selectors.partnership_roles(user) == roles
    assert PortalBackend().get_user(10**9) is None
