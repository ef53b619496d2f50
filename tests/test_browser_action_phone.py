"""The action long list on a phone in a real browser: one card per action and no sideways scrolling, the
filters closed behind a "Filters" button that opens them; the desktop keeps its table.

Each page is checked with axe and must log no console error (Chromium logs CSP violations as errors).
Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect
from test_browser_foundation import DESKTOP, PHONE, log_in, on_desktop, screenshot

from actions.demo import load_actions
from meetings.demo import load_meetings
from partnership.demo import load_partner_records


def scrolls_sideways(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth > window.innerWidth"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_long_list_is_cards_on_a_phone_with_its_filters_behind_a_button(
    live_server: Any, chromium_available: None, page: Page
) -> None:
    records = load_partner_records()
    load_actions(records, load_meetings(records))
    console, audit = on_desktop(page)
    log_in(page, live_server.url, "partner")

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/actions/p/security/?priority_area=&state=")
    filters = page.get_by_role("button", name="Filters")
    search = page.get_by_role("searchbox", name="Search")
    expect(filters).to_have_attribute("aria-expanded", "false")
    expect(search).to_be_hidden()
    assert not scrolls_sideways(page)
    first = page.locator("tbody tr").first
    expect(first.get_by_role("link")).to_be_visible()
    # The state and the leader are on the card, inside the screen.
    for cell in ("State", "Leader"):
        box = first.locator(f'td[data-label="{cell}"]').bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    audit("long list on a phone")
    screenshot(page, "action-long-list-phone.png")

    filters.click()
    expect(search).to_be_visible()
    expect(filters).to_have_attribute("aria-expanded", "true")
    page.get_by_label("State").select_option(label="Long-listed")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("button", name="Filters 1 active")).to_be_visible()
    expect(page.locator(".state-badge").first).to_have_text("Long-listed")
    assert not scrolls_sideways(page)
    audit("filtered long list on a phone")

    # The desktop keeps its table with the filters in view and no button.
    page.set_viewport_size(DESKTOP)
    page.reload()
    expect(search).to_be_visible()
    expect(filters).to_be_hidden()
    expect(page.locator("thead th").first).to_be_visible()
    assert console.take() == []
