"""Guests are people of an organisation in no partnership, brought into a partnership by an invitation to one of
its meetings: the coordinators of other partnerships neither see them in the admin nor reach them by inviting
their address, and a guest's organisation named after another partnership's member is not joined to it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from meetings import services
from meetings.tests.factories import MeetingFactory
from partnership.models import Membership, Organisation, Person
from partnership.tests.factories import MembershipFactory, OrganisationFactory, PartnershipFactory, member_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def culture() -> Any:
    """A private partnership with a member city, a coordinator, and a guest invited to its meeting."""
    partnership = PartnershipFactory.create(name="Culture", slug="culture", is_public=False)
    MembershipFactory.create(partnership=partnership, organisation=OrganisationFactory.create(name="City of Turin"))
    coordinator = member_user(partnership, Membership.Role.COORDINATOR)
    meeting = MeetingFactory.create(partnership=partnership, title="Culture's private meeting")
    services.guest_invite(
        meeting=meeting, name="Livia Segreta", email="livia@segreta.example", organisation_name="", by=coordinator
    )
    return partnership


@pytest.fixture
def ours(partnership: Any, coordinator: Any) -> Any:
    """Our meeting, and our own guest."""
    meeting = MeetingFactory.create(partnership=partnership)
    services.guest_invite(
        meeting=meeting, name="Olga Ospite", email="olga@ospite.example", organisation_name="", by=coordinator
    )
    return meeting


def invite(client: Any, meeting: Any, **fields: str) -> Any:
    data = {"guest_name": "Some Guest", "guest_email": "", "guest_organisation": "", "message": "", **fields}
    return client.post(reverse("meetings:invite", args=[meeting.pk]), data)


def test_our_guests_are_ours_and_others_guests_stay_out_of_the_admin(client, ours, culture, coordinator):
    # Both guests are in the same shared organisation, which belongs to no partnership.
    assert Person.objects.get(name="Livia Segreta").organisation == Person.objects.get(name="Olga Ospite").organisation
    client.force_login(coordinator)

    people = client.get(reverse("admin:partnership_person_changelist")).content.decode()
    assert "Olga Ospite" in people and "Livia Segreta" not in people
    livia = Person.objects.get(name="Livia Segreta")
    assert client.get(reverse("admin:partnership_person_change", args=[livia.pk])).status_code == 302
    found = client.get(
        reverse("admin:autocomplete"),
        {"term": "Segreta", "app_label": "meetings", "model_name": "agendaitem", "field_name": "speakers"},
    )
    assert found.status_code == 200 and json.loads(found.content)["results"] == []
    consents = client.get(reverse("admin:partnership_consentrecord_changelist")).content.decode()
    assert "Livia Segreta" not in consents


def test_a_superuser_sees_every_guest(admin_client, ours, culture):
    people = admin_client.get(reverse("admin:partnership_person_changelist")).content.decode()
    assert "Olga Ospite" in people and "Livia Segreta" in people


def test_inviting_another_partnerships_guest_or_member_by_address_reveals_nothing(client, ours, culture, coordinator):
    turin_person = Person.objects.create(
        name="Luca Rossi", email="lrossi@torino.example", organisation=Organisation.objects.get(name="City of Turin")
    )
    client.force_login(coordinator)
    for address in ("LIVIA@segreta.example", "lrossi@torino.example"):
        response = invite(client, ours, guest_email=address)
        page = response.content.decode()
        assert response.status_code == 200
        assert "in records this partnership cannot use" in page and address in page  # kept as typed
        assert "Livia Segreta" not in page and "Luca Rossi" not in page and "City of Turin" not in page
    assert not ours.registrations.filter(person__in=[turin_person, Person.objects.get(name="Livia Segreta")]).exists()


def test_a_guests_organisation_named_as_another_partnerships_member_is_not_joined(client, ours, culture, coordinator):
    client.force_login(coordinator)
    response = invite(client, ours, guest_email="mallory@evil.example", guest_organisation="city of TURIN")
    assert "An organisation of this name is in records this partnership cannot use." in response.content.decode()
    assert not Person.objects.filter(email="mallory@evil.example").exists()

    # Our own guest, invited again by address, is simply invited (no second record).
    second = MeetingFactory.create(partnership=ours.partnership)
    assert invite(client, second, guest_email="Olga@Ospite.example").status_code == 302
    assert second.registrations.get().person == Person.objects.get(name="Olga Ospite")
