"""The admin's action list keeps each row as rendered in the cache (partnership.templatetags.admin_rows): a row
is the same HTML as Django's own, and whatever it shows that changes (its values, a related record's name, the
filters its links keep, the language) shows at once."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.templatetags.admin_list import results
from django.core.cache import cache
from django.urls import reverse

from actions.models import Action
from actions.tests.factories import ActionFactory
from partnership.models import PriorityArea
from partnership.templatetags.admin_rows import cached_keys, cached_results
from partnership.tests.factories import PriorityAreaFactory

pytestmark = pytest.mark.django_db
LIST = reverse("admin:actions_action_changelist")


def rows(client, query: dict | None = None, **headers) -> str:
    html = client.get(LIST, query or {}, **headers).content.decode()
    body = re.search(r"<tbody>.*?</tbody>", html, re.S)
    assert body is not None, "the list has rows"
    return body.group(0)


@pytest.fixture
def listed(partnership):
    area = PriorityAreaFactory.create(partnership=partnership, name="Urban planning")
    return ActionFactory.create(
        partnership=partnership, title="Safer squares", priority_area=area, state=Action.State.PROPOSED
    )


def test_a_kept_row_is_the_row_django_makes_and_is_read_from_the_cache(client, coordinator, listed):
    client.force_login(coordinator)
    response = client.get(LIST)
    cl = response.context["cl"]
    made = [[str(cell) for cell in row] for row in results(cl)]
    assert [[str(cell) for cell in row] for row in cached_results(cl)] == made
    assert "Safer squares" in made[0][2] and 'class="action-select"' in made[0][0]

    # The second page view reads the row from the cache: a kept row changed there is what it shows.
    key = next(key for key in cached_keys(cl))
    cache.set(key, [*made[0][:2], "<td>Kept</td>", *made[0][3:]])
    assert "<td>Kept</td>" in rows(client)


def test_what_a_row_shows_changes_at_once(client, coordinator, listed):
    client.force_login(coordinator)
    rows(client)

    Action.objects.filter(pk=listed.pk).update(title="Brighter squares")
    assert "Brighter squares" in rows(client)
    PriorityArea.objects.filter(pk=listed.priority_area_id).update(name="Public space design")
    assert "Public space design" in rows(client)
    filtered = rows(client, {"state__exact": "proposed"})
    assert "_changelist_filters=state__exact%3Dproposed" in filtered
    assert "_changelist_filters" not in rows(client)
    assert "Sigurniji" not in rows(client) and "Proposta" in rows(client, HTTP_ACCEPT_LANGUAGE="it")


def test_a_filter_id_beyond_the_columns_range_lists_nothing(client, coordinator, listed):
    client.force_login(coordinator)
    for parameter in ("pillar__id__exact", "priority_area__id__exact"):
        response = client.get(LIST, {parameter: "9" * 21})
        assert response.status_code == 200 and response.context["cl"].result_count == 0
