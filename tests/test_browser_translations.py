"""The portal in Croatian in a real browser: a partner who switches the interface to Croatian reads no English
heading, label, button or column on their pages, and a respondent answers on a 390 px phone in a Croatian frame.

"English" is any text of the portal's catalogue shown as its English msgid: a title, a meeting's or an action's
name typed by a person stays as typed. Screenshots go to SHOTS_DIR (docs/screenshots by default).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import polib
import pytest
from django.core import mail
from playwright.sync_api import Page, expect
from test_browser_foundation import PHONE, log_in, on_desktop

from actions import demo as actions_demo
from actions.models import Action
from meetings import demo as meetings_demo
from meetings.models import Meeting
from partnership.demo import load_partner_records
from surveys.demo import load_surveys
from surveys.models import SURVEY_LANGUAGES, Invitation
from surveys.tests.test_views import LINK

ROOT = Path(__file__).resolve().parent.parent
SHOTS = Path(os.environ.get("SHOTS_DIR", ROOT / "docs" / "screenshots"))
# What a reader takes for the page's words: headings, labels, buttons, links of the menus, table headers.
VISIBLE_WORDS = "h1, h2, h3, h4, h5, h6, label, legend, button, th, caption, summary, nav a, .btn, .navbar-brand"


def english_texts() -> set[str]:
    """The catalogue's texts whose Croatian differs from the English, without placeholders."""
    catalogue = polib.pofile(str(ROOT / "locale" / "hr" / "LC_MESSAGES" / "django.po"))
    texts = set()
    for entry in catalogue.translated_entries():
        if "%" in entry.msgid or entry.msgid_plural or entry.msgstr == entry.msgid:
            continue
        texts.add(" ".join(entry.msgid.split()))
    # A language is offered by its own name: "English" beside "Hrvatski" is no English left.
    return texts - {name for _code, name in SURVEY_LANGUAGES}


def english_on(page: Page, texts: set[str]) -> list[str]:
    shown = page.locator(VISIBLE_WORDS).all_inner_texts()
    return sorted({" ".join(text.split()) for text in shown} & texts)


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_partner_who_switches_to_croatian_reads_no_english_heading(
    live_server: Any, chromium_available: None, page: Page
) -> None:
    records = load_partner_records()
    meetings = meetings_demo.load_meetings(records)
    actions_demo.load_actions(records, meetings)
    base = live_server.url
    console, audit = on_desktop(page)
    log_in(page, base, "partner")

    # The language selector of the top bar, as a partner finds it.
    page.get_by_label("Language").select_option("hr")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "hr")

    slug = records["security"].slug
    meeting = Meeting.objects.filter(partnership=records["security"]).exclude(state=Meeting.State.DRAFT).first()
    action = Action.objects.filter(partnership=records["security"], state=Action.State.UNDER_DISCUSSION).first()
    assert meeting is not None and action is not None
    pages = {
        "home": "/",
        "partnership": f"/p/{slug}/",
        "directory": f"/p/{slug}/partners/",
        "meetings": "/meetings/",
        "meeting": f"/meetings/{meeting.pk}/",
        "register": f"/meetings/{meeting.pk}/register/",
        "calendar feeds": "/meetings/calendar/",
        "long list": f"/actions/p/{slug}/",
        "action": f"/actions/{action.pk}/",
        "propose": f"/actions/p/{slug}/new/",
        "ranking": f"/actions/p/{slug}/ranking/",
        "action plan": f"/actions/p/{slug}/plan/",
        "profile": "/profile/",
        "privacy": "/privacy/",
        "accessibility": "/accessibility/",
    }
    texts = english_texts()
    left = {}
    for name, path in pages.items():
        page.goto(base + path)
        expect(page.locator("html")).to_have_attribute("lang", "hr")
        audit(f"{name} in Croatian")
        if english := english_on(page, texts):
            left[name] = english
        if name in ("home", "long list", "action", "meeting"):
            shoot(page, f"partner-hr-{name.replace(' ', '-')}.png")
    assert not left, f"English left on the partner's Croatian pages: {left}"
    assert console.take() == []

    # The guard itself: the same page in English shows those texts.
    page.get_by_label("Jezik").select_option("en")
    page.get_by_role("button", name="Promijeni").click()
    page.goto(base + pages["long list"])
    assert english_on(page, texts), "the check finds English where there is English"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_respondent_on_a_phone_reads_the_survey_in_a_croatian_frame(
    live_server: Any, chromium_available: None, page: Page
) -> None:
    survey = load_surveys(load_partner_records())["croatian"]
    waiting = Invitation.objects.filter(survey=survey, respondent__language="hr").exclude(
        state=Invitation.State.SUBMITTED
    )
    invitation = waiting.select_related("respondent").first()
    assert invitation is not None
    # The outbox keeps no token once the mail is sent: read the link from the delivered mail.
    delivered = [str(sent.body) for sent in mail.outbox if invitation.respondent.email in sent.to]
    assert len(delivered) == 1
    assert "Ministarstvo prostornoga uređenja, graditeljstva i državne imovine poziva vas" in delivered[0]
    link = LINK.search(delivered[0])
    assert link is not None
    base = live_server.url
    console, audit = on_desktop(page)
    page.set_viewport_size(PHONE)

    page.goto(f"{base}/surveys/s/{link.group('token')}/")
    expect(page.locator("html")).to_have_attribute("lang", "hr")
    header = page.locator("header")
    expect(header).to_have_text("Ministarstvo prostornoga uređenja, graditeljstva i državne imovine")
    expect(header.get_by_role("link")).to_have_count(0)
    expect(page.get_by_role("navigation")).to_have_count(0)
    expect(page.get_by_text(re.compile(r"^3 stranice · oko \d+ minut[ae]$"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Otvoreno do \d+\. [a-zčćđšž]+ \d{4}\.$"))).to_be_visible()
    expect(page.get_by_role("link", name="ankete@mpgi.example")).to_be_visible()
    assert not english_on(page, english_texts())
    audit("respondent start page in Croatian on a phone")
    shoot(page, "respondent-start-hr-390.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "nothing wider than the phone"

    page.get_by_role("button", name="Započni").click()
    expect(page.get_by_text(re.compile(r"^Stranica 1 od 3$"))).to_be_visible()
    assert not english_on(page, english_texts())
    audit("respondent's first page in Croatian on a phone")
    shoot(page, "respondent-page-1-hr-390.png")
    assert console.take() == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_coordinator_and_a_ministry_in_croatian_read_no_english_heading(
    live_server: Any, chromium_available: None, page: Page
) -> None:
    records = load_partner_records()
    meetings = meetings_demo.load_meetings(records)
    actions_demo.load_actions(records, meetings)
    survey = load_surveys(records)["croatian"]
    meeting = Meeting.objects.filter(partnership=records["security"]).exclude(state=Meeting.State.DRAFT).first()
    assert meeting is not None
    base = live_server.url
    console, audit = on_desktop(page)
    texts = english_texts()
    pages = {
        "coordinator": {
            "meeting manage": f"/meetings/{meeting.pk}/manage/",
            "invite": f"/meetings/{meeting.pk}/invite/",
            "check-in": f"/meetings/{meeting.pk}/check-in/",
            "reschedule": f"/meetings/{meeting.pk}/reschedule/",
            "minutes": f"/meetings/{meeting.pk}/minutes/",
        },
        "ministry": {
            "survey manage": f"/surveys/{survey.pk}/manage/",
            "builder": f"/surveys/{survey.pk}/build/",
            "results": f"/surveys/{survey.pk}/results/",
            "compare": f"/surveys/{survey.pk}/compare/",
            "exports": f"/surveys/{survey.pk}/exports/",
            "upload": f"/surveys/{survey.pk}/respondents/upload/",
        },
    }
    left = {}
    for username, paths in pages.items():
        page.context.clear_cookies()
        log_in(page, base, username)
        page.get_by_label("Language").select_option("hr")
        page.get_by_role("button", name="Change").click()
        for name, path in paths.items():
            page.goto(base + path)
            expect(page.locator("html")).to_have_attribute("lang", "hr")
            audit(f"{name} in Croatian")
            if english := english_on(page, texts):
                left[name] = english
            if name in ("meeting manage", "survey manage"):
                shoot(page, f"{username}-hr-{name.replace(' ', '-')}.png")
    assert not left, f"English left on the Croatian pages: {left}"
    assert console.take() == []
