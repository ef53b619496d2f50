"""The comparison across countries says which clones the reader sees and why the others are missing; a ministry
publishing its results makes them comparable for the others; another partnership's surveys are never listed."""

from __future__ import annotations

import html
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.urls import reverse

from partnership.tests.factories import PartnershipFactory, PriorityAreaFactory
from surveys import services
from surveys.models import Question, Section, Survey
from surveys.tests.conftest import SPLIT, ZADAR, answer
from surveys.tests.factories import SurveyFactory, ministry_user

pytestmark = pytest.mark.django_db

# The comparison page's queries, whatever the number of countries and responses: the session and user, the survey
# and its access, the family and what the reader may see of it, the responses per cell, the structure, the tallies.
COMPARE_QUERIES = 20


@pytest.fixture
def family(analyst, partnership):
    """Croatia's survey, answered, and its Italian clone owned by Italy's ministry, answered and closed."""
    italian_ministry = ministry_user(partnership)
    italy = answered_clone(analyst, "IT", italian_ministry, region="Veneto", answers=(ZADAR, SPLIT, ZADAR))
    return {"croatia": analyst.survey, "italy": italy, "italian": italian_ministry}


def answered_clone(analyst: Any, country: str, ministry: Any, *, region: str, answers: tuple[dict, ...]) -> Survey:
    """A clone of the analyst's survey for this country and ministry, opened, answered thus, and closed."""
    clone_survey = services.survey_clone(
        survey=analyst.survey,
        by=None,
        title=f"Survey of security needs ({country})",
        country=country,
        owner=ministry.person.organisation,
        default_language="en",
    )
    clone_survey = services.survey_transition(survey=clone_survey, to_state=Survey.State.OPEN, by=None)
    same = {
        name: Question.objects.get(section__survey=clone_survey, identity=getattr(analyst, name).identity)
        for name in ("likert", "single", "yes_no", "which", "multiple", "number", "matrix", "ranking")
    }
    page1, page2 = clone_survey.sections.order_by("position")
    clone = SimpleNamespace(survey=clone_survey, page1=page1, page2=page2, **same)
    for given in answers:
        answer(clone, given, region=region)
    return services.survey_transition(survey=clone_survey, to_state=Survey.State.CLOSED, by=None)


def page_of(client: Any, survey: Survey) -> str:
    response = client.get(reverse("surveys:compare", kwargs={"pk": survey.pk}))
    assert response.status_code == 200
    return response.content.decode()


def listed(page: str) -> dict[str, str]:
    table = re.search(r'<table class="table table-sm align-middle" id="clones">.*?</table>', page, re.S)
    assert table is not None
    rows = re.findall(
        r'<th scope="row">(.*?)</th>.*?<td>.*?</td>\s*<td>.*?</td>\s*<td>(.*?)</td>', table.group(0), re.S
    )
    return {
        country: re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", cell))).strip() for country, cell in rows
    }


def test_the_ministry_sees_its_own_country_and_why_the_other_is_missing_until_it_is_published(client, family, ministry):
    client.force_login(ministry)
    page = page_of(client, family["croatia"])

    assert listed(page) == {
        "Croatia": "Yes Your organisation's survey.",
        "Italy": "No Not shown: its ministry has closed the survey but not published the results to the partnership.",
    }
    assert 'id="single-country"' in page
    assert 'aria-label="Breadcrumb"' in page and reverse("surveys:results", kwargs={"pk": family["croatia"].pk}) in page
    assert "Italia" not in page and "Veneto" not in page

    services.survey_transition(survey=family["italy"], to_state=Survey.State.RESULTS_PUBLISHED, by=family["italian"])
    page = page_of(client, family["croatia"])

    assert listed(page)["Italy"] == "Yes Its ministry has published the results to the partnership."
    assert 'id="single-country"' not in page
    # The grouped bars name both countries.
    charts = re.findall(r"<svg .*?</svg>", page, re.S)
    assert charts and all("Croatia" in chart and "Italy" in chart for chart in charts)


def test_the_italian_owner_sees_croatia_only_once_croatia_publishes(client, family, ministry):
    client.force_login(family["italian"])
    assert listed(page_of(client, family["italy"]))["Croatia"].startswith("No Not shown: this survey is still")
    croatia = services.survey_transition(survey=family["croatia"], to_state=Survey.State.CLOSED, by=ministry)
    services.survey_transition(survey=croatia, to_state=Survey.State.RESULTS_PUBLISHED, by=ministry)

    assert listed(page_of(client, family["italy"])) == {
        "Croatia": "Yes Its ministry has published the results to the partnership.",
        "Italy": "Yes Your organisation's survey.",
    }
    assert [(t.from_state, t.to_state, t.by) for t in croatia.transitions.order_by("at", "pk")][-1] == (
        "closed",
        "results_published",
        ministry,
    )


def test_a_coordinator_sees_every_country(client, family, coordinator):
    client.force_login(coordinator)
    assert listed(page_of(client, family["croatia"])) == {
        "Croatia": "Yes You coordinate the partnership, so you see every country.",
        "Italy": "Yes You coordinate the partnership, so you see every country.",
    }


def test_another_partnerships_survey_of_the_same_family_is_never_listed(client, family, ministry, coordinator):
    elsewhere = ministry_user(PartnershipFactory())
    stranger = SurveyFactory(
        partnership=elsewhere.person.organisation.memberships.get().partnership,
        owner=elsewhere.person.organisation,
        country="FR",
        title="Enquête d'une autre partenariat",
        state=Survey.State.RESULTS_PUBLISHED,
    )
    Survey.objects.filter(pk=stranger.pk).update(family=family["croatia"].family)
    for user in (ministry, coordinator):
        client.force_login(user)
        page = page_of(client, family["croatia"])
        assert "France" not in listed(page) and "autre partenariat" not in page
    # Nor the other way round, and their compare page of our survey is not found.
    client.force_login(elsewhere)
    assert list(listed(page_of(client, stranger))) == ["France"]
    assert client.get(reverse("surveys:compare", kwargs={"pk": family["croatia"].pk})).status_code == 404


def test_the_comparison_takes_as_many_queries_for_more_countries_and_responses(
    client, analyst, family, coordinator, partnership, django_assert_max_num_queries
):
    # Sections of a priority area, whose name the page shows beside each question.
    area = PriorityAreaFactory(partnership=partnership)
    Section.objects.filter(survey__family=family["croatia"].family).update(priority_area=area)
    client.force_login(coordinator)
    with django_assert_max_num_queries(COMPARE_QUERIES):
        page_of(client, family["croatia"])

    for _ in range(3):
        answer(analyst, SPLIT, region="Split")
    answered_clone(analyst, "SI", ministry_user(partnership), region="Ljubljana", answers=(SPLIT, ZADAR, SPLIT, ZADAR))
    with django_assert_max_num_queries(COMPARE_QUERIES):
        page = page_of(client, family["croatia"])
    assert set(listed(page)) == {"Croatia", "Italy", "Slovenia"}
    assert all("Slovenia" in chart for chart in re.findall(r"<svg .*?</svg>", page, re.S))
