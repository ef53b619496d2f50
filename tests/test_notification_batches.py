"""Visibility of notifications checked in batches (issue 13): a page of many notifications, a digest of many users
and a notification to many people cost the queries of one, and what a reader may not see now stays out."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from actions.tests.factories import ActionFactory, member_organisation
from meetings.models import Meeting
from meetings.tests.factories import MeetingFactory
from partnership import notification_selectors, notifications
from partnership.models import Membership, Notification, OutboundMessage, Partnership
from partnership.tests.factories import PartnershipFactory, member_user

Kind = Notification.Kind
pytestmark = pytest.mark.django_db


def _notice(reader: Any, about: Any, number: int, *, mailed: bool = True) -> Notification:
    """A notification row about an object, as `notify` writes it (whether or not the reader may see it)."""
    return Notification(
        recipient=reader,
        partnership_id=about.partnership_id,
        kind=Kind.MEETING_ANNOUNCED if isinstance(about, Meeting) else Kind.ACTION_COMMENT,
        content_type=ContentType.objects.get_for_model(type(about)),
        object_id=about.pk,
        title=about.title,
        url=about.get_absolute_url(),
        key=f"test:{number}",
        at=timezone.now() - datetime.timedelta(minutes=number),
        mailed_at=timezone.now() if mailed else None,
    )


@pytest.fixture
def objects(partnership: Partnership) -> dict[str, Any]:
    """Actions and meetings a partner of the partnership may see, and a draft of another organisation and a
    private partnership's action that they may not."""
    private = PartnershipFactory.create(is_public=False)
    return {
        "seen": [
            *ActionFactory.create_batch(3, partnership=partnership, state=Action.State.UNDER_DISCUSSION),
            *MeetingFactory.create_batch(2, partnership=partnership),
        ],
        "unseen": [
            ActionFactory.create(
                partnership=partnership, state=Action.State.DRAFT, owner=member_organisation(partnership)
            ),
            ActionFactory.create(partnership=private, state=Action.State.UNDER_DISCUSSION),
        ],
    }


def _page_queries(client: Any, reader: Any) -> tuple[int, str]:
    client.force_login(reader)
    client.get(reverse("notifications"))  # the bell's count cached, as on any page after the first
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("notifications"))
    assert page.status_code == 200
    return len(queries), page.content.decode()


def test_a_page_of_many_notifications_costs_the_queries_of_one_and_shows_only_what_may_be_seen(
    client, partnership, objects, django_assert_max_num_queries
):
    one = member_user(partnership)
    Notification.objects.bulk_create([_notice(one, objects["seen"][0], 0)])
    for_one, _ = _page_queries(client, one)

    many = member_user(partnership)
    about = [*objects["seen"], *objects["unseen"]]
    Notification.objects.bulk_create([_notice(many, about[n % len(about)], n) for n in range(40)])
    client.force_login(many)
    client.get(reverse("notifications"))
    with django_assert_max_num_queries(for_one):
        page = client.get(reverse("notifications")).content.decode()
    assert page.count("notification-unread") == 25
    for hidden in objects["unseen"]:
        assert hidden.title not in page
    for shown in objects["seen"]:
        assert shown.title in page


def test_the_batched_check_keeps_the_rule_of_the_notifications_list(partnership, objects):
    readers = [member_user(partnership) for _ in range(3)] + [member_user(PartnershipFactory.create(is_public=True))]
    about = [*objects["seen"], *objects["unseen"]]
    rows = Notification.objects.bulk_create(
        [_notice(reader, thing, n) for reader in readers for n, thing in enumerate(about)]
    )
    batched = notification_selectors.notifications_visible(readers, rows)
    one_by_one = {
        pk for reader in readers for pk in notification_selectors.notifications_of(reader).values_list("pk", flat=True)
    }
    assert batched == one_by_one
    # Nobody sees another organisation's draft or a private partnership's action; the members see the rest.
    unseen = {thing.pk for thing in objects["unseen"]}
    assert not any(row.object_id in unseen and row.content_type.model == "action" for row in rows if row.pk in batched)
    assert len([row for row in rows if row.pk in batched and row.recipient in readers[:3]]) == 3 * len(objects["seen"])


def test_a_digest_of_many_users_costs_the_queries_of_one_and_leaves_out_what_they_may_not_see(partnership, objects):
    day = timezone.localdate()
    about = [*objects["seen"], *objects["unseen"]]

    def readers_with_waiting(count: int) -> list[Any]:
        readers = [member_user(partnership) for _ in range(count)]
        Notification.objects.bulk_create(
            [_notice(reader, thing, n, mailed=False) for reader in readers for n, thing in enumerate(about)]
        )
        return readers

    notifications.digests_write(user_ids=[r.pk for r in readers_with_waiting(1)], day=day)  # content types cached
    one = readers_with_waiting(1)
    with CaptureQueriesContext(connection) as queries:
        assert notifications.digests_write(user_ids=[one[0].pk], day=day) == 1
    many = readers_with_waiting(12)
    with CaptureQueriesContext(connection) as many_queries:
        assert notifications.digests_write(user_ids=[r.pk for r in many], day=day) == 12
    assert len(many_queries) <= len(queries)

    mails = OutboundMessage.objects.filter(key__in=[f"digest:{r.pk}:{day.isoformat()}" for r in many])
    assert sorted(mail.to_email for mail in mails) == sorted(r.person.email for r in many)
    for mail in mails:
        assert all(thing.title in mail.body_text for thing in objects["seen"])
        assert not any(thing.title in mail.body_text for thing in objects["unseen"])
    assert not Notification.objects.filter(recipient__in=many, mailed_at__isnull=True).exists()
    # Their digest of the day is written: a second run adds none.
    assert notifications.digests_write(user_ids=[r.pk for r in many], day=day) == 0


def test_notifying_many_people_costs_the_queries_of_notifying_one(partnership, objects):
    action = objects["seen"][0]
    one = [member_user(partnership)]
    with CaptureQueriesContext(connection) as queries:
        notifications.notify(
            kind=Kind.ACTION_COMMENT, about=action, partnership_id=partnership.pk, users=one, event="one"
        )
    outsiders = [member_user(PartnershipFactory.create()) for _ in range(3)]
    many = [member_user(partnership) for _ in range(15)] + outsiders
    with CaptureQueriesContext(connection) as many_queries:
        written = notifications.notify(
            kind=Kind.ACTION_COMMENT, about=action, partnership_id=partnership.pk, users=many, event="many"
        )
    assert len(many_queries) <= len(queries)
    # Those of another partnership may not see an action under discussion: they are not told.
    assert written == 15
    assert not Notification.objects.filter(recipient__in=outsiders).exists()
    assert Membership.objects.filter(partnership=partnership).count() >= 16
