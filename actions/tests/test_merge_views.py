"""Merging through the portal: the target is found by a search among this partnership's open actions the
coordinator may see, the two actions are compared side by side, and only the confirmation merges, once."""

import re
from html import unescape

import pytest
from django.urls import reverse

from actions.models import Action, ActionEvent
from actions.tests.factories import ActionFactory, CommentFactory
from partnership.models import Membership
from partnership.tests.factories import PartnershipFactory, member_user

pytestmark = pytest.mark.django_db

State = Action.State
TOKEN = re.compile(r'name="once" value="([^"]+)"')
REFUSED = "That action cannot take this merge"


def text(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def source(partnership):
    return ActionFactory(partnership=partnership, state=State.LONG_LISTED, code="A-01", title="Lighting handbook")


@pytest.fixture
def target(partnership):
    return ActionFactory(
        partnership=partnership,
        state=State.LONG_LISTED,
        code="A-02",
        title="Lighting guidance for squares",
        description="Guidance on lighting squares at night.",
    )


def test_the_candidates_are_this_partnerships_open_actions_and_the_search_narrows_them(
    client, partnership, coordinator, source, target
):
    ActionFactory(partnership=partnership, state=State.UNDER_DISCUSSION, code="A-03", title="Night buses")
    ActionFactory(partnership=partnership, state=State.DROPPED, code="A-04", title="Lighting dropped")
    ActionFactory(partnership=partnership, state=State.DRAFT, title="Lighting draft of another city")
    ActionFactory(state=State.LONG_LISTED, title="Lighting elsewhere")
    client.force_login(coordinator)
    url = reverse("actions:merge", args=[source.pk])

    everything = text(client.get(url))
    searched = text(client.get(url, {"q": "lighting"}))

    assert "A-02 Lighting guidance for squares" in everything and "A-03 Night buses" in everything
    assert "2 actions can take this merge" in everything
    assert "A-02 Lighting guidance for squares" in searched and "Night buses" not in searched
    assert "1 action can take this merge" in searched
    for page in (everything, searched):
        assert "dropped" not in page and "draft" not in page and "elsewhere" not in page
        # The action itself is not a candidate, only the page's subject.
        assert page.count("Compare with A-01") == 0
    assert "No open action of this partnership matches." in text(client.get(url, {"q": "zebra"}))


def test_the_search_page_runs_the_same_queries_with_5_and_40_candidates(
    client, partnership, coordinator, source, django_assert_max_num_queries
):
    client.force_login(coordinator)
    url = reverse("actions:merge", args=[source.pk])
    client.get(url)  # the session's and the bell's caches are warm for both counts
    counts = []
    for size in (5, 35):
        for n in range(size):
            ActionFactory(partnership=partnership, state=State.LONG_LISTED, leader=source.owner, title=f"Idea {n}")
        with django_assert_max_num_queries(25) as captured:
            response = client.get(url, {"q": "idea"})
        assert response.status_code == 200
        counts.append(len(captured))
    assert "The first 20 of 40 actions that can take this merge" in text(response)
    assert counts[0] == counts[1]


@pytest.mark.parametrize("forged", ["foreign", "dropped", "draft", "itself", "abc", "99999999999999999999", ""])
def test_a_forged_target_is_refused_with_a_message_and_merges_nothing(client, partnership, coordinator, source, forged):
    targets = {
        "foreign": ActionFactory(state=State.LONG_LISTED).pk,
        "dropped": ActionFactory(partnership=partnership, state=State.DROPPED).pk,
        "draft": ActionFactory(partnership=partnership, state=State.DRAFT).pk,
        "itself": source.pk,
    }
    value = targets.get(forged, forged)
    client.force_login(coordinator)
    url = reverse("actions:merge", args=[source.pk])

    compared = client.get(url, {"target": value})
    posted = client.post(url, {"target": value, "reason": "forged"})

    for response in (compared, posted):
        assert response.status_code == 200
        assert "Compare before merging" not in text(response)
    assert REFUSED in text(compared) or forged == ""
    assert REFUSED in text(posted) or "This field is required." in text(posted)
    source.refresh_from_db()
    assert source.state == State.LONG_LISTED
    assert not ActionEvent.objects.filter(kind=ActionEvent.Kind.MERGED).exists()


def test_the_comparison_shows_both_actions_and_changes_nothing(client, partnership, coordinator, source, target):
    CommentFactory(action=target)
    CommentFactory(action=target)
    client.force_login(coordinator)

    page = text(client.get(reverse("actions:merge", args=[source.pk]), {"target": target.pk, "q": "light"}))

    assert "Compare before merging" in page
    assert "This action, to be merged A-01 Lighting handbook Long-listed" in page
    assert "Merged into this action A-02 Lighting guidance for squares Long-listed" in page
    assert "Guidance on lighting squares at night." in page
    assert "Comments 0" in page and "Comments 2" in page
    assert "Merge into A-02 Lighting guidance for squares" in page
    source.refresh_from_db()
    assert source.state == State.LONG_LISTED


def test_the_confirmation_merges_once_and_a_repeated_post_goes_to_the_target(
    client, partnership, coordinator, source, target
):
    client.force_login(coordinator)
    url = reverse("actions:merge", args=[source.pk])
    token = TOKEN.search(client.get(url, {"target": target.pk}).content.decode()).group(1)
    data = {"target": target.pk, "reason": "Same idea", "once": token}

    first = client.post(url, data)
    again = client.post(url, data)

    assert first.status_code == again.status_code == 302
    assert first.url == again.url == target.get_absolute_url()
    source.refresh_from_db()
    assert (source.state, source.merged_into) == (State.MERGED, target)
    assert ActionEvent.objects.filter(action=source, kind=ActionEvent.Kind.MERGED).count() == 1
    assert ActionEvent.objects.filter(action=target, kind=ActionEvent.Kind.RECEIVED).count() == 1


@pytest.mark.parametrize("who", ["other_coordinator", "partner", "anonymous"])
def test_only_the_partnerships_coordinators_reach_the_merge_page(client, partnership, source, target, who):
    if who == "other_coordinator":
        client.force_login(member_user(PartnershipFactory(), Membership.Role.COORDINATOR))
    elif who == "partner":
        client.force_login(member_user(partnership, Membership.Role.PARTNER))
    url = reverse("actions:merge", args=[source.pk])

    compared = client.get(url, {"target": target.pk})
    posted = client.post(url, {"target": target.pk})

    expected = {"other_coordinator": 404, "partner": 403, "anonymous": 302}[who]
    assert compared.status_code == posted.status_code == expected
    source.refresh_from_db()
    assert source.state == State.LONG_LISTED
