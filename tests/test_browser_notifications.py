"""Notifications in a real browser: a coordinator comments on the partner's action, the partner finds it under the
bell, opens the notifications page, marks it read and the bell empties; the preferences page, a coordinator's
announcement form and the home page that shows it. Every page passes axe with no console error; screenshots go to
SHOTS_DIR (default docs/screenshots)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect
from test_browser_foundation import SCREENSHOTS, log_in, on_desktop

from actions import services as action_services
from actions.models import Action
from actions.tests.factories import ActionFactory
from partnership.demo import load_partner_records

SHOTS = Path(os.environ.get("SHOTS_DIR", SCREENSHOTS))


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_partner_finds_a_comment_under_the_bell_and_a_coordinator_announces(
    live_server: Any, chromium_available: None, page: Page
) -> None:
    records = load_partner_records()
    users = get_user_model().objects
    coordinator, partner = users.get(username="coordinator"), users.get(username="partner")
    action = ActionFactory.create(
        partnership=records["security"],
        owner=partner.person.organisation,
        title="Safer Christmas markets",
        state=Action.State.UNDER_DISCUSSION,
    )
    action_services.comment_add(action=action, author=coordinator.person, body="Nice would join this action.")
    base = live_server.url
    console, audit = on_desktop(page)

    log_in(page, base, "partner")
    bell = page.get_by_role("link", name="Notifications: 1 unread notification.")
    expect(bell).to_be_visible()
    audit("home with the bell")
    shot(page, "bell.png")
    bell.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    expect(page.get_by_role("link", name="Safer Christmas markets")).to_be_visible()
    audit("notifications page")
    shot(page, "notifications.png")

    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_text("1 notification marked read.")).to_be_visible()
    expect(page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    audit("notifications page, all read")

    page.get_by_role("link", name="Choose which you receive by e-mail").click()
    page.get_by_label("A comment on an action").select_option("immediate")
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_text("Your choices have been saved.")).to_be_visible()
    expect(page.get_by_label("A comment on an action")).to_have_value("immediate")
    audit("notification preferences")
    shot(page, "notification-preferences.png")

    page.goto(f"{base}{action.get_absolute_url()}")
    page.get_by_role("button", name="Follow").click()
    expect(page.get_by_role("button", name="Following", pressed=True)).to_be_visible()
    audit("action page, followed")

    page.get_by_role("button", name="Log out").click()
    log_in(page, base, "coordinator")
    page.goto(f"{base}/p/{records['security'].slug}/announce/")
    audit("announcement form")
    page.get_by_label("Title").fill("Florence agenda")
    page.get_by_label("Message").fill("The agenda of the third meeting is out.")
    page.get_by_role("button", name="Publish the announcement").click()
    expect(page.get_by_text("The announcement is published to")).to_be_visible()
    expect(page.get_by_role("heading", name="Florence agenda")).to_be_visible()
    audit("home with an announcement")
    shot(page, "announcement-home.png")
    assert console.take() == []
