"""Problems found in a QA walkthrough of the survey pages, each checked through the page where it showed."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from surveys import services
from surveys.models import Answer, Invitation, Question, Respondent, Response, Survey, SurveyExport
from surveys.tests.factories import RespondentFactory, SectionFactory, open_survey, question_with_choices

pytestmark = pytest.mark.django_db


def url(name: str, survey: Survey, **kwargs: Any) -> str:
    return reverse(f"surveys:{name}", kwargs={"pk": survey.pk, **kwargs})


def cells(page: str, label: str) -> list[str]:
    """The cells of the table row headed by this label."""
    row = re.search(rf"<th scope=\"row\" class=\"fw-normal\">{re.escape(label)}</th>(.*?)</tr>", page, re.S)
    assert row is not None, f"no row {label}"
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]


def test_compare_shows_a_ranking_question_with_points_and_average_score(client, survey, ministry):
    page = SectionFactory.create(survey=survey, position=0)
    ranking = question_with_choices(page, Question.Kind.RANKING, ["training", "funding", "police"])
    for order in (["funding", "training", "police"], ["funding", "police", "training"]):
        response = Response.objects.create(survey=survey, submitted_at=timezone.now())
        Answer.objects.create(response=response, question=ranking, value=order)
    client.force_login(ministry)

    compared = client.get(url("compare", survey)).content.decode()
    results = client.get(url("results", survey)).content.decode()

    for shown in (compared, results):
        assert "Points" in shown and "Average score" in shown
        # Funding is first twice: 3 points each, 6 over two answers, an average score of 3.
        assert cells(shown, "Funding")[:2] == ["6", "3.00"]
        assert cells(shown, "Training")[:2] == ["3", "1.50"]
    assert ">Responses<" not in compared


def test_a_list_with_a_language_the_survey_lacks_is_refused_naming_the_surveys_languages(client, survey, ministry):
    client.force_login(ministry)
    content = ("name,email,language\nAna Kovač,ana@zadar.example,hr\nLuca Rossi,luca@trieste.example,it\n").encode()
    page = client.post(url("upload", survey), {"file": SimpleUploadedFile("list.csv", content)}).content.decode()
    assert "Nothing was imported" in page
    assert "Row 3" in page
    assert "unknown language “it”: this survey is in en (English), hr (Hrvatski)" in page
    assert "Row 2" not in page
    assert "Confirm the import" not in page
    assert client.post(url("upload", survey), {"confirm": "1"})["Location"] == url("upload", survey)
    assert not Respondent.objects.exists()


def test_the_add_respondent_form_offers_only_the_surveys_languages(client, survey, ministry):
    client.force_login(ministry)
    page = client.get(url("respondent_add", survey)).content.decode()
    select = re.search(r'<select name="language".*?</select>', page, re.S)
    assert select is not None
    offered = re.findall(r'<option value="([^"]*)"', select.group(0))
    assert offered == ["en", "hr"]
    data = {"name": "Luca Rossi", "email": "luca@trieste.example", "language": "fr"}
    refused = client.post(url("respondent_add", survey), data)
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()
    assert "luca@trieste.example" in refused.content.decode(), "what was typed is kept"
    assert not Respondent.objects.exists()
    assert client.post(url("respondent_add", survey), {**data, "language": "hr"}).status_code == 302
    assert Respondent.objects.get().language == "hr"


def test_every_funnel_number_links_to_the_invitations_it_counts(client, built, ministry):
    survey = open_survey(built.survey)
    respondents = RespondentFactory.create_batch(7, survey=survey)
    services.invitations_send(survey=survey, by=None, respondents=respondents[:6])
    states = ["sent", "opened", "started", "submitted", "bounced", "opted_out"]
    for respondent, state in zip(respondents, states, strict=False):
        Invitation.objects.filter(respondent=respondent).update(state=state)
    client.force_login(ministry)
    page = client.get(url("manage", survey)).content.decode()
    funnel = re.search(r'<table class="table table-sm funnel">.*?</table>', page, re.S)
    assert funnel is not None
    rows = re.findall(r'<th scope="row"[^>]*>(.*?)</th>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>', funnel.group(0))
    shown = {re.sub(r"<[^>]+>", "", header): cell for header, cell, _rate in rows}
    rates = {re.sub(r"<[^>]+>", "", header): re.sub(r"<[^>]+>.*", "", rate).strip() for header, _cell, rate in rows}
    assert shown["On the list"] == "7", "respondents on the list, not a list of invitations: no link"
    assert rates == {
        "On the list": "–",
        "Invited": "86 %",
        "Opened": "50 %",
        "Started": "33 %",
        "Submitted": "17 %",
        "Bounced": "17 %",
        "Opted out": "17 %",
    }
    linked = {}
    for header, cell in shown.items():
        link = re.fullmatch(r'<a href="(\?stage=\w+)"[^>]*>(\d+)</a>', cell)
        if link:
            listed = client.get(url("manage", survey) + link.group(1)).content.decode()
            linked[header] = (int(link.group(2)), listed.count("@municipality.example</div>"))
    assert linked == {
        "Invited": (6, 6),
        "Opened": (3, 3),
        "Started": (2, 2),
        "Submitted": (1, 1),
        "Bounced": (1, 1),
        "Opted out": (1, 1),
    }
    # The old links and any unknown state list every invitation rather than none.
    assert client.get(url("manage", survey), {"state": "invited"}).content.decode().count("@municipality.example<") == 6


def test_a_filtered_response_rate_counts_only_those_invited_in_the_same_selection(client, built, ministry):
    survey = open_survey(built.survey)
    Survey.objects.filter(pk=survey.pk).update(anonymity=Survey.Anonymity.NAMED)
    zadar = RespondentFactory.create_batch(2, survey=survey, region="Zadar", kind=Respondent.Kind.CITY)
    split = RespondentFactory.create_batch(6, survey=survey, region="Split", kind=Respondent.Kind.MUNICIPALITY)
    services.invitations_send(survey=survey, by=None, respondents=[*zadar, *split])
    response = services.response_start(
        survey=survey, invitation=Invitation.objects.get(respondent=zadar[0]), language="en"
    )
    services.response_save_section(response=response, section=built.page1, data=built.page1_data(), position=0)
    services.response_save_section(response=response, section=built.page2, data=built.page2_data(), position=1)
    services.response_submit(response=response)
    client.force_login(ministry)

    def rate(**filters: str) -> str:
        page = client.get(url("results", survey), filters).content.decode()
        line = re.search(r"submitted response.*?</p>", page, re.S)
        assert line is not None
        return " ".join(re.sub(r"<[^>]+>", "", line.group(0)).split())

    assert rate() == "submitted response · 8 invited · response rate 12 %"
    assert rate(region="Zadar") == "submitted response · 2 invited · response rate 50 %"
    assert rate(kind=Respondent.Kind.CITY) == "submitted response · 2 invited · response rate 50 %"
    assert rate(region="Split") == "submitted responses · 6 invited · response rate 0 %"
    assert rate(region="Zadar", kind=Respondent.Kind.MUNICIPALITY) == "submitted responses", "nobody invited: no rate"


def test_enter_in_a_field_saves_and_goes_on_rather_than_back(client, built):
    survey = open_survey(built.survey)
    respondent = RespondentFactory.create(survey=survey)
    services.invitations_send(survey=survey, by=None, respondents=[respondent])
    invitation = Invitation.objects.get(respondent=respondent)
    services.response_start(survey=survey, invitation=invitation, language="en")
    session = client.session
    session[f"survey:{survey.pk}:invitation"] = invitation.pk
    session.save()
    assert client.post(url("section", survey, number=1), built.page1_post()).status_code == 302

    page = client.get(url("section", survey, number=2)).content.decode()
    form = re.search(r'<form method="post" novalidate>.*?</form>', page, re.S)
    assert form is not None
    buttons = re.findall(r'<button type="submit" name="(\w+)"[^>]*>([^<]*)</button>', form.group(0))
    # A browser submits the form on Enter with its first submit button (HTML's implicit submission).
    assert buttons[0] == ("next", "Save and review")
    visible = [name for name, _label in buttons[1:]]
    assert visible == ["back", "next", "leave"], "the visible buttons keep their order"
    assert 'tabindex="-1" aria-hidden="true"' in form.group(0).split("</button>", 1)[0]

    name, _label = buttons[0]
    pressed_enter = client.post(url("section", survey, number=2), {**built.page2_post(), name: "1"})
    assert pressed_enter["Location"] == url("review", survey)


def state_buttons(client: Any, survey: Survey) -> list[tuple[str, str]]:
    """The buttons that move the survey on, last on the manage page: a button, or a link to confirm first."""
    page = client.get(url("manage", survey)).content.decode()
    section = page[page.index('id="survey-state"') :]
    buttons = re.findall(r'<button type="submit" name="to_state" value="(\w+)"[^>]*>([^<]*)</button>', section)
    links = re.findall(r'href="/surveys/\d+/state/(\w+)/">([^<]*)…</a>', section)
    return buttons + links


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("en", ["Open the survey", "Close the survey", "Reopen the survey", "Publish the results"]),
        ("hr", ["Otvori upitnik", "Zatvori upitnik", "Ponovno otvori upitnik", "Objavi rezultate"]),
        ("it", ["Apri il questionario", "Chiudi il questionario", "Riapri il questionario", "Pubblica i risultati"]),
    ],
)
def test_the_survey_state_buttons_name_their_action(client, built, ministry, language, labels):
    client.force_login(ministry)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    survey = built.survey
    opening, closing, reopening, publishing = labels
    assert state_buttons(client, survey) == [("open", opening)]
    client.post(url("manage", survey), {"to_state": "open"})
    assert state_buttons(client, survey) == [("closed", closing)]
    client.post(reverse("surveys:transition", kwargs={"pk": survey.pk, "to_state": "closed"}))
    assert state_buttons(client, survey) == [("open", reopening), ("results_published", publishing)]
    client.post(reverse("surveys:transition", kwargs={"pk": survey.pk, "to_state": "results_published"}))
    assert state_buttons(client, survey) == []


def test_the_owners_pages_show_the_survey_title_in_the_owners_language(client, built, ministry):
    survey = built.survey
    export = SurveyExport.objects.create(survey=survey, format=SurveyExport.Format.CSV, requested_by=ministry)
    SurveyExport.objects.filter(pk=export.pk).update(created_at=datetime(2026, 11, 29, 19, 9, tzinfo=UTC))
    client.force_login(ministry)
    client.post(reverse("set_language"), {"language": "hr", "next": "/"})
    pages = [url(name, survey) for name in ("manage", "exports", "upload", "respondent_add", "preview", "compare")]
    for address in [*pages, reverse("surveys:list")]:
        page = client.get(address).content.decode()
        assert "Upitnik o lokalnim sigurnosnim potrebama" in page, address
        assert survey.title not in page, address
    assert "Sigurnost se uzima u obzir pri planiranju." in client.get(url("preview", survey)).content.decode()

    exports = client.get(url("exports", survey)).content.decode()
    assert "29. 11. 2026. 20:09" in exports  # as Croatian writes it, in the site's time zone (Brussels)
