import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from partnership.management.commands.generate_partners import NAME_PREFIX
from partnership.models import Membership, Organisation, Person
from partnership.tests.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


def generated_memberships(partnership):
    return Membership.objects.filter(partnership=partnership, organisation__name__startswith=NAME_PREFIX)


def test_generates_members_with_two_contacts_each(settings):
    settings.DEBUG = False
    partnership = PartnershipFactory(slug="bench")

    call_command("generate_partners", "--count", "20", "--partnership", "bench")

    memberships = generated_memberships(partnership).prefetch_related("contacts")
    assert memberships.count() == 20
    for membership in memberships:
        contacts = list(membership.contacts.all())
        assert len(contacts) == 2
        assert all(person.organisation_id == membership.organisation_id for person in contacts)
    assert Person.objects.filter(organisation__name__startswith=NAME_PREFIX).count() == 40


def test_running_again_tops_up_without_duplicates():
    partnership = PartnershipFactory(slug="bench")
    call_command("generate_partners", "--count", "20", "--partnership", "bench")
    call_command("generate_partners", "--count", "20", "--partnership", "bench")
    assert generated_memberships(partnership).count() == 20

    call_command("generate_partners", "--count", "25", "--partnership", "bench")

    assert generated_memberships(partnership).count() == 25
    assert Organisation.objects.filter(name__startswith=NAME_PREFIX).count() == 25
    assert Person.objects.filter(organisation__name__startswith=NAME_PREFIX).count() == 50
    assert Membership.contacts.through.objects.filter(membership__partnership__slug="bench").count() == 50


def test_generated_members_fill_the_filtered_directory(client):
    """The benchmark's filtered page (partners in Italy) must have rows to render."""
    partnership = PartnershipFactory(slug="bench")
    call_command("generate_partners", "--count", "60", "--partnership", "bench")

    response = client.get(reverse("directory", args=["bench"]), {"role": "partner", "country": "IT"})

    italian_partners = generated_memberships(partnership).filter(role="partner", organisation__country="IT")
    assert italian_partners.count() >= 2
    assert response.status_code == 200
    for membership in italian_partners.select_related("organisation"):
        assert membership.organisation.name in response.text


def test_unknown_partnership_is_an_error():
    with pytest.raises(CommandError, match="no-such-partnership"):
        call_command("generate_partners", "--count", "5", "--partnership", "no-such-partnership")
    assert not Organisation.objects.filter(name__startswith=NAME_PREFIX).exists()


def test_refreshes_planner_statistics_after_bulk_insert(uses_postgres):
    """Without fresh statistics PostgreSQL plans the directory's queries for empty tables."""
    PartnershipFactory(slug="bench")

    call_command("generate_partners", "--count", "30", "--partnership", "bench")

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [Membership._meta.db_table])
        (estimated_rows,) = cursor.fetchone()
    assert estimated_rows == Membership.objects.count() == 30
