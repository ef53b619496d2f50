"""The ministry's page: counts that say what they count, rates, the dates, a deadline it can extend, and closing
the survey confirmed on a page of its own, offered after everything else."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from partnership.models import AuditLog
from partnership.tests.factories import PartnershipFactory
from surveys import services
from surveys.models import Invitation, Survey
from surveys.tests.factories import RespondentFactory, ministry_user, open_survey

pytestmark = pytest.mark.django_db


def url(name: str, survey: Survey, **kwargs: Any) -> str:
    return reverse(f"surveys:{name}", kwargs={"pk": survey.pk, **kwargs})


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture
def running(built):
    """41 respondents on the list, 40 of them invited, 10 submitted: the issue's numbers."""
    survey = open_survey(built.survey)
    respondents = RespondentFactory.create_batch(41, survey=survey)
    services.invitations_send(survey=survey, by=None, respondents=respondents[:40])
    submitted = Invitation.objects.filter(survey=survey).order_by("pk")[:10]
    Invitation.objects.filter(pk__in=[i.pk for i in submitted]).update(state=Invitation.State.SUBMITTED)
    return survey


def test_invited_counts_those_sent_an_invitation_with_rates_and_a_chart(client, running, ministry):
    client.force_login(ministry)
    page = client.get(url("manage", running)).content.decode()

    funnel = page[page.index('id="funnel-heading"') : page.index('id="respondents-heading"')]
    cells = r'<th scope="row"[^>]*>(.*?)</th>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>'
    rows = {text(header): (text(count), text(rate)) for header, count, rate in re.findall(cells, funnel, re.S)}
    assert rows["On the list"] == ("41", "–")
    assert rows["Invited"] == ("40", "98 % of the list")
    assert rows["Submitted"] == ("10", "25 %")
    assert rows["Opened"] == ("10", "25 %")
    assert "Invited: sent an invitation with a personal link." in funnel
    svg = re.search(r"<svg .*?</svg>", funnel, re.S)
    assert svg is not None and "<title>Submitted: 10 (25 %)</title>" in svg.group(0)
    assert "<title>Invited: 40 (98 %)</title>" in svg.group(0)


def test_the_page_shows_the_dates_and_close_comes_last_as_a_link_to_confirm(client, running, ministry):
    Survey.objects.filter(pk=running.pk).update(closes_at=timezone.now() + timedelta(days=10))
    client.force_login(ministry)
    page = client.get(url("manage", running)).content.decode()

    dates = text(page[page.index('id="survey-dates">') + 18 : page.index('id="funnel-heading"')])
    assert dates.startswith("Opened ") and "Closes " in dates and "Extend the deadline" in dates
    close = page.index(url("transition", running, to_state="closed"))
    assert close > page.index('id="respondents-heading"'), "after the invitations, not the first button"
    assert 'name="to_state" value="closed"' not in page


def test_closing_asks_first_and_only_the_confirmation_closes(client, running, ministry):
    client.force_login(ministry)
    refused = client.post(url("manage", running), {"to_state": "closed"}, follow=True)
    assert "Confirm this on its own page" in refused.content.decode()
    running.refresh_from_db()
    assert running.state == Survey.State.OPEN

    confirm = client.get(url("transition", running, to_state="closed")).content.decode()
    assert "Close the survey?" in confirm
    assert "ends the personal links of 30 respondents who have not answered" in text(confirm)
    running.refresh_from_db()
    assert running.state == Survey.State.OPEN, "looking at the confirmation changes nothing"

    done = client.post(url("transition", running, to_state="closed"), follow=True)
    assert "The survey is now “Closed”." in done.content.decode()
    running.refresh_from_db()
    assert running.state == Survey.State.CLOSED
    assert running.transitions.last().by == ministry
    # Not a move the survey can make now, nor one that needs no confirmation: not found.
    assert client.get(url("transition", running, to_state="closed")).status_code == 404
    assert client.get(url("transition", running, to_state="open")).status_code == 404


def test_the_deadline_is_extended_and_recorded(client, running, ministry):
    first = timezone.now() + timedelta(days=3)
    Survey.objects.filter(pk=running.pk).update(closes_at=first)
    client.force_login(ministry)
    later = timezone.localtime(first + timedelta(days=7)).replace(second=0, microsecond=0)

    response = client.post(url("deadline", running), {"closes_at": later.strftime("%Y-%m-%dT%H:%M")})

    assert response.status_code == 302
    running.refresh_from_db()
    assert running.closes_at == later
    change = running.transitions.last()
    assert (change.from_state, change.to_state, change.by) == ("open", "open", ministry)
    assert later.isoformat() in change.reason
    assert AuditLog.objects.filter(verb="extend", object_id=str(running.pk)).exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("next tuesday", "Enter a valid date/time."),
        ("2020-01-01T10:00", "Choose a closing date in the future."),
        ("", "This field is required."),
    ],
)
def test_a_wrong_deadline_is_said_on_the_form_which_keeps_what_was_typed(client, running, ministry, typed, message):
    client.force_login(ministry)
    response = client.post(url("deadline", running), {"closes_at": typed})

    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert f'value="{typed}"' in page if typed else 'name="closes_at"' in page
    running.refresh_from_db()
    assert running.closes_at is None


def test_a_deadline_before_the_current_one_is_refused(client, running, ministry):
    current = timezone.now() + timedelta(days=10)
    Survey.objects.filter(pk=running.pk).update(closes_at=current)
    client.force_login(ministry)
    earlier = timezone.localtime(current - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")

    response = client.post(url("deadline", running), {"closes_at": earlier})

    assert response.status_code == 400
    assert "Choose a date after the current closing date" in response.content.decode()


def test_only_the_owner_and_coordinators_may_extend_or_close(client, running, partner, coordinator):
    later = (timezone.localtime() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    client.force_login(partner)
    assert client.post(url("deadline", running), {"closes_at": later}).status_code == 403
    assert client.post(url("transition", running, to_state="closed")).status_code == 403
    client.force_login(ministry_user(PartnershipFactory()))
    assert client.post(url("deadline", running), {"closes_at": later}).status_code == 404
    assert client.post(url("transition", running, to_state="closed")).status_code == 404
    running.refresh_from_db()
    assert (running.state, running.closes_at) == (Survey.State.OPEN, None)
    client.force_login(coordinator)
    assert client.post(url("deadline", running), {"closes_at": later}).status_code == 302
