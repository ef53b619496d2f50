"""The access calls that open every survey page, and the tables the pages and services share."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.cache import SessionStore
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from partnership.access import SignInRequired
from surveys import answers, selectors, services, workflow
from surveys.models import Invitation, Question, Survey, SurveyExport
from surveys.tests.factories import RespondentFactory, open_survey

pytestmark = pytest.mark.django_db


def test_the_owner_and_the_coordinator_may_run_the_survey(survey, ministry, coordinator):
    for user in (ministry, coordinator):
        assert selectors.survey_access(user, survey.pk, need="run") == survey
        assert selectors.can_run(user, survey)


def test_a_member_who_does_not_own_the_survey_is_refused_with_the_reason(survey, partner):
    with pytest.raises(PermissionDenied, match=r"Only the survey's owner and the coordinators can do this\."):
        selectors.survey_access(partner, survey.pk, need="run")
    with pytest.raises(PermissionDenied):
        selectors.survey_access(partner, survey.pk, need="results")


def test_a_member_reads_published_results_but_does_not_run_the_survey(survey, partner):
    Survey.objects.filter(pk=survey.pk).update(state=Survey.State.RESULTS_PUBLISHED)
    assert selectors.survey_access(partner, survey.pk, need="results") == survey
    assert not selectors.can_run(partner, survey)
    with pytest.raises(PermissionDenied):
        selectors.survey_access(partner, survey.pk, need="run")


@pytest.mark.parametrize("need", ["run", "results"])
def test_an_outsider_and_a_missing_survey_get_the_same_404(survey, outsider, ministry, need):
    Survey.objects.filter(pk=survey.pk).update(state=Survey.State.RESULTS_PUBLISHED)
    with pytest.raises(Http404):
        selectors.survey_access(outsider, survey.pk, need=need)
    with pytest.raises(Http404):
        selectors.survey_access(ministry, survey.pk + 1000, need=need)


@pytest.mark.parametrize("need", ["run", "results"])
def test_an_anonymous_visitor_is_sent_to_log_in_before_anything_is_looked_up(survey, need, django_assert_num_queries):
    with django_assert_num_queries(0), pytest.raises(SignInRequired):
        selectors.survey_access(AnonymousUser(), survey.pk, need=need)


def test_the_pages_after_answering_open_only_to_the_browser_that_answered(survey):
    request = RequestFactory().get("/")
    request.session = SessionStore()
    for pk in (survey.pk, survey.pk + 1000):
        with pytest.raises(Http404):
            selectors.thanks_access(request, pk)
    request.session[selectors.session_key(survey, "open")] = True  # opened the open link, not yet answered
    with pytest.raises(Http404):
        selectors.thanks_access(request, survey.pk)
    request.session[selectors.session_key(survey, "thanked")] = True
    assert selectors.thanks_access(request, survey.pk) == survey


def test_an_export_is_reached_only_through_its_own_survey_and_once_done(built, ministry):
    survey = built.survey
    done = SurveyExport.objects.create(survey=survey, format="csv", state=SurveyExport.State.DONE)
    queued = SurveyExport.objects.create(survey=survey, format="csv")
    assert selectors.export_access(ministry, survey.pk, done.pk) == (survey, done)
    with pytest.raises(Http404):
        selectors.export_access(ministry, survey.pk, queued.pk)


def test_the_session_opened_by_a_personal_link_is_the_respondents_key(built):
    survey = open_survey(built.survey)
    respondent = RespondentFactory.create(survey=survey)
    services.invitations_send(survey=survey, by=None, respondents=[respondent])
    invitation = Invitation.objects.get(respondent=respondent)
    request: Any = RequestFactory().get("/")
    request.session = {}
    with pytest.raises(Http404):
        selectors.respondent_access(request, survey.pk)
    request.session[selectors.session_key(survey, "invitation")] = invitation.pk
    assert selectors.respondent_access(request, survey.pk) == (survey, invitation, None)


def test_a_guessed_token_is_not_found(built):
    with pytest.raises(Http404):
        selectors.invitation_access("A" * 43)
    with pytest.raises(Http404):
        selectors.open_link_access("A" * 43)


def test_every_state_has_its_transitions_and_every_button_leads_to_an_allowed_state():
    assert set(workflow.TRANSITIONS) == set(Survey.State.values)
    for from_state, to_state in workflow.TRANSITION_ACTIONS:
        assert workflow.transition_allowed(from_state, to_state)
    assert workflow.transitions_offered(Survey.State.CLOSED) == [
        (Survey.State.OPEN, "Reopen the survey"),
        (Survey.State.RESULTS_PUBLISHED, "Publish the results"),
    ]


def test_the_funnel_lists_each_stage_in_order_with_the_states_it_counts():
    assert [key for key, _label, _states in workflow.FUNNEL] == [
        "listed",
        "invited",
        "opened",
        "started",
        "submitted",
        "bounced",
        "opted_out",
    ]
    assert set(workflow.FUNNEL_STATES["invited"]) == set(Invitation.State.values)


def test_every_question_kind_has_its_validator():
    assert set(answers.VALIDATORS) == set(Question.Kind.values)
