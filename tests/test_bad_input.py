"""Bad input found by the penetration test (issue 12, finding 6): each answered with a message or a 4xx, never a 500.
The sweep over every form and query parameter is tests/test_hostile_input.py."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from meetings.tests.factories import MeetingFactory, RegistrationFactory
from partnership.tokens import token_hash
from surveys.models import Answer, Question, Survey
from surveys.tests.factories import QuestionFactory, SectionFactory, SurveyFactory, open_survey, question_with_choices

pytestmark = pytest.mark.django_db


@pytest.fixture
def answering(partnership: Any) -> tuple[Survey, Question, Question, Client]:
    """An open survey with a ranking and a long-text question, and a browser that came through its open link."""
    survey = SurveyFactory.create(
        partnership=partnership, open_link_enabled=True, open_link_token=token_hash("open-sesame")
    )
    section = SectionFactory.create(survey=survey, position=0)
    ranking = question_with_choices(section, Question.Kind.RANKING, ["parks", "squares"], position=0)
    long_text = QuestionFactory.create(section=section, position=1, kind=Question.Kind.LONG_TEXT)
    open_survey(survey)
    browser = Client()
    browser.post(reverse("surveys:open_link", kwargs={"token": "open-sesame"}), {"website": ""})
    browser.post(reverse("surveys:answer", args=[survey.pk]), {"language": "en"})
    return survey, ranking, long_text, browser


@pytest.mark.sqlite_too
def test_a_ranking_that_is_not_a_number_is_a_message_on_the_question(answering):
    survey, ranking, long_text, browser = answering
    page = browser.post(
        reverse("surveys:section", args=[survey.pk, 1]),
        {f"q{ranking.pk}_parks": "first", f"q{ranking.pk}_squares": "2", f"q{long_text.pk}": "Lighting"},
    )
    assert page.status_code == 200
    assert "Give each option a different rank." in page.content.decode()
    assert "Lighting" in page.content.decode(), "what was typed is kept"
    assert not Answer.objects.exists()


@pytest.mark.sqlite_too
def test_a_long_text_with_a_nul_character_is_a_message_on_the_question(answering):
    survey, ranking, long_text, browser = answering
    page = browser.post(
        reverse("surveys:section", args=[survey.pk, 1]),
        {f"q{ranking.pk}_parks": "1", f"q{ranking.pk}_squares": "2", f"q{long_text.pk}": "Dark\x00 streets"},
    )
    assert page.status_code == 200
    assert "Null characters are not allowed." in page.content.decode()
    assert not Answer.objects.exists()


@pytest.fixture
def meeting(partnership: Any) -> Any:
    return MeetingFactory.create(partnership=partnership)


def test_a_nul_in_the_check_in_search_is_refused_not_a_500(client, meeting, coordinator):
    RegistrationFactory.create(meeting=meeting)
    client.force_login(coordinator)
    url = reverse("meetings:check_in", args=[meeting.pk])
    assert client.get(url, {"q": "Ann\x00"}).status_code == 400
    assert client.get(url, {"q": "Ann"}).status_code == 200


@pytest.mark.parametrize("parameter", ["region", "kind"])
def test_a_nul_in_the_results_filters_is_refused_not_a_500(client, partnership, parameter):
    from surveys.tests.factories import ministry_user

    ministry = ministry_user(partnership)
    survey = SurveyFactory.create(partnership=partnership, owner=ministry.person.organisation)
    QuestionFactory.create(section=SectionFactory.create(survey=survey), kind=Question.Kind.SHORT_TEXT)
    open_survey(survey)
    client.force_login(ministry)
    url = reverse("surveys:results", args=[survey.pk])
    assert client.get(url, {parameter: "Zadar\x00"}).status_code == 400
    assert client.get(url, {parameter: "Zadar"}).status_code == 200


def test_an_action_whose_history_adds_a_document_shows_its_page(client, partnership, partner):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from actions import services
    from actions.models import Action
    from actions.tests.factories import ActionFactory, organisation_of

    action = ActionFactory.create(
        partnership=partnership, state=Action.State.UNDER_DISCUSSION, owner=organisation_of(partner)
    )
    services.document_add(
        action=action, by=partner, title="Notes", visibility="members", file=SimpleUploadedFile("n.txt", b"Notes")
    )
    client.force_login(partner)
    page = client.get(reverse("actions:detail", args=[action.pk]))
    assert page.status_code == 200
    assert "Notes" in page.content.decode()


def test_an_empty_post_of_a_survey_page_shows_the_page_with_its_messages(answering):
    survey, _ranking, _long_text, browser = answering
    Question.objects.filter(section__survey=survey).update(required=True)
    page = browser.post(reverse("surveys:section", args=[survey.pk, 1]), {})
    assert page.status_code == 200
    assert "This question needs an answer." in page.content.decode()


@pytest.mark.parametrize("button", ["question_up", "question_down", "section_up", "section_down"])
@pytest.mark.parametrize("forged", ["", "abc", "9" * 30])
def test_a_forged_id_on_the_outline_buttons_is_404_not_500(client, partnership, button, forged):
    from surveys.tests.factories import ministry_user

    ministry = ministry_user(partnership)
    survey = SurveyFactory.create(partnership=partnership, owner=ministry.person.organisation)
    QuestionFactory.create(section=SectionFactory.create(survey=survey), kind=Question.Kind.SHORT_TEXT)
    client.force_login(ministry)
    assert client.post(reverse("surveys:build", args=[survey.pk]), {button: forged}).status_code == 404


# On SQLite, the embedded default, a number past 64 bits cannot even be bound to a query.

HUGE = "9" * 30


@pytest.mark.sqlite_too
def test_a_huge_contributor_id_is_a_field_error(client, partnership, partner):
    from actions.models import Action

    client.force_login(partner)
    page = client.post(
        reverse("actions:create", args=[partnership.slug]), {"title": "Safer squares", "contributors": [HUGE]}
    )
    assert page.status_code == 200
    assert "Select a valid choice." in page.content.decode()
    assert not Action.objects.filter(title="Safer squares").exists()


@pytest.mark.sqlite_too
def test_a_huge_person_id_in_an_invitation_is_a_field_error(client, meeting, coordinator):
    client.force_login(coordinator)
    page = client.post(reverse("meetings:invite", args=[meeting.pk]), {"people": [HUGE]})
    assert page.status_code == 200
    assert "Select a valid choice." in page.content.decode()


def test_a_nul_in_the_reason_of_a_meeting_move_is_dropped_not_a_500(client, meeting, coordinator):
    from meetings.models import Meeting

    client.force_login(coordinator)
    url = reverse("meetings:manage", args=[meeting.pk])
    assert client.post(url, {"to_state": "registration_closed", "reason": "Full\x00 house"}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.REGISTRATION_CLOSED
