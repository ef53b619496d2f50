"""A guessed id tells nothing: the pages after answering a survey belong to the browser that answered, and the
meeting registration page answers alike for a meeting that exists and one that does not (issue 12, finding 7)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from meetings.tests.factories import MeetingFactory
from partnership.models import Membership
from partnership.tests.factories import PartnershipFactory, member_user
from partnership.tokens import token_hash
from surveys import selectors, services
from surveys.models import Invitation, Survey
from surveys.tests.factories import RespondentFactory, SurveyFactory

pytestmark = pytest.mark.django_db

TITLE = "Local security needs of municipalities in Dalmatia"
COPY = json.dumps([["Public spaces", [["Which spaces need work?", "Parks"]]]])


@pytest.fixture
def private_survey() -> Any:
    survey = SurveyFactory.create(partnership=PartnershipFactory.create(is_public=False), title=TITLE)
    Survey.objects.filter(pk=survey.pk).update(state=Survey.State.OPEN)
    survey.refresh_from_db()
    return survey


def invitation_of(survey: Survey) -> Invitation:
    respondent = RespondentFactory.create(survey=survey)
    services.invitations_send(survey=survey, by=None, respondents=[respondent])
    return Invitation.objects.get(respondent=respondent)


def holding(client: Client, survey: Survey, invitation: Invitation) -> Client:
    """The browser as the personal link leaves it: its session holds the invitation."""
    session = client.session
    session[selectors.session_key(survey, "invitation")] = invitation.pk
    session.save()
    return client


def after_answering(client: Client, pk: int) -> list[Any]:
    return [
        client.get(reverse("surveys:thanks", kwargs={"pk": pk})),
        client.post(reverse("surveys:download_copy", kwargs={"pk": pk}), {"copy": COPY}),
    ]


def test_a_guessed_survey_id_shows_neither_the_title_nor_thanks(client, private_survey) -> None:
    existing = after_answering(client, private_survey.pk)
    missing = after_answering(client, private_survey.pk + 1000)

    assert [page.status_code for page in existing] == [page.status_code for page in missing] == [404, 404]
    for page in existing:
        assert TITLE not in page.content.decode()
        assert "recorded" not in page.content.decode()


def test_a_respondent_who_has_not_answered_is_not_thanked(client, private_survey) -> None:
    holding(client, private_survey, invitation_of(private_survey))

    assert [page.status_code for page in after_answering(client, private_survey.pk)] == [404, 404]


def test_the_respondent_who_answered_is_thanked_and_gets_the_copy(client, private_survey) -> None:
    invitation = invitation_of(private_survey)
    Invitation.objects.filter(pk=invitation.pk).update(state=Invitation.State.SUBMITTED)
    holding(client, private_survey, invitation)

    thanks, copy = after_answering(client, private_survey.pk)

    assert thanks.status_code == 200
    assert TITLE in thanks.content.decode() and "are recorded" in thanks.content.decode()
    assert copy.status_code == 200
    assert TITLE in copy.content.decode().splitlines()[0]
    assert "Which spaces need work?: Parks" in copy.content.decode()
    # Another browser holding nothing is still refused.
    assert [page.status_code for page in after_answering(Client(), private_survey.pk)] == [404, 404]


def test_a_bot_caught_by_the_open_links_honeypot_is_thanked_all_the_same(client, private_survey) -> None:
    Survey.objects.filter(pk=private_survey.pk).update(open_link_enabled=True, open_link_token=token_hash("open"))

    caught = client.post(reverse("surveys:open_link", kwargs={"token": "open"}), {"website": "http://spam.example"})

    assert caught["Location"] == reverse("surveys:thanks", kwargs={"pk": private_survey.pk})
    assert client.get(caught["Location"]).status_code == 200


def register(client: Client, pk: int) -> Any:
    return client.get(reverse("meetings:register", kwargs={"pk": pk}))


def test_the_registration_page_answers_a_visitor_alike_for_any_meeting_id(client, partnership) -> None:
    public = MeetingFactory.create(partnership=partnership)
    members_only = MeetingFactory.create(partnership=PartnershipFactory.create(is_public=False), is_public=False)
    missing = members_only.pk + 1000

    answers = [register(client, pk) for pk in (public.pk, members_only.pk, missing)]

    assert [answer.status_code for answer in answers] == [302, 302, 302]
    assert all(answer["Location"].startswith(reverse("login")) for answer in answers)


def test_the_registration_page_answers_an_outsider_alike_for_a_hidden_and_a_missing_meeting(client) -> None:
    hidden = MeetingFactory.create(partnership=PartnershipFactory.create(is_public=False), is_public=False)
    client.force_login(member_user(PartnershipFactory.create(), Membership.Role.PARTNER))

    assert register(client, hidden.pk).status_code == register(client, hidden.pk + 1000).status_code == 404
