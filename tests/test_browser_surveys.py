"""Surveys in a real browser: a ministry uploads respondents and invites them; a respondent answers
in Croatian by the personal link, stops half-way and comes back; the ministry sees the results.

Each page is checked with axe and must log no console error (Chromium logs CSP violations as
errors). Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Browser, BrowserContext, Page, expect
from test_browser_foundation import DESKTOP, PHONE, Console, log_in, make_audit, on_desktop, screenshot

from partnership.demo import load_partner_records
from partnership.models import OutboundMessage
from surveys import services
from surveys.demo import load_surveys
from surveys.models import Answer, Invitation, Question, Response

PERSONAL_LINK = re.compile(r"https?://\S+?(/surveys/s/[^/\s]+/)")
RESPONDENTS = (
    "name,email,organisation,region,kind,language\n"
    "Safety officer of Novalja,sigurnost@novalja.example,Grad Novalja,Lika-Senj,city,en\n"
    "Safety officer of Otočac,sigurnost@otocac.example,Grad Otočac,Lika-Senj,city,hr\n"
)


def respondent_page(context: BrowserContext) -> tuple[Page, Console, Any]:
    page = context.new_page()
    page.set_default_timeout(15_000)
    console = Console()
    console.attach(page)
    return page, console, make_audit(page, console)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_ministry_invites_and_respondent_answers_in_croatian(
    live_server: Any, chromium_available: None, page: Page, browser: Browser, tmp_path: Path
) -> None:
    records = load_partner_records()
    survey = load_surveys(records)["croatian"]
    submitted_before = survey.invitations.filter(state=Invitation.State.SUBMITTED).count()
    base = live_server.url
    console, audit = on_desktop(page)

    # The ministry opens its survey and uploads a list of two new respondents.
    log_in(page, base, "ministry")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Surveys").click()
    page.get_by_role("link", name=survey.title).click()
    expect(page).to_have_url(f"{base}/surveys/{survey.pk}/manage/")
    expect(page.get_by_role("heading", level=1)).to_have_text(survey.title)
    audit("survey manage page")
    screenshot(page, "survey-manage.png")
    page.get_by_role("link", name="Upload a respondent list").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload a respondent list")
    audit("respondent upload")
    csv_file = tmp_path / "respondents.csv"
    csv_file.write_text(RESPONDENTS, encoding="utf-8")
    page.get_by_label("Respondent list (CSV or XLSX)").set_input_files(csv_file)
    page.get_by_role("button", name="Check the file").click()
    preview = page.get_by_role("region", name="Preview")
    expect(preview.get_by_text("2 respondents ready to import")).to_be_visible()
    expect(preview.locator("tbody tr")).to_have_count(2)
    expect(preview.get_by_role("cell", name="sigurnost@novalja.example")).to_be_visible()
    audit("respondent upload preview")
    screenshot(page, "survey-upload-preview.png")
    assert not survey.respondents.filter(email="sigurnost@novalja.example").exists()
    page.get_by_role("button", name="Confirm the import").click()
    expect(page.locator(".messages")).to_have_text("2 respondents added, 0 updated.")
    page.get_by_role("button", name="Send invitations to 2 new respondents").click()
    expect(page.locator(".messages")).to_have_text("2 invitations are on their way.")
    expect(page.get_by_role("button", name=re.compile(r"new respondent"))).to_have_count(0)
    assert console.take() == []

    invitation = Invitation.objects.get(survey=survey, respondent__email="sigurnost@novalja.example")
    assert invitation.state == Invitation.State.SENT
    message = OutboundMessage.objects.get(key=f"survey:{survey.pk}:invitation:{invitation.pk}")
    assert message.to_email == "sigurnost@novalja.example"
    # The outbox keeps no token once the mail is sent: read the link from the delivered mail.
    assert message.status == OutboundMessage.Status.SENT
    delivered = [str(sent.body) for sent in mail.outbox if "sigurnost@novalja.example" in sent.to]
    assert len(delivered) == 1
    match = PERSONAL_LINK.search(delivered[0])
    assert match, delivered[0]
    link = f"{base}{match.group(1)}"

    # The respondent follows the link, chooses Croatian, answers the first page and stops.
    first = browser.new_context(viewport=DESKTOP)
    try:
        answer, answer_console, answer_audit = respondent_page(first)
        answer.goto(link)
        expect(answer).to_have_url(f"{base}/surveys/{survey.pk}/answer/")
        assert "/s/" not in answer.url
        expect(answer.get_by_role("heading", level=1)).to_have_text(survey.title)  # the respondent's English
        answer_audit("survey start")
        answer.get_by_role("radio", name="Hrvatski").check()
        answer.get_by_role("button", name="Start").click()
        expect(answer).to_have_url(f"{base}/surveys/{survey.pk}/answer/1/")
        expect(answer.get_by_role("heading", level=1)).to_have_text("Urbanističko planiranje i oblikovanje")
        expect(answer.get_by_text("Stranica 1 od 3")).to_be_visible()
        expect(answer.get_by_text(survey.text_in("title", "hr"), exact=True)).to_be_visible()
        expect(answer.get_by_role("button", name="Spremi i nastavi")).to_be_visible()
        answer.get_by_role("radio", name="5 – potpuno se slažem").check()
        answer.get_by_role("checkbox", name="Trgovi").check()
        answer.get_by_role("checkbox", name="Parkovi").check()
        answer.get_by_role("radio", name="Ne", exact=True).check()
        answer_audit("survey page 1 in Croatian")
        screenshot(answer, "survey-answer-hr.png")
        answer.get_by_role("button", name="Spremi i dovrši kasnije").click()
        expect(answer.get_by_role("heading", level=1)).to_have_text("Vaši su odgovori spremljeni")
        assert answer_console.take() == []
    finally:
        first.close()
    response = Response.objects.get(invitation=invitation)
    assert response.language == "hr"
    assert response.submitted_at is None
    assert Answer.objects.filter(response=response).count() == 3
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.STARTED

    # Later, in another browser session, the same link resumes where the respondent stopped.
    second = browser.new_context(viewport=DESKTOP)
    try:
        answer, answer_console, answer_audit = respondent_page(second)
        answer.goto(link)
        expect(answer).to_have_url(f"{base}/surveys/{survey.pk}/answer/")
        expect(answer.get_by_role("heading", level=1)).to_have_text(survey.text_in("title", "hr"))
        expect(answer.get_by_text(re.compile(r"^Dobro došli natrag"))).to_be_visible()
        expect(answer.get_by_role("radio", name="Hrvatski")).to_be_checked()
        answer_audit("survey start, resumed")
        answer.get_by_role("button", name="Nastavi").click()
        expect(answer).to_have_url(f"{base}/surveys/{survey.pk}/answer/2/")
        expect(answer.get_by_role("heading", level=1)).to_have_text("Tehnologija za pametne i sigurne gradove")
        answer.get_by_role("radio", name="Na nekoliko mjesta").check()
        answer.get_by_role("button", name="Spremi i nastavi").click()
        expect(answer).to_have_url(f"{base}/surveys/{survey.pk}/answer/3/")
        answer.get_by_label("Obuka lokalnog osoblja").select_option("2")
        answer.get_by_label("Financiranje").select_option("1")
        answer.get_by_label("Suradnja s policijom").select_option("3")
        answer.get_by_label("Koliko djelatnika radi na sigurnosti u vašoj općini?").fill("4")
        answer.get_by_label("Što bi vašoj općini najviše pomoglo?").fill("Bolja rasvjeta u parkovima.")
        answer_audit("survey page 3")
        answer.get_by_role("button", name="Spremi i pregledaj").click()

        expect(answer).to_have_url(f"{base}/surveys/{survey.pk}/answer/review/")
        expect(answer.get_by_role("heading", level=1)).to_have_text("Provjerite svoje odgovore")
        main = answer.locator("main")
        expect(main.get_by_text("Trgovi, Parkovi", exact=True)).to_be_visible()  # from the first session
        expect(main.get_by_text("Na nekoliko mjesta", exact=True)).to_be_visible()
        expect(main.get_by_text("Financiranje, Obuka lokalnog osoblja, Suradnja s policijom")).to_be_visible()
        answer_audit("survey review")
        screenshot(answer, "survey-review.png")
        answer.get_by_role("button", name="Pošalji moje odgovore").click()

        expect(answer).to_have_url(f"{base}/surveys/{survey.pk}/thanks/")
        expect(answer.get_by_role("heading", level=1)).to_have_text("Hvala na vašim odgovorima")
        expect(answer.get_by_role("heading", name="Preslika vaših odgovora")).to_be_visible()
        expect(main.get_by_text("Bolja rasvjeta u parkovima.")).to_be_visible()
        expect(main.get_by_text("Trgovi, Parkovi", exact=True)).to_be_visible()
        yes_no = main.locator("dt", has_text="Imaju li vaši planeri smjernice").locator(
            "xpath=following-sibling::dd[1]"
        )
        expect(yes_no).to_have_text("Ne")
        answer_audit("survey thanks")
        screenshot(answer, "survey-thanks.png")
        assert answer_console.take() == []
    finally:
        second.close()
    response.refresh_from_db()
    assert response.submitted_at is not None
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.SUBMITTED
    answers = {a.question.kind: a.value for a in Answer.objects.filter(response=response).select_related("question")}
    assert answers[Question.Kind.MULTIPLE] == ["squares", "parks"]
    assert answers[Question.Kind.YES_NO] is False
    assert answers[Question.Kind.SINGLE] == "some"
    assert answers[Question.Kind.RANKING] == ["funding", "training", "cooperation"]

    # The ministry sees one more submitted response, and the results.
    page.goto(f"{base}/surveys/{survey.pk}/manage/")
    funnel = page.get_by_role("region", name="Funnel")
    submitted_row = funnel.get_by_role("row", name=re.compile("^Submitted"))
    expect(submitted_row.get_by_role("cell").first).to_have_text(str(submitted_before + 1))
    expect(page.get_by_role("row", name=re.compile("Safety officer of Novalja"))).to_contain_text("Submitted")
    page.get_by_role("link", name="Results", exact=True).click()
    expect(page).to_have_url(f"{base}/surveys/{survey.pk}/results/")
    expect(page.get_by_text(f"{submitted_before + 1} submitted responses")).to_be_visible()
    expect(page.get_by_role("heading", name="Urban planning and design")).to_be_visible()
    expect(page.locator("table.results-table").first).to_be_visible()
    expect(page.locator("table.results-table meter").first).to_be_visible()
    squares = page.get_by_role("table", name="Which public spaces most need safety improvements?")
    expect(squares.get_by_role("row", name=re.compile(r"^Squares"))).to_be_visible()
    ranking = page.get_by_role("table", name="Rank these needs from the most to the least important.")
    expect(ranking.get_by_role("columnheader", name="Average score")).to_be_visible()
    expect(ranking.locator("meter").first).to_have_attribute("max", "3")
    audit("survey results")
    screenshot(page, "survey-results.png")

    # The responses as a spreadsheet, prepared in the background (a worker runs eagerly here).
    page.goto(f"{base}/surveys/{survey.pk}/manage/")
    page.get_by_role("link", name="Export responses (CSV, XLSX, SPSS, Stata)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Response exports")
    page.get_by_role("button", name="Prepare Excel (XLSX) in the background").click()
    prepared = page.get_by_role("region", name="Prepared files").get_by_role("row").nth(1)
    expect(prepared).to_contain_text("Done")
    expect(prepared).to_contain_text(f"{submitted_before + 1} of {submitted_before + 1} responses")
    with page.expect_download() as download:
        prepared.get_by_role("link", name=re.compile("^Download")).click()
    assert download.value.suggested_filename.endswith(".xlsx")
    audit("survey exports")
    screenshot(page, "survey-exports.png")
    assert console.take() == []


def focused_label(page: Page) -> str:
    """What a screen reader would announce for the focused control: its label, or its own text."""
    return str(
        page.evaluate(
            """() => {
                const e = document.activeElement;
                const label = e.labels && e.labels.length ? e.labels[0].innerText : (e.innerText || e.value || "");
                return label.trim();
            }"""
        )
    )


def tab_to(page: Page, pattern: str, *, limit: int = 80) -> None:
    """Press Tab until the focused control's label matches: it is reachable with the keyboard alone."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if re.search(pattern, focused_label(page)):
            return
    raise AssertionError(f"no control matching {pattern!r} within {limit} Tab presses")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_respondent_answers_on_a_phone_with_the_keyboard_alone(
    live_server: Any, chromium_available: None, browser: Browser
) -> None:
    records = load_partner_records()
    survey = load_surveys(records)["croatian"]
    respondent = services.respondent_add(
        survey=survey, by=None, name="Safety officer of Senj", email="sigurnost@senj.example", language="en"
    )
    mail.outbox.clear()
    assert services.invitations_send(survey=survey, by=None, respondents=[respondent]) == 1
    match = PERSONAL_LINK.search(str(mail.outbox[-1].body))
    assert match, mail.outbox[-1].body
    base = live_server.url
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page, console, audit = respondent_page(phone)
        page.goto(f"{base}{match.group(1)}")
        expect(page).to_have_url(f"{base}/surveys/{survey.pk}/answer/")
        tab_to(page, "^Start$")
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{base}/surveys/{survey.pk}/answer/1/")
        expect(page.get_by_role("progressbar")).to_be_visible()

        # The Likert scale by arrow keys; the required choice of spaces is left out on purpose.
        tab_to(page, "^1 – strongly disagree$")
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        expect(page.get_by_role("radio", name="4", exact=True)).to_be_checked()
        tab_to(page, "^Save and continue$")
        page.keyboard.press("Enter")

        # The message sits next to the field; the answer given is kept.
        expect(page).to_have_url(f"{base}/surveys/{survey.pk}/answer/1/")
        spaces = page.get_by_role("group", name=re.compile("Which public spaces"))
        expect(spaces).to_contain_text("This question needs an answer.")
        expect(page.get_by_role("radio", name="4", exact=True)).to_be_checked()
        audit("survey page with an error, on a phone")
        screenshot(page, "survey-phone-error.png")

        tab_to(page, "^Parks$")
        page.keyboard.press("Space")
        expect(page.get_by_role("checkbox", name="Parks")).to_be_checked()
        tab_to(page, "^Yes$")
        page.keyboard.press("Space")
        tab_to(page, "^Save and continue$")
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{base}/surveys/{survey.pk}/answer/2/")

        tab_to(page, "^No$")
        page.keyboard.press("ArrowDown")
        expect(page.get_by_role("radio", name="In a few places")).to_be_checked()
        tab_to(page, "^Save and continue$")
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{base}/surveys/{survey.pk}/answer/3/")

        for option, rank in (("Training of local staff", "1"), ("Funding", "2"), ("Cooperation with the police", "3")):
            tab_to(page, f"^{option}$")
            page.keyboard.type(rank)  # a select takes the typed option
        expect(page.get_by_label("Funding")).to_have_value("2")
        audit("survey last page, on a phone")
        screenshot(page, "survey-answer-phone.png")
        tab_to(page, "^Save and review$")
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{base}/surveys/{survey.pk}/answer/review/")
        tab_to(page, "^Submit my answers$")
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{base}/surveys/{survey.pk}/thanks/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your answers")
        assert console.take() == []
    finally:
        phone.close()
    response = Response.objects.get(invitation__respondent=respondent)
    assert response.submitted_at is not None
    values = {a.question.kind: a.value for a in response.answers.select_related("question")}
    assert values[Question.Kind.LIKERT] == 4
    assert values[Question.Kind.MULTIPLE] == ["parks"]
    assert values[Question.Kind.YES_NO] is True
    assert values[Question.Kind.SINGLE] == "some"
    assert values[Question.Kind.RANKING] == ["training", "funding", "cooperation"]
