"""The benchmark's data generator and its in-process figures, at a small size."""

import json
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.urls import reverse

from actions import selectors, services, workflow
from actions.management.commands.bench_actions import teaser_code
from actions.management.commands.generate_actions import CITIES
from actions.models import Action
from partnership.models import Membership, Partnership

State = Action.State
pytestmark = pytest.mark.django_db


def generate(count, partnerships=3):
    call_command("generate_actions", count=count, partnerships=partnerships, stdout=StringIO())


def test_actions_are_spread_evenly_over_public_partnerships_with_their_areas_pillars_and_members(settings):
    settings.DEBUG = False

    generate(60)

    partnerships = Partnership.objects.filter(slug__startswith="bench-").order_by("slug")
    assert [p.slug for p in partnerships] == ["bench-1", "bench-2", "bench-3"]
    for partnership in partnerships:
        assert partnership.is_public
        assert partnership.actions.count() == 20
        assert partnership.priority_areas.count() == 3
        assert partnership.pillars.count() == 3
        assert partnership.memberships.filter(role=Membership.Role.COORDINATOR).count() == 1
        assert partnership.memberships.count() >= 3
        # Every action's areas and organisations are its own partnership's.
        assert not partnership.actions.exclude(priority_area__partnership=partnership).exists()
        assert not partnership.actions.exclude(owner__memberships__partnership=partnership).exists()


def test_states_are_mostly_long_listed_under_discussion_and_adopted_and_titles_vary():
    generate(600)

    states = Counter(Action.objects.values_list("state", flat=True))
    main = states[State.LONG_LISTED] + states[State.UNDER_DISCUSSION] + states[State.ADOPTED]
    assert main >= 0.75 * 600
    assert all(states[state] > 0 for state in (State.LONG_LISTED, State.UNDER_DISCUSSION, State.ADOPTED))
    assert Action.objects.values("title").distinct().count() > 300
    assert Action.objects.values("code").distinct().count() == 600


def test_running_again_tops_up_without_changing_what_exists():
    generate(30)
    first = set(Action.objects.values_list("pk", "code", "title"))

    generate(30)
    assert set(Action.objects.values_list("pk", "code", "title")) == first

    generate(45)
    assert Action.objects.count() == 45
    assert first <= set(Action.objects.values_list("pk", "code", "title"))
    assert Partnership.objects.filter(slug__startswith="bench-").count() == 3


def test_a_city_is_a_selective_search_word_and_security_a_common_one():
    generate(300, partnerships=1)
    partnership = Partnership.objects.get(slug="bench-1")
    published = partnership.actions.filter(state__in=workflow.PUBLISHED)
    city = published.values_list("title", flat=True).first().split(" in ")[1].split()[0]
    assert city in CITIES

    def matches(word):
        return selectors.long_list(user=AnonymousUser(), partnership=partnership, filters={"q": word}).count()

    assert 0 < matches(city) < published.count() / 4
    assert matches("security") == published.count()


def test_a_visitor_sees_the_published_generated_actions_on_the_long_list(client):
    generate(40, partnerships=1)
    published = Action.objects.filter(state__in=workflow.PUBLISHED).order_by("code").first()

    response = client.get(reverse("actions:long_list", args=["bench-1"]), {"q": published.code})

    assert response.status_code == 200
    assert published.title in response.content.decode()


def bench(*args):
    out = StringIO()
    call_command("bench_actions", *args, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_bench_figures_export_every_action_and_import_the_teaser_rows_each_time_afresh():
    generate(50)

    export = bench("--export")
    assert export["rows"] == 50
    assert export["peak_rss_after_kb"] >= export["peak_rss_before_kb"] > 0

    for _ in range(2):
        teaser = bench("--import", "12")
        assert teaser["imported"] == 12
    imported = Partnership.objects.get(slug="bench-import").actions
    assert imported.count() == 12
    assert set(imported.values_list("state", flat=True)) == {State.LONG_LISTED}

    search = bench("--search", "security", "--partnership", "bench-1", "--runs", "1")
    assert search["actions"] == 17
    assert search["search"]["security"]["matches"] == (
        Action.objects.filter(partnership__slug="bench-1", state__in=workflow.PUBLISHED).count()
    )


def test_teaser_codes_stay_valid_and_distinct_beyond_ten_thousand_rows():
    codes = [teaser_code(n) for n in range(1, 20_001)]

    assert len(set(codes)) == len(codes)
    assert all(services.code_is_valid(code) for code in codes)
