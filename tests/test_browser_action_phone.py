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
from actions.models import Action, ActionEvent
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
    with page.expect_navigation():  # the filtered list is a new page: wait for it, however busy the machine
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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_coordinator_finds_compares_and_merges_a_duplicate(
    live_server: Any, chromium_available: None, page: Page
) -> None:
    records = load_partner_records()
    load_actions(records, load_meetings(records))
    source = Action.objects.get(code="A-06")
    target = Action.objects.get(code="A-05")
    console, audit = on_desktop(page)
    log_in(page, live_server.url, "coordinator")

    page.goto(f"{live_server.url}{source.get_absolute_url()}")
    page.get_by_role("link", name="Merge into another action").click()
    page.get_by_label("Find the action to merge into").fill("safety")
    page.get_by_role("button", name="Search", exact=True).click()
    candidates = page.get_by_role("listitem").filter(has=page.get_by_role("link", name="Compare"))
    expect(candidates.filter(has_text=str(target))).to_have_count(1)
    expect(candidates.filter(has_text=str(source))).to_have_count(0)
    audit("merge search")
    screenshot(page, "action-merge-search.png")

    # Comparing changes nothing; the other candidate can still be chosen.
    page.get_by_role("link", name=f"Compare with {target}").click()
    expect(page.get_by_role("heading", name="Compare before merging")).to_be_visible()
    expect(page.get_by_role("region", name=str(source))).to_contain_text("This action, to be merged")
    expect(page.get_by_role("region", name=str(target))).to_contain_text("Merged into this action")
    audit("merge comparison")
    screenshot(page, "action-merge-compare.png")
    source.refresh_from_db()
    assert source.state != Action.State.MERGED

    page.get_by_label("Reason").fill("The walks are part of the audits.")
    page.get_by_role("button", name=f"Merge into {target}").click()
    expect(page.locator(".messages")).to_have_text(f"{source} is merged into {target}.")
    source.refresh_from_db()
    assert (source.state, source.merged_into_id) == (Action.State.MERGED, target.pk)
    # Going back and confirming again merges nothing more, and says why.
    page.go_back()
    page.get_by_role("button", name=f"Merge into {target}").click()
    expect(page.get_by_role("alert")).to_contain_text("cannot be merged")
    assert ActionEvent.objects.filter(action=source, kind=ActionEvent.Kind.MERGED).count() == 1
    assert console.take() == []
