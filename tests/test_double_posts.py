"""A repeated post creates one row (issue 12, finding 5): create forms carry a one-time token, spent with what they
created in one transaction; five identical posts sent at once, each on its own connection to PostgreSQL, make one."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from actions.models import Action, Comment
from actions.tests.factories import ActionFactory, organisation_of
from partnership.models import SpentFormToken
from partnership.tests.factories import PriorityAreaFactory
from partnership.tests.second_factor import VerifiedClient

TOKEN = re.compile(r'name="once" value="([^"]+)"')
PARALLEL = 5


def token_on(page: Any, posts_to: str) -> str:
    """The one-time token of the form on the page that posts to this address."""
    html = page.content.decode()
    form = re.search(rf'<form[^>]*action="{re.escape(posts_to)}"[^>]*>.*?</form>', html, re.S)
    found = TOKEN.search(form.group(0) if form else html)
    assert found is not None, "the form carries no one-time token"
    return found.group(1)


def at_once(post: Callable[[Client], Any], user: Any = None) -> list[int]:
    """Send the same post from PARALLEL browsers at the same moment; the status of each answer."""
    ready = threading.Barrier(PARALLEL)
    statuses: list[int] = []

    def send() -> None:
        browser = VerifiedClient()
        if user is not None:
            browser.force_login(user)
        ready.wait()
        try:
            statuses.append(post(browser).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


@pytest.fixture
def discussed(partnership: Any, partner: Any) -> Action:
    return ActionFactory.create(
        partnership=partnership, state=Action.State.UNDER_DISCUSSION, owner=organisation_of(partner)
    )


@pytest.mark.django_db(transaction=True)
def test_five_parallel_posts_of_a_comment_make_one_comment(uses_postgres, client, partner, discussed):
    client.force_login(partner)
    url = reverse("actions:comment", args=[discussed.pk])
    token = token_on(client.get(discussed.get_absolute_url()), url)
    statuses = at_once(lambda browser: browser.post(url, {"body": "Lighting first.", "once": token}), partner)
    assert statuses == [302] * PARALLEL
    assert Comment.objects.filter(action=discussed).count() == 1
    assert SpentFormToken.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_five_parallel_posts_of_a_new_draft_make_one_draft(uses_postgres, client, partnership, partner):
    area = PriorityAreaFactory.create(partnership=partnership)
    client.force_login(partner)
    url = reverse("actions:create", args=[partnership.slug])
    data = {
        "title": "Safer squares",
        "problem": "Squares are dark.",
        "priority_area": area.pk,
        "once": token_on(client.get(url), url),
    }
    statuses = at_once(lambda browser: browser.post(url, data), partner)
    assert statuses == [302] * PARALLEL
    assert Action.objects.filter(title="Safer squares").count() == 1
    # Posted again later, the form goes to the draft it created.
    draft = Action.objects.get(title="Safer squares")
    assert client.post(url, data)["Location"] == draft.get_absolute_url()
    assert Action.objects.filter(title="Safer squares").count() == 1


@pytest.mark.django_db(transaction=True)
def test_five_parallel_posts_of_public_feedback_make_one(uses_postgres, client, partnership):
    action = ActionFactory.create(partnership=partnership, state=Action.State.PUBLIC_FEEDBACK)
    url = reverse("actions:feedback", args=[action.pk])
    data = {"name": "Ana", "email": "ana@example.com", "body": "More light.", "website": ""}
    data["once"] = token_on(client.get(url), url)
    statuses = at_once(lambda browser: browser.post(url, data))
    assert statuses == [302] * PARALLEL
    assert Comment.objects.filter(action=action, is_public_feedback=True).count() == 1


@pytest.mark.django_db
def test_a_form_with_errors_keeps_the_text_and_its_token_and_a_new_form_gets_a_new_one(client, partner, discussed):
    client.force_login(partner)
    url = reverse("actions:comment", args=[discussed.pk])
    token = token_on(client.get(discussed.get_absolute_url()), url)
    refused = client.post(url, {"body": "  ", "once": token})
    assert refused.status_code == 400
    assert token_on(refused, url) == token, "the form shown again keeps its token"
    document_form = reverse("actions:document_upload", args=[discussed.pk])
    assert token_on(refused, document_form) != token, "another form of the page has its own"
    assert not SpentFormToken.objects.exists()
    assert client.post(url, {"body": "Lighting first.", "once": token}).status_code == 302
    assert client.post(url, {"body": "Lighting first.", "once": token}).status_code == 302
    assert Comment.objects.filter(action=discussed).count() == 1
    fresh = token_on(client.get(discussed.get_absolute_url()), url)
    assert fresh != token
    client.post(url, {"body": "And benches.", "once": fresh})
    assert Comment.objects.filter(action=discussed).count() == 2


@pytest.mark.django_db
def test_the_open_link_takes_one_response_per_browser_session(partnership):
    from partnership.tokens import token_hash
    from surveys.models import Question, Response, Survey
    from surveys.tests.factories import QuestionFactory, SectionFactory, SurveyFactory, open_survey

    survey = SurveyFactory.create(partnership=partnership, open_link_enabled=True, open_link_token=token_hash("o" * 40))
    question = QuestionFactory.create(section=SectionFactory.create(survey=survey), kind=Question.Kind.SHORT_TEXT)
    open_survey(survey)
    link = reverse("surveys:open_link", kwargs={"token": "o" * 40})
    browser = Client()
    for _ in range(3):
        assert browser.post(link, {"website": ""}).status_code == 302
        browser.post(reverse("surveys:answer", args=[survey.pk]), {"language": "en"})
        browser.post(reverse("surveys:section", args=[survey.pk, 1]), {f"q{question.pk}": "Lighting"})
        browser.post(reverse("surveys:review", args=[survey.pk]))
    assert Response.objects.filter(survey=survey).count() == 1
    assert Response.objects.get(survey=survey).submitted_at is not None
    again = browser.post(link, {"website": ""}, follow=True)
    assert again.redirect_chain[-1][0] == reverse("surveys:thanks", args=[survey.pk])
    assert Client().post(link, {"website": ""}).status_code == 302, "another browser may answer"
    assert Survey.objects.get(pk=survey.pk).open_link_enabled


@pytest.mark.django_db(transaction=True)
def test_five_parallel_uploads_of_a_meeting_document_make_one(uses_postgres, client, partnership, coordinator):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from meetings.models import MeetingDocument
    from meetings.tests.factories import MeetingFactory

    meeting = MeetingFactory.create(partnership=partnership)
    client.force_login(coordinator)
    url = reverse("meetings:document_upload", args=[meeting.pk])
    token = token_on(client.get(reverse("meetings:manage", args=[meeting.pk])), url)

    def upload(browser: Client) -> Any:
        data = {"title": "Agenda", "kind": "agenda", "visibility": "members", "once": token}
        return browser.post(url, {**data, "file": SimpleUploadedFile("agenda.txt", b"The agenda", "text/plain")})

    assert at_once(upload, coordinator) == [302] * PARALLEL
    assert MeetingDocument.objects.filter(meeting=meeting, title="Agenda").count() == 1


@pytest.mark.django_db(transaction=True)
def test_five_parallel_posts_of_a_new_respondent_make_one_and_no_error(uses_postgres, client, partnership):
    from surveys.models import Respondent
    from surveys.tests.factories import SurveyFactory, ministry_user

    ministry = ministry_user(partnership)
    survey = SurveyFactory.create(partnership=partnership, owner=ministry.person.organisation)
    client.force_login(ministry)
    url = reverse("surveys:respondent_add", args=[survey.pk])
    data = {"name": "Ana Kovač", "email": "ana@zadar.example", "language": "en", "once": token_on(client.get(url), url)}
    assert at_once(lambda browser: browser.post(url, data), ministry) == [302] * PARALLEL
    assert Respondent.objects.filter(survey=survey, email="ana@zadar.example").count() == 1


@pytest.mark.django_db
def test_beat_deletes_tokens_spent_longer_ago_than_form_token_days(settings, client, partner, discussed):
    from datetime import timedelta

    from django.utils import timezone

    from partnership import tasks

    assert (
        settings.CELERY_BEAT_SCHEDULE["spent-form-tokens-purge"]["task"] == "partnership.tasks.spent_form_tokens_purge"
    )
    client.force_login(partner)
    url = reverse("actions:comment", args=[discussed.pk])
    old, recent = (token_on(client.get(discussed.get_absolute_url()), url) for _ in range(2))
    client.post(url, {"body": "Lighting first.", "once": old})
    client.post(url, {"body": "And benches.", "once": recent})
    settings.FORM_TOKEN_DAYS = 30
    first = SpentFormToken.objects.order_by("pk")[0]
    SpentFormToken.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(days=31))

    assert tasks.spent_form_tokens_purge() == 1
    assert SpentFormToken.objects.count() == 1
    assert tasks.spent_form_tokens_purge() == 0
    # The recent one still turns a resent post into the first one's page.
    client.post(url, {"body": "And benches.", "once": recent})
    assert Comment.objects.filter(action=discussed).count() == 2


@pytest.mark.django_db
def test_a_letter_and_announcements_sent_twice_by_a_double_click_go_out_once(client, partnership, coordinator):
    from meetings.models import Registration
    from meetings.tests.factories import MeetingFactory, RegistrationFactory
    from partnership import jobs
    from partnership.models import Announcement, Job, OutboundMessage

    meeting = MeetingFactory.create(partnership=partnership)
    RegistrationFactory.create(meeting=meeting, state=Registration.State.REGISTERED)
    client.force_login(coordinator)
    write = reverse("meetings:write", args=[meeting.pk])
    letter = {
        "audience": "registered",
        "subject": "Slides",
        "body": "Bring them.",
        "once": token_on(client.get(write), write),
    }
    assert client.post(write, letter).status_code == 302
    job = Job.objects.get(key=f"meeting:{meeting.pk}:letter")
    jobs.job_run(job_id=job.pk)  # what the worker does, before the second click
    assert client.post(write, letter).status_code == 302
    assert Job.objects.filter(key=f"meeting:{meeting.pk}:letter").count() == 1
    assert OutboundMessage.objects.filter(key__startswith=f"meeting:{meeting.pk}:letter:").count() == 1

    for url in (reverse("announcement_new", args=[partnership.slug]), reverse("meetings:announce", args=[meeting.pk])):
        day = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
        posted = {
            "title": f"Twice {url}",
            "body": "Once.",
            "role": "",
            "expires_on": day,
            "once": token_on(client.get(url), url),
        }
        assert [client.post(url, posted).status_code for _ in range(2)] == [302, 302]
        assert Announcement.objects.filter(title=f"Twice {url}").count() == 1
