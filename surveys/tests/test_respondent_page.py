"""The respondent's side in the respondent's language: what the first page says before the first question, the
frame around the pages, the owner's name in the invitation, dates and numbers as the language writes them, and
the copy of the answers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from partnership.models import OutboundMessage
from surveys import selectors, services
from surveys.models import Answer, Invitation, Survey
from surveys.tests.factories import RespondentFactory, open_survey
from surveys.tests.test_views import follow_link, invited, url

pytestmark = pytest.mark.django_db

OWNER_HR = "Ministarstvo prostornoga uređenja, graditeljstva i državne imovine"
OWNER_IT = "Ministero croato della pianificazione territoriale"


@pytest.fixture
def live(built):
    Survey.objects.filter(pk=built.survey.pk).update(
        languages=["hr", "it"],
        closes_at=datetime(2027, 1, 4, 12, tzinfo=UTC),
        contact_email="ankete@mpgi.example",
        translations={
            "hr": {"title": "Upitnik o lokalnim sigurnosnim potrebama", "owner_name": OWNER_HR},
            "it": {"owner_name": OWNER_IT},
        },
    )
    built.survey = open_survey(Survey.objects.get(pk=built.survey.pk))
    return built


def test_the_first_page_says_how_long_until_when_and_whom_to_ask_in_croatian(client, live):
    _invitation, token = invited(live.survey, language="hr")
    follow_link(client, token)
    page = client.get(url("answer", live.survey)).content.decode()

    assert '<html lang="hr">' in page
    # Two pages; a short text, a multiple choice and four one-click questions: about two minutes.
    assert "2 stranice · oko 2 minute" in page
    assert "Otvoreno do 4. siječnja 2027." in page, "Croatian's own date, not “4 Siječanj 2027”"
    assert f'Pitanja: {OWNER_HR}, <a href="mailto:ankete@mpgi.example">ankete@mpgi.example</a>' in page


def test_the_first_page_in_italian_and_english_counts_in_their_words(client, live):
    _invitation, token = invited(live.survey, language="it")
    follow_link(client, token)
    page = client.get(url("answer", live.survey)).content.decode()
    assert "2 pagine · circa 2 minuti" in page
    assert "Aperto fino al 4 gennaio 2027" in page
    assert OWNER_IT in page

    english = Client()
    _invitation, token = invited(live.survey, language="en")
    follow_link(english, token)
    page = english.get(url("answer", live.survey)).content.decode()
    assert "2 pages · about 2 minutes" in page
    assert "Open until 4 January 2027" in page
    assert live.survey.owner.name in page, "no name given for English: the organisation's"


def test_the_frame_of_the_respondents_pages_is_theirs_without_the_portals_navigation(client, live):
    _invitation, token = invited(live.survey, language="hr")
    follow_link(client, token)
    pages = [client.get(url("answer", live.survey)).content.decode()]
    client.post(url("answer", live.survey), {"language": "hr"})
    pages.append(client.get(url("section", live.survey, number=1)).content.decode())
    client.post(url("section", live.survey, number=1), live.page1_post())
    client.post(url("section", live.survey, number=2), live.page2_post())
    pages.append(client.get(url("review", live.survey)).content.decode())
    client.post(url("review", live.survey))
    pages.append(client.get(url("thanks", live.survey)).content.decode())

    for page in pages:
        header = page.split("<header", 1)[1].split("</header>", 1)[0]
        assert OWNER_HR in header, "the frame names the survey's owner, in Croatian"
        for portal in (reverse("meetings:list"), reverse("login"), 'id="language-select"', "Main navigation"):
            assert portal not in page
        assert "Izjava o pristupačnosti" in page and "Obavijest o privatnosti" in page, "the footer in Croatian"
        assert "Accessibility statement" not in page and "Skip to main content" not in page


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("hr", f"{OWNER_HR} poziva vas da odgovorite"),
        ("it", f"{OWNER_IT} la invita a rispondere"),
        ("en", "invites you to answer a short survey"),
    ],
)
def test_the_invitation_and_its_date_are_in_the_respondents_language(live, language, expected):
    respondent = RespondentFactory.create(survey=live.survey, language=language)
    services.invitations_send(survey=live.survey, by=None, respondents=[respondent])
    invitation = Invitation.objects.get(respondent=respondent)
    mail = OutboundMessage.objects.get(key=f"survey:{live.survey.pk}:invitation:{invitation.pk}").body_text
    assert expected in mail
    assert live.survey.owner.name in mail or language != "en"
    assert live.survey.owner.name not in mail or language == "en", "no English owner in a translated mail"
    date = {"hr": "4. siječnja 2027.", "it": "4 gennaio 2027", "en": "4 January 2027"}[language]
    assert date in mail
    assert "ankete@mpgi.example" in mail, "whom to ask"


def test_the_copy_of_the_answers_is_titled_and_named_in_the_respondents_language(client, live):
    _invitation, token = invited(live.survey, language="hr")
    follow_link(client, token)
    client.post(url("answer", live.survey), {"language": "hr"})
    client.post(url("section", live.survey, number=1), live.page1_post())
    client.post(url("section", live.survey, number=2), live.page2_post(number="250.5"))
    client.post(url("review", live.survey))
    copy = selectors.answers_copy(live.survey, Answer.objects.get(question=live.number).response, "hr")
    assert ("How many staff?", "250,5") in copy[1][1], "a number as Croatian writes it"

    download = client.post(url("download_copy", live.survey), {"copy": '[["Urbanizam", [["Pitanje", "Da"]]]]'})
    assert download["Content-Disposition"] == f'attachment; filename="moji-odgovori-{live.survey.pk}.txt"'
    text = download.content.decode()
    assert text.splitlines()[0] == "Moji odgovori na „Upitnik o lokalnim sigurnosnim potrebama”"
    assert "== Urbanizam ==" in text


def test_the_length_counts_pages_and_minutes_in_two_queries(live, django_assert_num_queries):
    with django_assert_num_queries(2):
        length = selectors.survey_length(live.survey)
    assert length == (2, 2)
