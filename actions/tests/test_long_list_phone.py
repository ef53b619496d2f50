"""The long list on a phone: one markup that is a table on a desktop and one card per action below 576 px
(static/css/portal.css), and its filters behind a "Filters" button that says how many are in use."""

import re

import pytest
from django.urls import reverse

from actions.models import Action
from actions.tests.test_selectors import LONG_LIST_MAX_QUERIES, make_long_list
from partnership.tests.factories import PartnershipFactory, member_user

pytestmark = pytest.mark.django_db


def filters_button(html: str) -> list[str]:
    match = re.search(r'<button[^>]*data-bs-target="#action-filters"[^>]*>(.*?)</button>', html, re.S)
    assert match, "no Filters button"
    return re.sub(r"<[^>]+>", " ", match.group(1)).split()


def test_each_cell_names_its_column_for_the_cards_and_the_title_leads(client):
    partnership = PartnershipFactory(is_public=True)
    make_long_list(partnership, 3)
    client.force_login(member_user(partnership))

    html = client.get(reverse("actions:long_list", args=[partnership.slug])).content.decode()

    assert html.count('class="table table-hover align-middle table-cards-below-sm"') == 1
    for label in ("Code", "Priority area", "Pillar", "Leader", "State"):
        assert html.count(f'data-label="{label}"') == 3
    assert html.count('class="card-title-cell"') == 3
    # The filters are open in the page (reachable without scripts); the script closes them on phones only.
    assert 'id="action-filters" class="collapse show d-sm-block no-print" data-closed-on-phones' in html
    assert "js/closed-on-phones.js" in html


def test_the_filters_button_counts_the_filters_in_use_not_the_order(client, django_assert_max_num_queries):
    partnership = PartnershipFactory(is_public=True)
    make_long_list(partnership, 30)
    area = partnership.priority_areas.order_by("pk").first()
    url = reverse("actions:long_list", args=[partnership.slug])

    assert filters_button(client.get(url).content.decode()) == ["Filters"]
    assert filters_button(client.get(url, {"sort": "title", "q": ""}).content.decode()) == ["Filters"]
    with django_assert_max_num_queries(LONG_LIST_MAX_QUERIES):
        response = client.get(url, {"q": "number", "priority_area": area.pk, "state": Action.State.ADOPTED})
    assert filters_button(response.content.decode()) == ["Filters", "3", "active"]


def test_an_invalid_filter_counts_nothing(client):
    partnership = PartnershipFactory(is_public=True)
    response = client.get(reverse("actions:long_list", args=[partnership.slug]), {"priority_area": "x"})
    assert response.status_code == 200
    assert filters_button(response.content.decode()) == ["Filters"]
