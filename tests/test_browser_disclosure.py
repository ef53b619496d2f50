"""Survey results in a real browser, as the ministry that owns the survey and as a coordinator: a region is shown,
the same region narrowed to one respondent type is withheld with the reason, since the difference would show the
answers of 2 municipalities (issue 12, item 3). Each page passes axe; screenshots go to SHOTS."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from test_browser_foundation import log_in, on_desktop

from partnership.demo import load_partner_records
from surveys.demo import load_surveys
from surveys.models import Answer, Question, Respondent, Response

SHOTS = Path(os.environ.get("SHOTS_DIR", Path(__file__).resolve().parent.parent / "docs" / "screenshots"))


def respond(survey: Any, question: Question, region: str, kind: str, count: int, rating: int) -> None:
    for _ in range(count):
        response = Response.objects.create(
            survey=survey, region=region, respondent_kind=kind, submitted_at=timezone.now()
        )
        Answer.objects.create(response=response, question=question, value=rating)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("username", ["ministry", "coordinator"])
def test_a_region_is_shown_and_its_cities_alone_are_withheld_with_the_reason(
    live_server: Any, chromium_available: None, page: Page, username: str
) -> None:
    survey = load_surveys(load_partner_records())["croatian"]
    likert = (
        Question.objects.filter(section__survey=survey, kind=Question.Kind.LIKERT)
        .order_by("section__position", "position")
        .first()
    )
    assert likert is not None
    # The numbers: Zadar has 8 responses, 6 of them from cities.
    Response.objects.filter(survey=survey, region="Zadar").update(region="Lika-Senj")
    respond(survey, likert, "Zadar", Respondent.Kind.CITY, 6, 5)
    respond(survey, likert, "Zadar", Respondent.Kind.MUNICIPALITY, 2, 1)
    base = live_server.url
    console, audit = on_desktop(page)
    log_in(page, base, username)

    page.goto(f"{base}/surveys/{survey.pk}/results/?region=Zadar")
    expect(page.get_by_text("8 submitted responses")).to_be_visible()
    expect(page.locator("#withheld")).to_have_count(0)
    expect(page.locator("#suppression-rule")).to_contain_text("groups of at least 5")
    audit(f"results for Zadar as {username}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"results-zadar-{username}.png"), full_page=True)

    page.get_by_label("Respondent type").select_option(label="City")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(f"{base}/surveys/{survey.pk}/results/?region=Zadar&kind=city")
    expect(page.get_by_text("6 submitted responses")).to_be_visible()
    withheld = page.get_by_role("status").filter(has_text="Withheld")
    expect(withheld).to_contain_text("leaves out only 2")
    expect(page.get_by_text("Withheld for this selection (see above).").first).to_be_visible()
    expect(page.get_by_text("Mean")).to_have_count(0)
    audit(f"results for Zadar's cities as {username}")
    page.screenshot(path=str(SHOTS / f"results-zadar-cities-{username}.png"), full_page=True)

    page.goto(f"{base}/surveys/{survey.pk}/compare/")
    expect(page.get_by_role("heading", level=1)).to_have_text("The same questions across countries")
    audit(f"comparison as {username}")
    page.screenshot(path=str(SHOTS / f"compare-{username}.png"), full_page=True)
    assert console.take() == []
