"""A partner's pages read their user's memberships and person once (issue 13's signed-in pages): the meeting page,
the home page and the long list cost a fixed number of queries, the same with many priority areas and pillars."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions.models import Action
from actions.tests.factories import ActionFactory
from meetings.tests.factories import MeetingFactory
from partnership.models import Pillar, PriorityArea

pytestmark = pytest.mark.django_db

# The queries of each page for a signed-in partner, caches warm (the bell's count, the agenda, the list's filters).
MOST = {"meeting": 8, "home": 10, "long_list": 10}


def _queries(client: Any, url: str) -> int:
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_a_partners_pages_cost_a_fixed_number_of_queries(client, partnership, partner, django_assert_max_num_queries):
    meeting = MeetingFactory.create(partnership=partnership, is_public=True)
    ActionFactory.create_batch(3, partnership=partnership, state=Action.State.UNDER_DISCUSSION)
    client.force_login(partner)
    urls = {
        "meeting": reverse("meetings:detail", args=[meeting.pk]),
        "home": reverse("home"),
        "long_list": reverse("actions:long_list", args=[partnership.slug]),
    }
    for name, url in urls.items():
        client.get(url)
        with django_assert_max_num_queries(MOST[name]):
            assert client.get(url).status_code == 200


def test_the_long_lists_filters_cost_the_same_with_many_areas_and_pillars(client, partnership, partner):
    ActionFactory.create(partnership=partnership, state=Action.State.UNDER_DISCUSSION)
    client.force_login(partner)
    url = reverse("actions:long_list", args=[partnership.slug])
    few = _queries(client, url)
    for number in range(8):
        PriorityArea.objects.create(partnership=partnership, name=f"Area {number}", position=number)
        Pillar.objects.create(partnership=partnership, name=f"Pillar {number}", position=number)
    page = client.get(url).content.decode()
    assert "Area 7" in page and "Pillar 7" in page
    assert _queries(client, url) == few


@pytest.mark.parametrize("registered", [True, False])
@pytest.mark.parametrize("following", [True, False])
def test_the_meeting_page_reads_its_viewers_registration_and_follow_with_the_meeting(
    client, partnership, partner, registered, following
):
    from django.contrib.contenttypes.models import ContentType

    from meetings.models import Registration
    from meetings.tests.factories import RegistrationFactory
    from partnership.models import Follow

    meeting = MeetingFactory.create(partnership=partnership, is_public=True)
    other = MeetingFactory.create(partnership=partnership, is_public=True)
    RegistrationFactory.create(meeting=other, person=partner.person, state=Registration.State.DECLINED)
    if registered:
        RegistrationFactory.create(meeting=meeting, person=partner.person, state=Registration.State.REGISTERED)
    if following:
        Follow.objects.create(
            user=partner, content_type=ContentType.objects.get_for_model(meeting), object_id=meeting.pk
        )
    client.force_login(partner)
    url = reverse("meetings:detail", args=[meeting.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    read = [query["sql"] for query in queries]
    assert not [sql for sql in read if sql.startswith(('SELECT "meetings_registration"', "SELECT 1 AS"))]
    assert ("You are registered." in page) is registered
    assert "You have declined" not in page  # the other meeting's registration
    assert ('aria-pressed="true"' in page) is following
