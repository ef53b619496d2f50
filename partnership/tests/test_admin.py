from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from partnership.models import AuditLog, Membership, Organisation, OutboundMessage, Person
from partnership.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
    PersonFactory,
    UserFactory,
    member_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ours():
    return PartnershipFactory(name="Security in Public Spaces", slug="security")


@pytest.fixture
def theirs():
    return PartnershipFactory(name="Hidden Housing Partnership", slug="housing", is_public=False)


@pytest.fixture
def coordinator(client, ours):
    user = member_user(ours, role=Membership.Role.COORDINATOR)
    assert user.is_staff
    assert not user.is_superuser
    client.force_login(user)
    return user


@pytest.fixture
def foreign(theirs):
    """An organisation, its membership and a person that belong to another partnership only."""
    membership = MembershipFactory(partnership=theirs, organisation=OrganisationFactory(name="Foreign Town"))
    person = PersonFactory(organisation=membership.organisation, name="Foreign Person", email="fp@foreign.example")
    return membership, person


@pytest.fixture
def own(ours):
    membership = MembershipFactory(partnership=ours, organisation=OrganisationFactory(name="Own Town"))
    person = PersonFactory(organisation=membership.organisation, name="Own Person", email="op@own.example")
    return membership, person


def changelist(model):
    return reverse(f"admin:partnership_{model}_changelist")


def change(model, pk):
    return reverse(f"admin:partnership_{model}_change", args=[pk])


def run_action(client, model, action, objects):
    return client.post(
        changelist(model), {"action": action, "_selected_action": [obj.pk for obj in objects]}, follow=True
    )


@pytest.mark.parametrize(
    ("model", "own_text", "foreign_text"),
    [
        ("membership", "Own Town", "Foreign Town"),
        ("person", "Own Person", "Foreign Person"),
        ("organisation", "Own Town", "Foreign Town"),
    ],
)
def test_coordinator_changelist_shows_only_their_partnership(
    client, coordinator, own, foreign, model, own_text, foreign_text
):
    response = client.get(changelist(model))
    assert response.status_code == 200
    assert own_text in response.text
    assert foreign_text not in response.text
    assert "Hidden Housing Partnership" not in response.text


def test_coordinator_sees_organisations_not_yet_in_any_partnership(client, coordinator):
    OrganisationFactory(name="Newly Imported Region")
    assert "Newly Imported Region" in client.get(changelist("organisation")).text


@pytest.mark.parametrize("model", ["membership", "person", "organisation"])
def test_coordinator_cannot_open_another_partnerships_object(client, coordinator, foreign, model):
    membership, person = foreign
    obj = {"membership": membership, "person": person, "organisation": membership.organisation}[model]
    response = client.get(change(model, obj.pk))
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert response["Location"] == reverse("admin:index")
    assert "Foreign" not in client.get(reverse("admin:index")).text


def test_coordinator_cannot_change_another_partnerships_person_by_post(client, coordinator, foreign):
    _membership, person = foreign
    client.post(change("person", person.pk), {"name": "Hijacked", "email": person.email, "language": "en"})
    person.refresh_from_db()
    assert person.name == "Foreign Person"


def test_membership_form_offers_only_coordinated_partnerships(client, coordinator, ours, theirs):
    response = client.get(reverse("admin:partnership_membership_add"))
    assert response.status_code == 200
    assert f'<option value="{ours.pk}">' in response.text
    assert f'<option value="{theirs.pk}"' not in response.text

    organisation = OrganisationFactory(name="Brand New")
    refused = client.post(
        reverse("admin:partnership_membership_add"),
        {"partnership": theirs.pk, "organisation": organisation.pk, "role": "partner", "since": "2025-01-01"},
    )
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.text
    assert not Membership.objects.filter(partnership=theirs, organisation=organisation).exists()


def test_organisation_inline_offers_only_coordinated_partnerships(client, coordinator, ours, theirs, own):
    membership, _person = own
    response = client.get(change("organisation", membership.organisation.pk))
    assert response.status_code == 200
    assert f'<option value="{ours.pk}"' in response.text
    assert f'<option value="{theirs.pk}"' not in response.text

    MembershipFactory(partnership=theirs, organisation=membership.organisation, role=Membership.Role.EXPERT)
    shared = client.get(change("organisation", membership.organisation.pk))
    assert shared.status_code == 200
    assert "View organisation" in shared.text  # shared with a partnership the user does not run: read only
    assert "Hidden Housing Partnership" not in shared.text


def test_membership_added_in_admin_is_audited(client, coordinator, ours):
    organisation = OrganisationFactory(name="Brand New")
    response = client.post(
        reverse("admin:partnership_membership_add"),
        {"partnership": ours.pk, "organisation": organisation.pk, "role": "partner", "since": "2025-01-01"},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(partnership=ours, organisation=organisation)
    assert AuditLog.objects.filter(verb="create", object_id=str(membership.pk), actor=coordinator).exists()


def test_person_form_offers_only_scoped_organisations(client, coordinator, own, foreign):
    own_person = own[1]
    response = client.post(
        change("person", own_person.pk),
        {"name": "Own Person", "email": own_person.email, "organisation": foreign[0].organisation.pk, "language": "en"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    own_person.refresh_from_db()
    assert own_person.organisation == own[0].organisation


def test_person_edited_in_admin_is_audited_with_old_and_new(client, coordinator, own):
    _membership, person = own
    response = client.post(
        change("person", person.pk),
        {
            "name": "Own Person",
            "email": person.email,
            "organisation": person.organisation.pk,
            "role_title": "Mayor",
            "language": "it",
        },
    )
    assert response.status_code == 302
    entry = AuditLog.objects.get(verb="update", object_id=str(person.pk))
    assert entry.actor == coordinator
    assert entry.changes == {"role_title": ["", "Mayor"], "language": ["en", "it"]}


def test_filter_sidebar_does_not_name_other_partnerships(client, coordinator, own, foreign):
    for model in ("membership", "person", "organisation"):
        response = client.get(changelist(model))
        assert "Hidden Housing Partnership" not in response.text, model


def test_action_change_role_to_coordinator_goes_through_service(client, coordinator, own):
    membership, person = own
    member = UserFactory()
    person.user = member
    person.save()

    response = run_action(client, "membership", "make_coordinator", [membership])
    assert response.status_code == 200
    membership.refresh_from_db()
    assert membership.role == Membership.Role.COORDINATOR
    entry = AuditLog.objects.get(verb="change_role", object_id=str(membership.pk))
    assert entry.actor == coordinator
    assert entry.changes == {"role": ["partner", "coordinator"]}
    member.refresh_from_db()
    assert member.is_staff

    run_action(client, "membership", "make_observer", [membership])
    member.refresh_from_db()
    assert not member.is_staff
    assert not member.groups.exists()


def test_action_cannot_touch_another_partnerships_membership(client, coordinator, foreign):
    membership, _person = foreign
    run_action(client, "membership", "make_coordinator", [membership])
    membership.refresh_from_db()
    assert membership.role == Membership.Role.PARTNER
    assert not AuditLog.objects.filter(verb="change_role").exists()


def test_action_end_today_is_audited(client, coordinator, own):
    membership, _person = own
    membership.since = timezone.localdate() - timedelta(days=10)
    membership.save()
    response = run_action(client, "membership", "end_today", [membership])
    assert "The selected memberships end today." in response.text
    membership.refresh_from_db()
    assert membership.until == timezone.localdate()
    assert AuditLog.objects.filter(verb="end", object_id=str(membership.pk), actor=coordinator).exists()


def test_action_create_accounts_creates_logins_and_queues_welcome_mail_once(client, coordinator, own):
    _membership, person = own
    response = run_action(client, "person", "create_accounts", [person])
    assert "1 account created." in response.text
    person.refresh_from_db()
    assert person.user is not None
    assert person.user.email == person.email
    assert OutboundMessage.objects.filter(to_email=person.email, key__startswith="welcome:").count() == 1
    assert AuditLog.objects.filter(verb="create_account", object_id=str(person.pk), actor=coordinator).exists()

    again = run_action(client, "person", "create_accounts", [person])
    assert "0 accounts created." in again.text
    assert OutboundMessage.objects.filter(to_email=person.email).count() == 1


def test_action_erase_anonymises_and_audits(client, coordinator, own):
    membership, person = own
    response = run_action(client, "person", "erase_people", [person])
    assert "1 person erased." in response.text
    person.refresh_from_db()
    assert person.erased_at is not None
    assert "Own Person" not in person.name
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert AuditLog.objects.filter(verb="erase", object_id=str(person.pk), actor=coordinator).exists()


def test_partner_is_refused_the_admin(client, ours):
    partner = member_user(ours)
    assert not partner.is_staff
    client.force_login(partner)
    for url in (reverse("admin:index"), changelist("person"), changelist("membership")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_visitor_is_sent_to_admin_login(client):
    response = client.get(changelist("person"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def make_rows(partnership, count):
    """`count` member organisations, each part of a region of its own and with one person."""
    regions = Organisation.objects.bulk_create(
        Organisation(name=f"Region {partnership.pk}-{i:03d}", kind=Organisation.Kind.REGION) for i in range(count)
    )
    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"Org {partnership.pk}-{i:03d}", kind=Organisation.Kind.CITY, country="HR", parent=region)
        for i, region in enumerate(regions)
    )
    Membership.objects.bulk_create(Membership(partnership=partnership, organisation=o) for o in organisations)
    Person.objects.bulk_create(
        Person(name=f"Person {i}", email=f"p{partnership.pk}-{i}@example.org", organisation=o)
        for i, o in enumerate(organisations)
    )


ADMIN_MAX_QUERIES = 12


@pytest.mark.parametrize("count", [5, 60])
@pytest.mark.parametrize("model", ["membership", "person", "organisation"])
def test_changelist_query_count_does_not_grow_with_rows(
    client, coordinator, ours, django_assert_max_num_queries, count, model
):
    make_rows(ours, count)
    with django_assert_max_num_queries(ADMIN_MAX_QUERIES):
        response = client.get(changelist(model))
    assert response.status_code == 200
    # The coordinator's own organisation and person; regions belong to no partnership yet, so they show too.
    expected = {"membership": count + 1, "person": count + 1, "organisation": 2 * count + 1}[model]
    assert response.context["cl"].result_count == expected
