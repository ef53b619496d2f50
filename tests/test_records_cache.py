"""The partner records kept in the shared cache (partnership.records_cache, partnership.viewers): a signed-in page
reads its user, their roles and the partnerships from the cache, and every change to those records is seen on the
very next request, whoever made it."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse

from actions.models import Action
from actions.tests.factories import ActionFactory
from meetings.tests.factories import MeetingFactory
from partnership import records_cache, viewers
from partnership.models import Membership, PriorityArea
from partnership.tests.factories import PartnershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _kept(settings: Any) -> None:
    """On, as with a shared cache in production (in one process, any cache will do)."""
    settings.RECORDS_CACHE_SECONDS = 300


@pytest.fixture
def culture(partner: Any) -> Any:
    """A private partnership the partner's organisation belongs to."""
    private = PartnershipFactory.create(name="Culture and Heritage", slug="culture", is_public=False)
    since = datetime.date.today() - datetime.timedelta(days=30)
    Membership.objects.create(partnership=private, organisation=partner.person.organisation, since=since)
    return private


def _long_list(slug: str) -> str:
    return reverse("actions:long_list", args=[slug])


def test_a_signed_in_page_reads_its_user_and_roles_from_the_cache(client, partnership, partner, culture):
    meeting = MeetingFactory.create(partnership=partnership, is_public=True)
    client.force_login(partner)
    url = reverse("meetings:detail", args=[meeting.pk])
    assert client.get(url).status_code == 200
    kept = cache.get(viewers._key(partner.pk))
    assert isinstance(kept, viewers.Kept)
    assert kept.account.pk == partner.pk and kept.account.person.organisation_id == partner.person.organisation_id
    assert set(kept.roles) == {partnership.pk, culture.pk}
    # Neither the user nor the memberships are read again.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    tables = " ".join(query["sql"] for query in queries)
    assert '"auth_user"' not in tables and '"partnership_membership"' not in tables


def test_the_password_hash_is_not_kept(client, partnership, partner):
    client.force_login(partner)
    assert client.get(reverse("home")).status_code == 200
    kept = cache.get(viewers._key(partner.pk))
    assert "password" not in kept.account.__dict__
    assert partner.password not in repr(kept)
    # The account from the cache still holds the right one when asked (read from the database).
    assert client.get(reverse("home")).wsgi_request.user.password == partner.password


def test_an_ended_membership_closes_a_private_partnership_at_the_next_request(client, partner, culture):
    client.force_login(partner)
    assert client.get(_long_list("culture")).status_code == 200
    membership = Membership.objects.get(partnership=culture)
    membership.until = datetime.date.today() - datetime.timedelta(days=1)
    membership.save()
    assert client.get(_long_list("culture")).status_code == 404


def test_a_deactivated_account_is_signed_out_at_the_next_request(client, partnership, partner):
    client.force_login(partner)
    assert client.get(reverse("profile")).status_code == 200
    partner.is_active = False
    partner.save()
    response = client.get(reverse("profile"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_password_set_elsewhere_ends_the_session(client, partnership, partner):
    client.force_login(partner)
    assert client.get(reverse("profile")).status_code == 200
    partner.set_password("a new and long passphrase")
    partner.save()
    response = client.get(reverse("profile"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_changing_ones_own_password_keeps_one_signed_in(client, partnership, partner):
    partner.set_password("the first passphrase 1")
    partner.save()
    assert client.login(username=partner.username, password="the first passphrase 1")
    assert client.get(reverse("profile")).status_code == 200  # the account is kept now
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "the first passphrase 1",
            "new_password1": "another quite long passphrase 2",
            "new_password2": "another quite long passphrase 2",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("profile")).status_code == 200
    partner.refresh_from_db()
    assert partner.check_password("another quite long passphrase 2")


def test_saving_the_kept_account_keeps_its_password(client, partnership, partner):
    client.force_login(partner)
    client.get(reverse("home"))
    user = client.get(reverse("home")).wsgi_request.user
    assert "password" not in user.__dict__  # the account came from the cache
    user.first_name = "Renamed"
    user.save()
    partner.refresh_from_db()
    assert partner.first_name == "Renamed" and partner.password and partner.has_usable_password()


def test_a_partnership_made_private_is_closed_to_visitors_at_once(client, partnership, partner):
    action = ActionFactory.create(partnership=partnership, state=Action.State.ADOPTED, title="Safer squares")
    meeting = MeetingFactory.create(partnership=partnership, is_public=True, title="Riga workshop")
    assert client.get(_long_list(partnership.slug)).status_code == 200
    assert "Riga workshop" in client.get(reverse("meetings:list")).content.decode()
    partnership.is_public = False
    partnership.save()
    assert client.get(_long_list(partnership.slug)).status_code == 404
    assert "Riga workshop" not in client.get(reverse("meetings:list")).content.decode()
    assert client.get(reverse("meetings:detail", args=[meeting.pk])).status_code == 404
    assert client.get(reverse("actions:detail", args=[action.pk])).status_code == 404
    # Its members still see it all.
    client.force_login(partner)
    assert "Riga workshop" in client.get(reverse("meetings:list")).content.decode()
    assert client.get(reverse("actions:detail", args=[action.pk])).status_code == 200


def test_a_renamed_priority_area_shows_in_the_filters_at_once(client, partnership, partner):
    area = PriorityArea.objects.create(partnership=partnership, name="Urban design", position=1)
    client.force_login(partner)
    assert "Urban design" in client.get(_long_list(partnership.slug)).content.decode()
    area.name = "Design of public spaces"
    area.save()
    page = client.get(_long_list(partnership.slug)).content.decode()
    assert "Design of public spaces" in page and "Urban design" not in page


def test_a_change_without_signals_is_seen_once_forgotten(client, partner, culture):
    client.force_login(partner)
    assert client.get(_long_list("culture")).status_code == 200
    Membership.objects.filter(partnership=culture).update(until=datetime.date.today() - datetime.timedelta(days=1))
    assert client.get(_long_list("culture")).status_code == 200  # kept, as the docstring warns
    records_cache.forget_all()
    assert client.get(_long_list("culture")).status_code == 404


def test_admin_access_synced_from_memberships_is_seen_at_once(client, partnership, partner):
    """`coordinator_access_sync` changes accounts with one update, without signals: it forgets what is kept."""
    from partnership import services

    client.force_login(partner)
    assert client.get(reverse("home")).wsgi_request.user.is_staff is False
    Membership.objects.filter(organisation=partner.person.organisation).update(role=Membership.Role.COORDINATOR)
    services.coordinator_access_sync(organisation=partner.person.organisation)
    assert client.get(reverse("home")).wsgi_request.user.is_staff is True


def test_the_generation_is_replaced_again_when_the_transaction_commits(django_capture_on_commit_callbacks):
    records_cache.forget_all()
    before = cache.get(records_cache.GENERATION_KEY)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        records_cache.forget_all_now_and_on_commit()
        now = cache.get(records_cache.GENERATION_KEY)
        records_cache.forget_all_now_and_on_commit()  # a second row in the same transaction
    assert now != before and len(callbacks) == 1
    second = cache.get(records_cache.GENERATION_KEY)
    callbacks[0]()
    assert cache.get(records_cache.GENERATION_KEY) not in (before, now, second)


def test_off_without_a_shared_cache(settings, client, partnership, partner):
    settings.RECORDS_CACHE_SECONDS = 0
    client.force_login(partner)
    assert client.get(reverse("home")).status_code == 200
    assert cache.get(viewers._key(partner.pk)) is None


def test_the_redis_cache_keeps_one_client_per_pool(settings):
    from django.core.cache import caches

    from conftest import require

    require(settings.CACHES["default"]["BACKEND"] == "partnership.cache_backends.RedisCache", "needs CACHE_URL (Redis)")
    redis_cache: Any = caches["default"]
    client = redis_cache._cache.get_client(write=True)
    assert redis_cache._cache.get_client(write=True) is client
    redis_cache.set("records-test", {"kept": 1}, 30)
    assert redis_cache.get_many(["records-test", "absent"]) == {"records-test": {"kept": 1}}


def test_the_hourly_access_sweep_keeps_what_is_kept_when_nothing_changes(partner):
    from partnership import services

    organisation = partner.person.organisation
    services.coordinator_access_sync(organisation=organisation)
    before = cache.get(records_cache.GENERATION_KEY)
    services.coordinator_access_sync(organisation=organisation)
    assert cache.get(records_cache.GENERATION_KEY) == before


def test_migrate_forgets_what_the_previous_release_kept():
    from django.core.management import call_command

    records_cache.forget_all()
    before = cache.get(records_cache.GENERATION_KEY)
    call_command("migrate", verbosity=0)
    assert cache.get(records_cache.GENERATION_KEY) != before
