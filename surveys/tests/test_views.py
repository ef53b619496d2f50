"""Survey pages: respondents' personal and open links, answering, and the owner's pages."""

from __future__ import annotations

import csv
import html
import io
import re
from typing import Any

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from partnership.models import OutboundMessage
from partnership.tokens import token_hash
from surveys import services
from surveys.models import Answer, Invitation, Question, Respondent, Response, Survey
from surveys.tests.factories import QuestionFactory, RespondentFactory, SurveyFactory, open_survey

pytestmark = pytest.mark.django_db
LINK = re.compile(r"/surveys/s/(?P<token>[A-Za-z0-9_-]+)/")


def url(name: str, survey: Survey, **kwargs: Any) -> str:
    return reverse(f"surveys:{name}", kwargs={"pk": survey.pk, **kwargs})


def invited(survey: Survey, **fields: Any) -> tuple[Invitation, str]:
    """Invite one new respondent; returns the invitation and the token of its personal link."""
    respondent = RespondentFactory.create(survey=survey, **fields)
    services.invitations_send(survey=survey, by=None, respondents=[respondent])
    invitation = Invitation.objects.get(respondent=respondent)
    message = OutboundMessage.objects.get(key=f"survey:{survey.pk}:invitation:{invitation.pk}")
    link = LINK.search(message.body_text)
    assert link is not None
    return invitation, link.group("token")


def follow_link(client: Client, token: str) -> Any:
    return client.get(reverse("surveys:personal_link", kwargs={"token": token}))


def started(client: Client, survey: Survey, token: str, language: str = "en") -> Any:
    assert follow_link(client, token).status_code == 302
    return client.post(url("answer", survey), {"language": language})


def checked(html: str, name: str, value: str) -> bool:
    """Whether the input with this name and value is checked in the page."""
    for tag in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in tag and f'value="{value}"' in tag:
            return "checked" in tag
    raise AssertionError(f"no input {name}={value}")


def answered_in_browser(client: Client, built: Any, token: str) -> Any:
    started(client, built.survey, token)
    assert client.post(url("section", built.survey, number=1), built.page1_post()).status_code == 302
    assert client.post(url("section", built.survey, number=2), built.page2_post()).status_code == 302
    return client.post(url("review", built.survey))


@pytest.fixture
def live(built):
    """The built survey, open."""
    built.survey = open_survey(built.survey)
    return built


# Personal links -----------------------------------------------------------------------------


def test_a_personal_link_opens_a_session_and_leaves_the_token_out_of_the_address(client, live):
    invitation, token = invited(live.survey)
    response = follow_link(client, token)
    assert response.status_code == 302
    assert response["Location"] == url("answer", live.survey)
    assert token not in response["Location"]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert live.survey.title in page.content.decode()
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.OPENED


def test_answer_pages_without_a_link_are_not_found(client, live):
    assert client.get(url("answer", live.survey)).status_code == 404
    assert client.get(url("section", live.survey, number=1)).status_code == 404
    assert client.get(url("review", live.survey)).status_code == 404


def test_a_guessed_token_and_the_token_of_a_closed_survey_answer_the_same_404(client, live, ministry):
    _invitation, token = invited(live.survey)
    guessed_token = "A" * 43
    guessed = follow_link(client, guessed_token)
    ended = SurveyFactory(partnership=live.survey.partnership, owner=live.survey.owner)
    QuestionFactory.create(section__survey=ended)
    ended = open_survey(ended)
    _other, ended_token = invited(ended)
    ended.closes_at = timezone.now()
    ended.save()
    past_end = follow_link(client, ended_token)
    services.survey_transition(survey=live.survey, to_state=Survey.State.CLOSED, by=ministry)
    closed = follow_link(client, token)
    opt_out = client.get(reverse("surveys:opt_out", kwargs={"token": token}))

    assert guessed.status_code == past_end.status_code == closed.status_code == opt_out.status_code == 404

    def page(response: Any, path: str) -> str:
        """The page without what differs on every page anyway: the echoed address and the CSRF mask."""
        text = response.content.decode().replace(path, "/requested/")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)

    link = reverse("surveys:personal_link", kwargs={"token": "TOKEN"})
    pages = {
        page(guessed, link.replace("TOKEN", guessed_token)),
        page(past_end, link.replace("TOKEN", ended_token)),
        page(closed, link.replace("TOKEN", token)),
        page(opt_out, reverse("surveys:opt_out", kwargs={"token": token})),
    }
    assert len(pages) == 1
    assert "Page not found" in pages.pop()


def test_after_submission_the_link_shows_the_thanks_with_a_copy_of_the_answers(client, live):
    invitation, token = invited(live.survey)
    thanks = answered_in_browser(client, live, token)
    assert thanks["Location"] == url("thanks", live.survey)
    page = client.get(thanks["Location"]).content.decode()
    assert "Thank you for your answers" in page
    assert "Which spaces need work?" in page and "Parks, Schools" in page

    later = Client()
    assert follow_link(later, token)["Location"] == url("answer", live.survey)
    again = later.get(url("answer", live.survey), follow=True)
    assert again.redirect_chain[-1][0] == url("thanks", live.survey)
    assert "Parks, Schools" in again.content.decode(), "named and confidential surveys keep showing the copy"
    assert later.post(url("answer", live.survey), {"language": "en"})["Location"] == url("thanks", live.survey)
    assert later.get(url("section", live.survey, number=1))["Location"] == url("thanks", live.survey)
    assert Response.objects.get().answers.count() == 5
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.SUBMITTED
    assert Response.objects.get().invitation == invitation, "a confidential survey keeps the link"


def test_an_anonymous_copy_is_shown_only_right_after_submission_and_can_be_downloaded(client, live):
    Survey.objects.filter(pk=live.survey.pk).update(anonymity=Survey.Anonymity.ANONYMOUS)
    _invitation, token = invited(live.survey)
    answered_in_browser(client, live, token)
    page = client.get(url("thanks", live.survey)).content.decode()
    assert "this is the only time you can see or download your answers" in page
    assert "Parks, Schools" in page
    copy = re.search(r'name="copy" value="([^"]*)"', page).group(1)
    download = client.post(url("download_copy", live.survey), {"copy": html.unescape(copy)})
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    text = download.content.decode()
    assert "Which spaces need work?: Parks, Schools" in text
    assert "== Urban planning ==" in text

    assert "Parks, Schools" not in client.get(url("thanks", live.survey)).content.decode()
    later = Client()
    follow_link(later, token)
    page = later.get(url("answer", live.survey), follow=True).content.decode()
    assert "Thank you for your answers" in page
    assert "Parks, Schools" not in page
    assert Response.objects.get().invitation is None


def test_a_new_browser_with_the_same_link_resumes_at_the_saved_page_with_the_answers(client, live):
    _invitation, token = invited(live.survey)
    started(client, live.survey, token)
    saved = client.post(url("section", live.survey, number=1), {**live.page1_post(), "leave": "1"})
    assert "Your answers are saved" in saved.content.decode()

    other = Client()
    follow_link(other, token)
    welcome = other.get(url("answer", live.survey)).content.decode()
    assert "Welcome back" in welcome
    resumed = other.post(url("answer", live.survey), {"language": "en"})
    assert resumed["Location"] == url("section", live.survey, number=2)
    page = other.get(url("section", live.survey, number=1)).content.decode()
    assert checked(page, f"q{live.likert.pk}", "4")
    assert not checked(page, f"q{live.likert.pk}", "5")
    assert checked(page, f"q{live.single.pk}", "some")
    assert checked(page, f"q{live.yes_no.pk}", "no")
    assert Response.objects.count() == 1


@pytest.mark.parametrize("anonymity", [Survey.Anonymity.CONFIDENTIAL, Survey.Anonymity.ANONYMOUS])
def test_submitting_from_two_tabs_makes_one_response(live, anonymity):
    Survey.objects.filter(pk=live.survey.pk).update(anonymity=anonymity)
    invitation, token = invited(live.survey)
    first, second = Client(), Client()
    started(first, live.survey, token)
    first.post(url("section", live.survey, number=1), live.page1_post())
    first.post(url("section", live.survey, number=2), live.page2_post())
    follow_link(second, token)
    assert second.get(url("review", live.survey)).status_code == 200
    assert first.get(url("review", live.survey)).status_code == 200

    assert first.post(url("review", live.survey))["Location"] == url("thanks", live.survey)
    assert second.post(url("review", live.survey))["Location"] in (
        url("thanks", live.survey),
        url("answer", live.survey),
    )
    assert second.get(url("answer", live.survey), follow=True).redirect_chain[-1][0] == url("thanks", live.survey)
    assert Response.objects.filter(survey=live.survey).count() == 1
    assert Response.objects.get().submitted_at is not None
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.SUBMITTED


def test_a_validation_message_stands_next_to_its_field_and_keeps_what_was_typed(client, live):
    _invitation, token = invited(live.survey)
    started(client, live.survey, token)
    client.post(url("section", live.survey, number=1), live.page1_post())
    page = client.post(url("section", live.survey, number=2), live.page2_post(multiple=["parks"], number="about forty"))
    assert page.status_code == 200
    html = page.content.decode()
    block = re.search(rf'<div class="question mb-4" id="question-{live.number.pk}">(.*?)\n</div>', html, re.S)
    assert block is not None
    assert "Enter a number." in block.group(1)
    assert 'value="about forty"' in block.group(1)
    assert "Enter a number." not in html.replace(block.group(0), "")
    assert checked(html, f"q{live.multiple.pk}", "parks")
    assert not checked(html, f"q{live.multiple.pk}", "schools")
    assert not Answer.objects.filter(question__section=live.page2).exists()


def test_a_required_answer_left_empty_is_reported_on_its_page(client, live):
    _invitation, token = invited(live.survey)
    started(client, live.survey, token)
    page = client.post(url("section", live.survey, number=1), live.page1_post(likert="", yes_no="yes"))
    html = page.content.decode()
    assert html.count("This question needs an answer.") == 2, "the likert and the question shown on yes"
    assert checked(html, f"q{live.yes_no.pk}", "yes")


def test_the_respondent_chooses_croatian(client, live):
    _invitation, token = invited(live.survey, language="hr")
    follow_link(client, token)
    start = client.get(url("answer", live.survey)).content.decode()
    assert "Upitnik o lokalnim sigurnosnim potrebama" in start
    assert checked(start, "language", "hr")
    assert client.post(url("answer", live.survey), {"language": "hr"})["Location"] == url(
        "section", live.survey, number=1
    )
    page = client.get(url("section", live.survey, number=1)).content.decode()
    assert "Stranica 1 od 2" in page
    assert "Urbanizam" in page
    assert "Sigurnost se uzima u obzir pri planiranju." in page
    assert "Spremi i nastavi" in page
    assert "Page 1 of 2" not in page
    assert Response.objects.get().language == "hr"
    client.post(url("section", live.survey, number=1), live.page1_post())
    review = client.get(url("review", live.survey)).content.decode()
    assert "Koji prostori trebaju poboljšanja?" in review, "the missing answer, in Croatian"


# Open link and opting out -------------------------------------------------------------------


@pytest.fixture
def open_link(live):
    raw = "open-link-token-for-tests"
    Survey.objects.filter(pk=live.survey.pk).update(open_link_enabled=True, open_link_token=token_hash(raw))
    return reverse("surveys:open_link", kwargs={"token": raw})


def test_the_open_link_starts_an_anonymous_response_that_resumes_in_the_same_browser(client, live, open_link):
    assert client.get(open_link).status_code == 200
    assert client.post(open_link, {"website": ""})["Location"] == url("answer", live.survey)
    assert client.post(url("answer", live.survey), {"language": "en"})["Location"] == url(
        "section", live.survey, number=1
    )
    client.post(url("section", live.survey, number=1), live.page1_post())
    assert "Welcome back" in client.get(url("answer", live.survey)).content.decode()
    assert client.post(url("answer", live.survey), {"language": "en"})["Location"] == url(
        "section", live.survey, number=2
    )
    client.post(url("section", live.survey, number=2), live.page2_post())
    assert client.post(url("review", live.survey))["Location"] == url("thanks", live.survey)
    response = Response.objects.get()
    assert response.via_open_link and response.invitation is None and response.submitted_at is not None
    assert client.get(url("answer", live.survey))["Location"] == url("thanks", live.survey)


def test_the_open_link_ignores_bots_that_fill_the_honeypot(client, live, open_link):
    assert client.post(open_link, {"website": "http://spam.example"})["Location"] == url("thanks", live.survey)
    assert client.get(url("answer", live.survey)).status_code == 404
    assert not Response.objects.exists()


def test_the_open_link_limits_responses_per_address(live, open_link):
    for _ in range(20):
        assert Client(REMOTE_ADDR="203.0.113.7").post(open_link, {"website": ""}).status_code == 302
    refused = Client(REMOTE_ADDR="203.0.113.7").post(open_link, {"website": ""})
    assert refused.status_code == 429
    assert "Too many responses" in refused.content.decode()
    assert Client(REMOTE_ADDR="198.51.100.2").post(open_link, {"website": ""}).status_code == 302


def test_a_disabled_or_wrong_open_link_is_not_found(client, live, open_link):
    assert client.get(reverse("surveys:open_link", kwargs={"token": "wrong"})).status_code == 404
    Survey.objects.filter(pk=live.survey.pk).update(open_link_enabled=False)
    assert client.get(open_link).status_code == 404


def test_opting_out_stops_the_reminders(client, live):
    invitation, token = invited(live.survey)
    staying, _token = invited(live.survey)
    opt_out = reverse("surveys:opt_out", kwargs={"token": token})
    assert "Stop the e-mails" in client.get(opt_out).content.decode()
    assert "no more e-mails" in client.post(opt_out).content.decode()
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.OPTED_OUT
    later = timezone.now() + timezone.timedelta(days=live.survey.reminder_after_days, minutes=1)
    assert services.reminders_sweep(now=later) == 1
    assert OutboundMessage.objects.filter(key__contains=":reminder:").get().to_email == staying.respondent.email


# Owner pages --------------------------------------------------------------------------------

OWNER_PAGES = ["manage", "upload", "respondent_add", "preview", "results", "compare", "export", "codebook"]


@pytest.mark.parametrize("name", OWNER_PAGES)
def test_owner_pages_open_to_the_ministry_and_the_coordinator_only(client, live, ministry, coordinator, partner, name):
    address = url(name, live.survey)
    for user in (ministry, coordinator):
        client.force_login(user)
        assert client.get(address).status_code == 200, user
    client.force_login(partner)
    assert client.get(address).status_code == 403
    client.logout()
    assert client.get(address).status_code == 302


@pytest.mark.parametrize("name", OWNER_PAGES)
def test_owner_pages_are_not_found_for_an_outsider(client, live, outsider, name):
    Survey.objects.filter(pk=live.survey.pk).update(state=Survey.State.RESULTS_PUBLISHED)
    client.force_login(outsider)
    assert client.get(url(name, live.survey)).status_code == 404


def submitted_response(survey: Survey, built: Any, *, region: str, kind: str = Respondent.Kind.CITY) -> Response:
    invitation, _token = invited(survey, region=region, kind=kind)
    response = services.response_start(survey=survey, invitation=invitation, language="en")
    services.response_save_section(response=response, section=built.page1, data=built.page1_data(), position=0)
    services.response_save_section(response=response, section=built.page2, data=built.page2_data(), position=1)
    return services.response_submit(response=response)


def test_members_read_published_results_with_small_groups_hidden(client, live, ministry, partner):
    for index in range(6):
        submitted_response(live.survey, live, region="Zadar" if index < 2 else "Split")
    client.force_login(partner)
    assert client.get(url("results", live.survey)).status_code == 403
    services.survey_transition(survey=live.survey, to_state=Survey.State.CLOSED, by=ministry)
    services.survey_transition(survey=live.survey, to_state=Survey.State.RESULTS_PUBLISHED, by=ministry)

    everyone = client.get(url("results", live.survey)).content.decode()
    assert "6 submitted responses" in everyone
    assert "Hidden: fewer than 5" not in everyone
    small = client.get(url("results", live.survey), {"region": "Zadar"}).content.decode()
    assert "Hidden: fewer than 5" in small
    assert client.get(url("manage", live.survey)).status_code == 403
    assert client.get(url("export", live.survey)).status_code == 403


def test_the_owner_of_a_named_survey_sees_small_groups(client, live, ministry):
    Survey.objects.filter(pk=live.survey.pk).update(anonymity=Survey.Anonymity.NAMED)
    submitted_response(live.survey, live, region="Zadar")
    client.force_login(ministry)
    page = client.get(url("results", live.survey), {"region": "Zadar"}).content.decode()
    assert "Hidden: fewer than 5" not in page
    assert "1 submitted response" in page


def test_the_owner_opens_the_survey_and_sends_the_invitations_from_the_manage_page(client, built, ministry):
    RespondentFactory.create_batch(3, survey=built.survey)
    client.force_login(ministry)
    page = client.get(url("manage", built.survey)).content.decode()
    assert "Send invitations to 3 new respondents" in page
    client.post(url("manage", built.survey), {"invite": "1"})
    assert not Invitation.objects.exists(), "not before the survey opens"
    client.post(url("manage", built.survey), {"to_state": "open"})
    client.post(url("manage", built.survey), {"invite": "1"})
    assert Invitation.objects.count() == 3
    assert OutboundMessage.objects.filter(key__startswith=f"survey:{built.survey.pk}:invitation:").count() == 3
    page = client.get(url("manage", built.survey), follow=True).content.decode()
    assert "Send invitations" not in page


def test_a_long_respondent_list_is_invited_by_a_task_after_the_request(
    client, built, ministry, monkeypatch, django_capture_on_commit_callbacks
):
    from surveys.services import invitations

    monkeypatch.setattr(invitations, "INVITE_IN_REQUEST_LIMIT", 2)
    survey = open_survey(built.survey)
    RespondentFactory.create_batch(3, survey=survey)
    client.force_login(ministry)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url("manage", survey), {"invite": "1"}, follow=True)

    assert "The invitations to 3 respondents are being written and sent" in response.content.decode()
    assert len(callbacks) >= 1
    assert Invitation.objects.filter(survey=survey).count() == 3  # the task ran (eagerly, here)


def test_a_long_list_is_not_sent_before_the_survey_opens(client, built, ministry, monkeypatch):
    from surveys.services import invitations

    monkeypatch.setattr(invitations, "INVITE_IN_REQUEST_LIMIT", 2)
    RespondentFactory.create_batch(3, survey=built.survey)
    client.force_login(ministry)

    response = client.post(url("manage", built.survey), {"invite": "1"}, follow=True)

    assert "Open the survey before sending invitations." in response.content.decode()
    assert not Invitation.objects.exists()


def test_the_owner_adds_a_respondent_and_a_duplicate_is_refused_on_the_email(client, survey, ministry):
    client.force_login(ministry)
    data = {"name": "Ana Kovač", "email": "Ana@Zadar.example", "organisation": "Grad Zadar", "language": "hr"}
    assert client.post(url("respondent_add", survey), data)["Location"] == url("manage", survey)
    respondent = Respondent.objects.get()
    assert (respondent.email, respondent.language) == ("ana@zadar.example", "hr")
    again = client.post(url("respondent_add", survey), {**data, "email": "ANA@zadar.example"})
    assert again.status_code == 200
    assert "already on the survey" in again.content.decode()
    assert Respondent.objects.count() == 1


def test_the_preview_shows_the_questions_in_the_chosen_language(client, built, ministry):
    client.force_login(ministry)
    page = client.get(url("preview", built.survey), {"lang": "hr"}).content.decode()
    assert "Sigurnost se uzima u obzir pri planiranju." in page
    page = client.get(url("preview", built.survey), {"lang": "xx"}).content.decode()
    assert "Safety is considered in planning." in page


# Respondent upload --------------------------------------------------------------------------


def upload(client: Client, survey: Survey, content: bytes, name: str = "respondents.csv") -> Any:
    return client.post(url("upload", survey), {"file": SimpleUploadedFile(name, content)})


def test_a_list_with_bad_rows_imports_nothing_and_names_the_rows(client, survey, ministry):
    client.force_login(ministry)
    content = (
        "name,email,organisation,region,kind,language\n"
        "Ana Kovač,ana@zadar.example,Grad Zadar,Zadar,city,hr\n"
        "Ivo Ivić,ivo-at-split,Grad Split,Split,city,hr\n"
        "Marko Marić,marko@pula.example,Grad Pula,Istria,city,klingon\n"
    ).encode()
    page = upload(client, survey, content).content.decode()
    assert "Nothing was imported" in page
    assert "Row 3" in page and "is not a valid e-mail address" in page
    assert "Row 4" in page and "unknown language" in page
    assert "Row 2" not in page
    assert "Confirm the import" not in page
    assert client.post(url("upload", survey), {"confirm": "1"})["Location"] == url("upload", survey)
    assert not Respondent.objects.exists()


def test_duplicates_in_a_list_are_merged_and_the_import_waits_for_confirmation(client, survey, ministry):
    RespondentFactory(survey=survey, email="old@rijeka.example", name="Old name")
    client.force_login(ministry)
    content = (
        "\ufeffName;Email;Organisation;Region;Kind;Language\n"
        "Ana Kovač;ana@zadar.example;Grad Zadar;Zadar;city;hr\n"
        "Ana K.;ANA@zadar.example;Grad Zadar;Zadar;city;hr\n"
        "New name;old@rijeka.example;Grad Rijeka;Primorje;city;en\n"
    ).encode()
    page = upload(client, survey, content).content.decode()
    assert "2 respondents ready to import" in page
    assert "row 3 into row 2" in page
    assert "1 already on the list will be updated" in page
    assert Respondent.objects.count() == 1, "nothing before the confirmation"
    done = client.post(url("upload", survey), {"confirm": "1"}, follow=True)
    assert "1 respondents added, 1 updated" in done.content.decode()
    assert dict(Respondent.objects.values_list("email", "name")) == {
        "ana@zadar.example": "Ana Kovač",
        "old@rijeka.example": "New name",
    }


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("name,email\nŽana,zana@osijek.example\n".encode("cp1250"), "list.csv", "is not in UTF-8"),
        (b"", "list.csv", "empty"),
        (b"name,email\n", "list.csv", "no rows under the header"),
        (b"naam,mail\nAna,ana@zadar.example\n", "list.csv", "Missing columns: name, email"),
        (b"not a spreadsheet", "list.xlsx", "could not be read as XLSX"),
        (b"name,email\nAna,ana@zadar.example\n", "list.pdf", "Upload a .csv or .xlsx file"),
    ],
)
def test_an_unreadable_list_gets_a_clear_message(client, survey, ministry, content, name, message):
    client.force_login(ministry)
    page = upload(client, survey, content, name).content.decode()
    assert message in page
    assert "Confirm the import" not in page
    assert not Respondent.objects.exists()


def test_an_xlsx_list_imports(client, survey, ministry):
    dataset = tablib.Dataset(headers=["name", "email", "kind", "language"])
    dataset.append(["Ana Kovač", "ana@zadar.example", "region", "hr"])
    client.force_login(ministry)
    page = upload(client, survey, dataset.export("xlsx"), "list.xlsx").content.decode()
    assert "1 respondent ready to import" in page
    client.post(url("upload", survey), {"confirm": "1"})
    assert Respondent.objects.get().kind == Respondent.Kind.REGION


# Export and codebook ------------------------------------------------------------------------


def test_the_export_has_one_row_per_submitted_response_and_matches_the_codebook(client, live, ministry):
    Survey.objects.filter(pk=live.survey.pk).update(anonymity=Survey.Anonymity.NAMED)
    first = submitted_response(live.survey, live, region="Zadar")
    second = submitted_response(live.survey, live, region="Split", kind=Respondent.Kind.REGION)
    in_progress, _token = invited(live.survey)
    services.response_start(survey=live.survey, invitation=in_progress, language="en")
    client.force_login(ministry)

    export = client.get(url("export", live.survey))
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert [row["response"] for row in rows] == [str(first.pk), str(second.pk)]
    assert [(row["region"], row["kind"]) for row in rows] == [("Zadar", "city"), ("Split", "region")]
    assert rows[0]["email"] == first.invitation.respondent.email

    codebook = client.get(url("codebook", live.survey))
    entries = list(csv.DictReader(io.StringIO(codebook.content.decode("utf-8-sig"))))
    columns = {entry["column"]: entry for entry in entries}
    assert list(rows[0]) == list(columns)
    answers = {column: value for column, value in rows[0].items() if column.startswith("Q")}
    assert answers == {
        "Q1": "4",
        "Q2": "Some",
        "Q2_other_text": "",
        "Q3": "No",
        "Q4": "",
        "Q5_squares": "0",
        "Q5_parks": "1",
        "Q5_schools": "1",
        "Q6": "3",
    }
    multiple = columns["Q5_parks"]
    assert multiple["identity"] == str(live.multiple.identity)
    assert (multiple["question"], multiple["label"]) == ("Which spaces need work?", "Which spaces need work?: Parks")
    assert columns["Q2"]["values"] == "1=None; 2=Some; 3=Wide; 4=Other"
    assert multiple["kind"] == Question.Kind.MULTIPLE and multiple["required"] == "yes"


def test_a_confidential_export_carries_no_names(client, live, ministry):
    submitted_response(live.survey, live, region="Zadar")
    client.force_login(ministry)
    export = client.get(url("export", live.survey))
    header = next(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert "name" not in header and "email" not in header


@pytest.mark.parametrize("field", ["resend", "bounced"])
@pytest.mark.parametrize("forged", ["abc", "", "-1", "99999999999999999999999"])
def test_forged_invitation_ids_on_the_manage_page_are_404_not_500(client, live, ministry, field, forged):
    client.force_login(ministry)
    assert client.post(reverse("surveys:manage", args=[live.survey.pk]), {field: forged}).status_code == 404


def test_an_unknown_state_on_the_manage_page_is_explained_not_a_500(client, live, ministry):
    client.force_login(ministry)
    response = client.post(reverse("surveys:manage", args=[live.survey.pk]), {"to_state": "zzz"}, follow=True)
    assert response.status_code == 200
    assert "“zzz” is not a state of a survey." in response.content.decode()
    live.survey.refresh_from_db()
    assert live.survey.state == Survey.State.OPEN
