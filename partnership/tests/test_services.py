from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils import timezone

from partnership import outbox, services
from partnership.models import AuditLog, ConsentRecord, Membership, OutboundMessage, Person
from partnership.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
    PersonFactory,
    UserFactory,
    member_user,
)

pytestmark = pytest.mark.django_db


def audit_entries(instance, verb=None):
    entries = AuditLog.objects.filter(model=instance._meta.label_lower, object_id=str(instance.pk))
    return entries.filter(verb=verb) if verb else entries


def test_record_save_audits_create_then_update_with_old_and_new_values():
    actor = UserFactory()
    organisation = OrganisationFactory(name="Comune di Firenze")
    person = Person(name="Ana Horvat", email="ana@example.org", organisation=organisation)

    services.record_save(instance=person, by=actor)
    created = audit_entries(person, "create").get()
    assert created.actor == actor
    assert created.changes["name"] == [None, "Ana Horvat"]

    person.role_title = "Head of urban security"
    services.record_save(instance=person, by=actor)
    updated = audit_entries(person, "update").get()
    assert updated.changes == {"role_title": ["", "Head of urban security"]}


def test_record_save_without_changes_writes_no_audit_entry():
    person = PersonFactory()
    services.record_save(instance=person, by=None)
    assert not audit_entries(person, "update").exists()


def test_record_save_refuses_invalid_record_and_saves_nothing():
    person = PersonFactory(name="Before")
    person.name = "x" * 201
    with pytest.raises(ValidationError) as error:
        services.record_save(instance=person, by=None)
    assert "name" in error.value.message_dict
    person.refresh_from_db()
    assert person.name == "Before"
    assert not audit_entries(person).exists()


def test_membership_change_role_to_coordinator_gives_staff_and_group_and_back_removes_both():
    partnership = PartnershipFactory()
    user = member_user(partnership)
    membership = Membership.objects.get(organisation=user.person.organisation)
    assert not user.is_staff
    actor = UserFactory()

    services.membership_change_role(membership=membership, role=Membership.Role.COORDINATOR, by=actor)
    user.refresh_from_db()
    assert user.is_staff
    assert user.groups.filter(name=services.COORDINATORS_GROUP).exists()
    entry = audit_entries(membership, "change_role").get()
    assert entry.changes == {"role": ["partner", "coordinator"]}
    assert entry.actor == actor
    assert Group.objects.get(name=services.COORDINATORS_GROUP).permissions.filter(codename="change_membership").exists()

    services.membership_change_role(membership=membership, role=Membership.Role.PARTNER, by=actor)
    user.refresh_from_db()
    assert not user.is_staff
    assert not user.groups.exists()
    assert audit_entries(membership, "change_role").count() == 2


def test_membership_change_role_to_same_role_records_nothing():
    membership = MembershipFactory(role=Membership.Role.PARTNER)
    services.membership_change_role(membership=membership, role=Membership.Role.PARTNER, by=None)
    assert not audit_entries(membership).exists()


def test_membership_end_is_audited_and_removes_coordinator_access():
    partnership = PartnershipFactory()
    user = member_user(partnership, role=Membership.Role.COORDINATOR)
    membership = Membership.objects.get(organisation=user.person.organisation)
    membership.since = timezone.localdate() - timedelta(days=30)
    membership.save()
    assert user.is_staff
    yesterday = timezone.localdate() - timedelta(days=1)

    services.membership_end(membership=membership, until=yesterday, by=None)
    membership.refresh_from_db()
    assert membership.until == yesterday
    assert not membership.is_active
    user.refresh_from_db()
    assert not user.is_staff
    assert not user.groups.exists()
    entry = audit_entries(membership, "end").get()
    assert entry.changes == {"until": [None, yesterday.isoformat()]}


def test_membership_end_today_by_default():
    membership = MembershipFactory(since=timezone.localdate() - timedelta(days=3))
    services.membership_end(membership=membership, by=None)
    membership.refresh_from_db()
    assert membership.until == timezone.localdate()


def test_the_hourly_sweep_follows_memberships_that_end_or_begin_with_the_calendar():
    today = timezone.localdate()
    ended = member_user(PartnershipFactory(), role=Membership.Role.COORDINATOR)
    starting = member_user(PartnershipFactory(), role=Membership.Role.SECRETARIAT)
    partner = member_user(PartnershipFactory(), role=Membership.Role.PARTNER)
    assert ended.is_staff and starting.is_staff and not partner.is_staff
    # Yesterday the first membership was in its last day; the second was to begin today. Nobody
    # touched them since, so only the calendar has changed.
    Membership.objects.filter(organisation=ended.person.organisation).update(
        since=today - timedelta(days=30), until=today - timedelta(days=1)
    )
    Membership.objects.filter(organisation=starting.person.organisation).update(since=today)
    type(starting).objects.filter(pk=starting.pk).update(is_staff=False)
    starting.groups.clear()

    assert services.coordinator_access_sweep() >= 2

    for user in (ended, starting, partner):
        user.refresh_from_db()
    assert not ended.is_staff and not ended.groups.exists()
    assert starting.is_staff and starting.groups.filter(name=services.COORDINATORS_GROUP).exists()
    assert not partner.is_staff


def test_coordinator_access_stays_while_organisation_coordinates_another_partnership():
    user = member_user(PartnershipFactory(), role=Membership.Role.COORDINATOR)
    organisation = user.person.organisation
    MembershipFactory(organisation=organisation, role=Membership.Role.SECRETARIAT)
    first = Membership.objects.get(organisation=organisation, role=Membership.Role.COORDINATOR)
    services.membership_change_role(membership=first, role=Membership.Role.OBSERVER, by=None)
    user.refresh_from_db()
    assert user.is_staff


def test_person_create_normalises_email_and_audits():
    person = services.person_create(
        name="  Marko Kovač ", email="Marko.Kovac@Example.HR", organisation=OrganisationFactory(), by=None
    )
    person.refresh_from_db()
    assert person.email == "marko.kovac@example.hr"
    assert person.name == "Marko Kovač"
    assert audit_entries(person, "create").exists()


def test_person_create_refuses_email_differing_only_in_case():
    PersonFactory(email="giulia.rossi@comune.fi.it")
    with pytest.raises(ValidationError) as error:
        services.person_create(
            name="Giulia Rossi", email="Giulia.Rossi@Comune.FI.it", organisation=OrganisationFactory(), by=None
        )
    assert "A person with this e-mail address already exists." in str(error.value)
    assert Person.objects.filter(email__iexact="giulia.rossi@comune.fi.it").count() == 1


def test_consent_set_records_given_and_withdrawn_with_text_version():
    person = PersonFactory()
    purpose = ConsentRecord.Purpose.DIRECTORY

    given = services.consent_set(person=person, purpose=purpose, given=True, by=None)
    assert given is not None
    assert given.given is True
    assert given.text_version == settings.CONSENT_TEXT_VERSION

    withdrawn = services.consent_set(person=person, purpose=purpose, given=False, by=None)
    assert withdrawn is not None
    assert withdrawn.given is False
    assert services.consent_current(person=person, purpose=purpose) == withdrawn
    assert list(audit_entries(person).values_list("verb", flat=True).order_by("id")) == [
        "consent_given",
        "consent_withdrawn",
    ]


def test_consent_set_does_not_duplicate_an_unchanged_decision():
    person = PersonFactory()
    purpose = ConsentRecord.Purpose.PARTICIPANT_LIST
    services.consent_set(person=person, purpose=purpose, given=True, by=None)
    assert services.consent_set(person=person, purpose=purpose, given=True, by=None) is None
    assert person.consents.count() == 1
    # Never having consented is not a decision to record.
    assert services.consent_set(person=PersonFactory(), purpose=purpose, given=False, by=None) is None
    assert ConsentRecord.objects.count() == 1


def test_consent_set_records_again_when_the_text_version_changes(settings):
    person = PersonFactory()
    purpose = ConsentRecord.Purpose.DIRECTORY
    services.consent_set(person=person, purpose=purpose, given=True, by=None)
    settings.CONSENT_TEXT_VERSION = "2099-01"
    again = services.consent_set(person=person, purpose=purpose, given=True, by=None)
    assert again is not None
    assert again.text_version == "2099-01"


def test_person_data_export_contains_the_persons_data():
    partnership = PartnershipFactory(name="Security in Public Spaces")
    user = member_user(partnership, name="Ivana Novak", role_title="Adviser", language="hr")
    person = user.person
    Membership.objects.get(organisation=person.organisation).contacts.add(person)
    services.consent_set(person=person, purpose=ConsentRecord.Purpose.DIRECTORY, given=True, by=None)

    data = services.person_data_export(person=person)
    assert data["name"] == "Ivana Novak"
    assert data["email"] == person.email
    assert data["organisation"] == person.organisation.name
    assert data["role_title"] == "Adviser"
    assert data["language"] == "hr"
    assert data["username"] == user.username
    assert data["contact_for"] == ["Security in Public Spaces"]
    assert data["consents"][0]["purpose"] == "directory"
    assert data["consents"][0]["given"] is True
    assert data["consents"][0]["text_version"] == settings.CONSENT_TEXT_VERSION


def test_person_erase_anonymises_and_keeps_a_stub():
    partnership = PartnershipFactory()
    user = member_user(partnership, role=Membership.Role.COORDINATOR, name="Luca Bianchi", role_title="Director")
    person = user.person
    membership = Membership.objects.get(organisation=person.organisation)
    membership.contacts.add(person)
    old_email = person.email
    services.consent_set(person=person, purpose=ConsentRecord.Purpose.DIRECTORY, given=True, by=None)
    pending = outbox.message_enqueue(key="test:pending", to_email=old_email.upper(), subject="Hi", body_text="Hi")
    other = outbox.message_enqueue(key="test:other", to_email="someone@example.org", subject="Hi", body_text="Hi")
    memberships_before = Membership.objects.filter(partnership=partnership).count()
    people_before = Person.objects.count()
    actor = UserFactory(is_superuser=True)

    services.person_erase(person=person, by=actor)

    person.refresh_from_db()
    assert person.name != "Luca Bianchi"
    assert "luca" not in person.name.lower()
    assert person.email != old_email
    assert person.role_title == ""
    assert person.erased_at is not None
    assert not person.consents.exists()
    assert Person.objects.count() == people_before
    assert Membership.objects.filter(partnership=partnership).count() == memberships_before
    user.refresh_from_db()
    assert not user.is_active
    assert not user.is_staff
    assert old_email not in (user.username, user.email)
    assert not user.has_usable_password()
    assert not user.groups.exists()
    assert OutboundMessage.objects.get(pk=pending.pk).status == OutboundMessage.Status.CANCELLED
    assert OutboundMessage.objects.get(pk=other.pk).status == OutboundMessage.Status.PENDING
    entry = audit_entries(person, "erase").get()
    assert entry.actor == actor
    assert "Luca" not in entry.object_repr


def test_person_erase_clears_the_persons_data_from_the_export():
    person = PersonFactory(name="Sara Conti", role_title="Planner")
    services.person_erase(person=person, by=None)
    data = services.person_data_export(person=person)
    assert "Sara" not in str(data)
    assert "Planner" not in str(data)


def test_welcome_mail_queued_once_per_account():
    person = PersonFactory(email="welcome@example.org", user=None)
    user = services.person_account_create(person=person, by=None)
    again = services.person_account_create(person=person, by=None)

    assert again == user
    assert not user.has_usable_password()
    mails = OutboundMessage.objects.filter(to_email="welcome@example.org")
    assert mails.count() == 1
    assert mails.get().key == f"welcome:{user.pk}"
    assert "/accounts/reset/" in mails.get().body_text
    services.welcome_mail_queue(person=person)
    assert mails.count() == 1
    assert audit_entries(person, "create_account").count() == 1
