"""The survey builder in a real browser: the Croatian ministry (not staff) builds an eight-question survey of
different kinds on the portal's builder pages, translates it into Croatian, previews it in Croatian and sends it;
a coordinator adds questions of several kinds in the admin and deletes an empty clone there.

The portal pages are checked with axe and must log no console error (Chromium logs CSP violations as errors).
A private partnership with a survey of its own is in the database throughout: its question is never offered.
Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from test_browser_foundation import log_in, on_desktop, screenshot

from partnership.demo import load_partner_records
from partnership.models import Organisation, Partnership
from surveys import services
from surveys.models import Invitation, Question, Section, Survey

PRIVATE_QUESTION = "Is the private heritage survey's question ever offered?"

# The ministry's eight questions: (page, kind label, English text, Croatian text, options [(en, hr)], extra fields)
QUESTIONS: list[tuple[str, str, str, str, list[tuple[str, str]], dict[str, str]]] = [
    (
        "Urban planning",
        "Likert scale (1–5)",
        "Safety is considered when public spaces are planned.",
        "Sigurnost se uzima u obzir pri planiranju javnih prostora.",
        [],
        {
            "likert_low_label": "Never",
            "likert_low_label__hr": "Nikad",
            "likert_high_label": "Always",
            "likert_high_label__hr": "Uvijek",
        },
    ),
    (
        "Urban planning",
        "Single choice",
        "Does your municipality use video surveillance?",
        "Koristi li vaša općina videonadzor?",
        [("No", "Ne"), ("In a few places", "Na nekoliko mjesta"), ("Widely", "Široko")],
        {},
    ),
    (
        "Urban planning",
        "Yes / no",
        "Do your planners have guidance on security by design?",
        "Imaju li vaši planeri smjernice o sigurnosti kroz oblikovanje?",
        [],
        {},
    ),
    (
        "Urban planning",
        "Short text",
        "Which guidance do they use?",
        "Koje smjernice koriste?",
        [],
        {"show_if_value": "yes"},
    ),
    (
        "Technology",
        "Multiple choice",
        "Which public spaces most need safety improvements?",
        "Koji javni prostori najviše trebaju poboljšanje sigurnosti?",
        [("Squares", "Trgovi"), ("Parks", "Parkovi"), ("Surroundings of schools", "Okolica škola")],
        {},
    ),
    (
        "Technology",
        "Matrix (rows rated 1–5)",
        "How important are these technologies for your municipality?",
        "Koliko su ove tehnologije važne za vašu općinu?",
        [("Smart lighting", "Pametna rasvjeta"), ("Cameras", "Kamere")],
        {},
    ),
    (
        "Technology",
        "Ranking",
        "Rank these needs from the most to the least important.",
        "Poredajte ove potrebe od najvažnije do najmanje važne.",
        [("Funding", "Financiranje"), ("Training of local staff", "Obuka lokalnog osoblja")],
        {},
    ),
    (
        "Technology",
        "Number",
        "How many people work on safety in your municipality?",
        "Koliko ljudi radi na sigurnosti u vašoj općini?",
        [],
        {"min_value": "0", "max_value": "500"},
    ),
]


def private_partnership_survey() -> None:
    """A survey of the private partnership, with a yes/no question a condition could wait for."""
    culture = Partnership.objects.get(is_public=False)
    survey = Survey.objects.create(
        partnership=culture, owner=Organisation.objects.get(short_name="MGIPU"), country="IT", title="Private survey"
    )
    section = Section.objects.create(survey=survey, title="Heritage", position=0)
    Question.objects.create(section=section, kind=Question.Kind.YES_NO, text=PRIVATE_QUESTION, position=0)


def required(page: Page, label: str) -> Any:
    """A field by its label, which marks a required field with an asterisk."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def question_item(page: Page, question: str) -> Any:
    """A question's line in the builder's outline (not the line of another that names it in its condition)."""
    return page.locator("li[id^=question-]").filter(has=page.get_by_text(question, exact=True))


def move_up(page: Page, question: str) -> None:
    question_item(page, question).get_by_role("button", name=re.compile(r"^Move up")).click()


def add_question(page: Page, page_title: str, kind: str, text: str, croatian: str, options: Any, extra: Any) -> None:
    section = page.get_by_role("region", name=re.compile(page_title))
    section.get_by_role("link", name=re.compile("^Add a question")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a question")
    required(page, "Kind").select_option(label=kind)
    required(page, "Question").fill(text)
    page.get_by_label("Question (Hrvatski)").fill(croatian)
    for name, value in extra.items():
        if name == "show_if_value":
            page.get_by_label("Show only if this question").select_option(
                label="Do your planners have guidance on security by design?"
            )
            expect(
                page.get_by_label("Show only if this question").locator("option", has_text=PRIVATE_QUESTION)
            ).to_have_count(0)
        page.locator(f"[name='{name}']").fill(value)
    for index, (label, translated) in enumerate(options):
        page.get_by_label(f"Label, option {index + 1}", exact=True).fill(label)
        page.get_by_label(f"Label (Hrvatski), option {index + 1}", exact=True).fill(translated)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages")).to_have_text("The question is saved.")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_ministry_builds_translates_previews_and_sends_a_survey(
    live_server: Any, chromium_available: None, page: Page
) -> None:
    records = load_partner_records()
    private_partnership_survey()
    security = Partnership.objects.get(slug="security")
    survey = Survey.objects.create(
        partnership=security,
        owner=Organisation.objects.get(short_name="MGIPU"),
        country="HR",
        title="Local security needs in Croatia",
        default_language="en",
    )
    base = live_server.url
    console, audit = on_desktop(page)

    # The ministry opens its new, empty survey and goes to the builder.
    log_in(page, base, "ministry")
    page.goto(f"{base}/surveys/{survey.pk}/manage/")
    page.get_by_role("link", name="Build and translate").click()
    expect(page).to_have_url(f"{base}/surveys/{survey.pk}/build/")
    expect(page.get_by_text("The survey has no pages yet")).to_be_visible()
    audit("builder, empty")

    # Croatian becomes a language of the survey; the title and introduction get their translation beside them.
    page.get_by_role("link", name="Title, introduction and languages").click()
    page.get_by_label("Hrvatski").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="Title, introduction and languages").click()
    page.get_by_label("Title (Hrvatski)").fill("Lokalne sigurnosne potrebe u Hrvatskoj")
    page.get_by_label("Introduction (Hrvatski)").fill("Ministarstvo pita lokalne vlasti o njihovim potrebama.")
    audit("builder, survey texts")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_have_text("The survey's texts are saved.")

    # Two pages, each titled in both languages and tied to a priority area.
    for title, croatian, area in [
        ("Urban planning", "Urbanističko planiranje", "Urban planning and design"),
        ("Technology", "Tehnologija", "Technology for smart and secure cities"),
    ]:
        page.get_by_role("link", name="Add a page").click()
        required(page, "Title").fill(title)
        page.get_by_label("Title (Hrvatski)").fill(croatian)
        page.get_by_label("Priority area").select_option(label=area)
        if title == "Technology":
            audit("builder, page form")
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".messages")).to_have_text("The section is saved.")

    # Eight questions of different kinds, with their options and Croatian texts.
    for number, (page_title, kind, text, croatian, options, extra) in enumerate(QUESTIONS):
        add_question(page, page_title, kind, text, croatian, options, extra)
        if number == 1:
            screenshot_question = question_item(page, text).get_by_role("link", name=re.compile("^Edit"))
            screenshot_question.click()
            expect(page.get_by_label("Value, option 2", exact=True)).to_have_value("in-a-few-places")
            audit("builder, question form")
            screenshot(page, "survey-builder-question.png")
            page.get_by_role("link", name="Back to the builder").click()
    expect(page.locator("li[id^=question-]")).to_have_count(8)

    # A bad entry is explained next to the field and keeps what was typed.
    page.get_by_role("region", name=re.compile("Technology")).get_by_role(
        "link", name=re.compile("^Add a question")
    ).click()
    required(page, "Kind").select_option(label="Single choice")
    required(page, "Question").fill("Which hours are least safe?")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("needs its options: add them below")).to_be_visible()
    expect(required(page, "Question")).to_have_value("Which hours are least safe?")
    audit("builder, question form with an error")
    page.get_by_role("link", name="Back to the builder").click()

    # Reordering: a question cannot move before the one it waits for; another moves up.
    move_up(page, "Which guidance do they use?")
    expect(page.locator(".messages")).to_contain_text("which must come before it")
    move_up(page, "Does your municipality use video surveillance?")
    first = page.get_by_role("region", name=re.compile("Urban planning")).locator("li").first
    expect(first).to_contain_text("Does your municipality use video surveillance?")
    audit("builder outline")
    screenshot(page, "survey-builder.png")

    # A question another one waits for cannot be deleted; the page says why.
    yes_no = question_item(page, "Do your planners have guidance on security by design?")
    yes_no.get_by_role("link", name=re.compile(r"^Delete")).click()
    expect(page.get_by_role("alert")).to_contain_text("“Which guidance do they use?” waits for this question's answer")
    expect(page.get_by_role("button", name="Delete")).to_have_count(0)
    audit("builder, a refused deletion")
    page.get_by_role("link", name="Back to the builder").click()
    assert console.take() == []

    # The Croatian preview shows the respondent's page with the Croatian texts and the question's scale labels.
    page.get_by_role("link", name="Preview in Hrvatski").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lokalne sigurnosne potrebe u Hrvatskoj")
    expect(page.get_by_role("heading", name="Urbanističko planiranje")).to_be_visible()
    expect(page.get_by_role("radio", name="1 – Nikad")).to_be_visible()
    expect(page.get_by_role("radio", name="5 – Uvijek")).to_be_visible()
    expect(page.get_by_role("radio", name="Na nekoliko mjesta")).to_be_visible()
    expect(page.get_by_text("Pametna rasvjeta", exact=True)).to_be_visible()
    expect(page.get_by_label("Koliko ljudi radi na sigurnosti u vašoj općini?")).to_be_visible()
    expect(page.get_by_text("Odgovorite samo ako je vaš odgovor na gornje pitanje „Da”.")).to_be_visible()
    audit("preview in Croatian")
    screenshot(page, "survey-builder-preview-hr.png")

    # Sent from the manage page: opened, one respondent added, invited.
    page.goto(f"{base}/surveys/{survey.pk}/manage/")
    page.get_by_role("button", name="Open the survey").click()
    page.get_by_role("link", name="Add one respondent").click()
    required(page, "Name").fill("Safety officer of Zadar")
    required(page, "E-mail").fill("sigurnost@zadar.example")
    page.locator("main").get_by_label("Language").select_option("hr")
    page.get_by_role("button", name="Add").click()
    page.get_by_role("button", name="Send the invitation to 1 new respondent").click()
    expect(page.locator(".messages")).to_have_text("1 invitation is on its way.")
    assert console.take() == []

    survey.refresh_from_db()
    assert (survey.state, survey.languages, survey.text_in("title", "hr")) == (
        Survey.State.OPEN,
        ["hr"],
        "Lokalne sigurnosne potrebe u Hrvatskoj",
    )
    questions = list(Question.objects.filter(section__survey=survey).order_by("section__position", "position"))
    assert [q.kind for q in questions] == [
        "single",
        "likert",
        "yes_no",
        "short_text",
        "multiple",
        "matrix",
        "ranking",
        "number",
    ]
    assert all(q.translations["hr"]["text"] for q in questions)
    single = questions[0]
    assert list(single.choices.values_list("value", flat=True)) == ["no", "in-a-few-places", "widely"]
    assert questions[3].show_if_question == questions[2]
    invitation = Invitation.objects.get(survey=survey)
    assert (invitation.state, invitation.respondent.language) == (Invitation.State.SENT, "hr")
    assert records  # the demo's people, used by the log-ins above


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_coordinator_adds_questions_of_several_kinds_in_the_admin_and_deletes_an_empty_clone(
    live_server: Any, chromium_available: None, page: Page
) -> None:
    load_partner_records()
    private_partnership_survey()
    security = Partnership.objects.get(slug="security")
    ministry = Organisation.objects.get(short_name="MGIPU")
    survey = Survey.objects.create(
        partnership=security, owner=ministry, country="HR", title="Needs of Croatian towns", languages=["hr"]
    )
    section = Section.objects.create(survey=survey, title="Public spaces", position=0)
    clone = services.survey_clone(
        survey=survey, by=None, title="Needs of Italian towns", country="IT", owner=ministry, default_language="it"
    )
    base = live_server.url
    console, audit = on_desktop(page)
    log_in(page, base, "coordinator")

    page.goto(f"{base}/admin/surveys/survey/{survey.pk}/change/")
    for kind, text, croatian, options, extra in [
        (
            "Single choice",
            "Is the main square lit at night?",
            "Je li glavni trg osvijetljen noću?",
            [("Fully", "Potpuno"), ("Partly", "Djelomično"), ("Not at all", "Nimalo")],
            {},
        ),
        (
            "Likert scale (1–5)",
            "Residents feel safe in the square.",
            "Stanovnici se osjećaju sigurno na trgu.",
            [],
            {"likert_low_label": "Not at all", "likert_high_label": "Completely"},
        ),
        (
            "Number",
            "How many cameras cover the square?",
            "Koliko kamera pokriva trg?",
            [],
            {"min_value": "0", "max_value": "100"},
        ),
        (
            "Ranking",
            "Rank these measures.",
            "Poredajte ove mjere.",
            [("Lighting", "Rasvjeta"), ("Patrols", "Ophodnje")],
            {},
        ),
    ]:
        page.goto(f"{base}/admin/surveys/survey/{survey.pk}/change/")
        page.get_by_role("link", name="Add a question").click()
        expect(page.get_by_label("Section:")).to_have_value(str(section.pk))
        page.get_by_label("Kind:").select_option(label=kind)
        page.get_by_label("Question:", exact=True).fill(text)
        page.get_by_label("Question (Hrvatski):").fill(croatian)
        for name, value in extra.items():
            page.locator(f"[name='{name}']").fill(value)
        for index, (label, translated) in enumerate(options):
            page.locator(f"[name='choices-{index}-label']").fill(label)
            page.locator(f"[name='choices-{index}-label__hr']").fill(translated)
        if kind == "Ranking":
            audit("admin, add a question", admin=True)
            screenshot(page, "survey-builder-admin-question.png")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")
    questions = list(section.questions.order_by("position"))
    assert [q.kind for q in questions] == ["single", "likert", "number", "ranking"]
    assert list(questions[0].choices.values_list("value", flat=True)) == ["fully", "partly", "not-at-all"]
    assert questions[1].likert_high_label == "Completely"
    assert questions[3].choices.get(value="patrols").translations == {"hr": {"label": "Ophodnje"}}

    # The empty clone goes, with the coordinator's own delete permission.
    page.goto(f"{base}/admin/surveys/survey/{clone.pk}/delete/")
    page.get_by_role("button", name=re.compile("Yes, I.m sure")).click()
    expect(page.locator(".messagelist .success")).to_contain_text("deleted successfully")
    assert not Survey.objects.filter(pk=clone.pk).exists()
    assert console.take() == []
