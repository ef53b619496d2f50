"""Needs found in the results, linked to the actions that address them, on the results page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from actions.models import Action
from actions.tests.factories import ActionFactory, organisation_of
from surveys import services
from surveys.models import NeedLink, Survey
from surveys.tests.factories import open_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(built):
    built.survey = open_survey(built.survey)
    return built


def results(client, survey: Survey) -> str:
    response = client.get(reverse("surveys:results", kwargs={"pk": survey.pk}))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def linked(live, partnership, coordinator, partner):
    guidance = ActionFactory(partnership=partnership, title="Security by design guidance", state=Action.State.ADOPTED)
    draft = ActionFactory(
        partnership=partnership, title="Training draft", state=Action.State.DRAFT, owner=organisation_of(coordinator)
    )
    link = NeedLink.objects.create(survey=live.survey, need="Planners lack guidance", question=live.likert)
    link.actions.add(guidance, draft)
    return {"guidance": guidance, "draft": draft}


def test_the_owner_sees_the_needs_and_the_actions_that_address_them(client, live, ministry, linked):
    client.force_login(ministry)

    page = results(client, live.survey)

    assert "Needs found and the actions that address them" in page
    assert "Planners lack guidance" in page
    assert linked["guidance"].get_absolute_url() in page
    assert "Training draft" not in page, "another organisation's draft stays hidden"
    assert "Link a need to actions" not in page, "the ministry is no coordinator"


def test_a_coordinator_may_link_a_need_from_the_results(client, live, coordinator, linked):
    client.force_login(coordinator)

    page = results(client, live.survey)

    assert "Training draft" in page, "the coordinator's own organisation's draft"
    assert f"{reverse('admin:surveys_needlink_add')}?survey={live.survey.pk}" in page


def test_members_see_the_needs_once_results_are_published(client, live, ministry, partner, linked):
    services.survey_transition(survey=live.survey, to_state=Survey.State.CLOSED, by=ministry)
    services.survey_transition(survey=live.survey, to_state=Survey.State.RESULTS_PUBLISHED, by=ministry)
    client.force_login(partner)

    page = results(client, live.survey)

    assert "Planners lack guidance" in page and linked["guidance"].get_absolute_url() in page
    assert "Training draft" not in page


def test_without_links_the_section_shows_only_to_coordinators(client, live, ministry, coordinator):
    client.force_login(ministry)
    assert "Needs found" not in results(client, live.survey)
    client.force_login(coordinator)
    assert "No need has been linked to actions yet." in results(client, live.survey)
