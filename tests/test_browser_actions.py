"""Actions in a real browser: a partner drafts, comes back and submits an action; a coordinator
long-lists it and merges it into a near-duplicate; the partner finds it merged.

Each page is checked with axe and must log no console error (Chromium logs CSP violations as
errors). Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from test_browser_foundation import SCREENSHOTS, log_in, on_desktop, screenshot

from actions.demo import load_actions
from actions.models import Action, ActionEvent
from meetings.demo import load_meetings
from partnership.demo import load_partner_records

TITLE = "Safety audits with residents of new housing estates"
PROBLEM = "New housing estates are planned without asking the people who will live there what makes them feel safe."
TARGET = "Participatory safety audits of neighbourhoods"


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_partner_proposes_and_coordinator_long_lists_and_merges(
    live_server: Any, chromium_available: None, page: Page
) -> None:
    records = load_partner_records()
    load_actions(records, load_meetings(records))
    target = Action.objects.get(title=TARGET)
    base = live_server.url
    console, audit = on_desktop(page)

    # A partner drafts an action from the long list and saves the draft.
    log_in(page, base, "partner")
    page.get_by_role("region", name="Your partnerships").get_by_role("link", name="Action long list").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Action long list")
    page.get_by_role("link", name="Propose an action").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Propose an action")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Bottleneck or problem addressed").fill(PROBLEM)
    page.get_by_label("Description").fill(
        "Walk the estate with residents, planners and the police; map what to change."
    )
    page.get_by_label("Priority area").select_option(label="Urban planning and design")
    page.get_by_label("Pillar").select_option(label="Better knowledge")
    page.get_by_label("Level").select_option(label="Local")
    page.get_by_label("Contributing partners").select_option(label=["City of Riga", "City of Mechelen"])
    audit("action form")
    screenshot(page, "action-form.png")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".messages")).to_have_text("Your draft is saved.")
    expect(page.get_by_text("only your organisation can see it")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".state-badge")).to_have_text("Draft")
    action = Action.objects.get(title=TITLE)
    assert action.state == Action.State.DRAFT
    assert action.owner.short_name == "Helsinki"
    assert set(action.contributors.values_list("short_name", flat=True)) == {"Riga", "Mechelen"}

    # It attaches a concept note to the draft, for the partnership's members.
    documents = page.get_by_role("region", name="Documents")
    documents.get_by_text("Add a document").click()
    documents.get_by_label("Title").fill("Concept note")
    documents.get_by_label("Visibility").select_option(label="Members of the partnership")
    documents.get_by_label("File").set_input_files(
        {"name": "concept-note.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 concept note"}
    )
    documents.get_by_role("button", name="Upload").click()
    expect(page.locator(".messages")).to_have_text("The document is added.")
    expect(documents.get_by_role("link", name="Concept note")).to_be_visible()
    expect(documents).to_contain_text("Members of the partnership")
    audit("action documents")
    page.locator("#documents").screenshot(path=str(SCREENSHOTS / "action-documents.png"))

    # It leaves, comes back from the home page, edits the draft and submits it.
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Meetings").click()
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Home").click()
    mine = page.get_by_role("region", name="Your organisation's actions")
    expect(mine.get_by_role("listitem").filter(has_text=TITLE)).to_contain_text("Draft")
    mine.get_by_role("link", name=TITLE).click()
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit action")
    expect(page.get_by_label("Title")).to_have_value(TITLE)
    page.get_by_label("Timeline").fill("2027")
    page.get_by_label("Expected outcome and deliverables").fill("Audit reports for three estates; a how-to guide.")
    page.get_by_role("button", name="Save and submit").click()
    expect(page.locator(".messages")).to_have_text("Your action is submitted: the partnership can see it now.")
    expect(page.locator(".state-badge")).to_have_text("Proposed")
    expect(page.get_by_role("paragraph").filter(has_text="Audit reports for three estates")).to_be_visible()
    action.refresh_from_db()
    assert (action.state, action.timeline, action.version) == (Action.State.PROPOSED, "2027", 2)
    log_out(page)

    # A coordinator finds it on the long list and long-lists it: it gets the next code.
    log_in(page, base, "coordinator")
    page.get_by_role("region", name="Partnerships you coordinate").get_by_role("link", name="Action long list").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=TITLE))
    expect(row).to_contain_text("Proposed")
    expect(row.get_by_role("cell").first).to_have_text("–")
    audit("long list")
    screenshot(page, "actions-long-list.png")
    page.get_by_role("link", name=TITLE).click()
    workflow = page.get_by_role("region", name="Workflow")
    workflow.get_by_label("Move to").select_option(label="Long-listed")
    workflow.get_by_label("Reason").fill("Discussed in the working group on urban planning")
    workflow.get_by_role("button", name="Move").click()
    expect(page.locator(".messages")).to_have_text("The action is now “Long-listed”.")
    action.refresh_from_db()
    assert action.state == Action.State.LONG_LISTED
    assert re.fullmatch(r"A-\d\d", action.code)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{action.code} {TITLE}")
    expect(page.locator(".state-badge")).to_have_text("Long-listed")
    expect(page.locator(".history")).to_contain_text("Proposed → Long-listed")
    audit("action page")
    screenshot(page, "action-detail.png")

    # It is a near-duplicate of Helsinki's earlier proposal: the coordinator merges it there.
    page.get_by_role("link", name="Merge into another action").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Merge into another action")
    page.get_by_label("Find the action to merge into").fill("participatory")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("link", name=f"Compare with {target}").click()
    expect(page.get_by_role("heading", name="Compare before merging")).to_be_visible()
    page.get_by_label("Reason").fill("Same idea as the participatory audits; Riga and Mechelen join it.")
    audit("merge page")
    page.get_by_role("button", name=f"Merge into {target}").click()
    expect(page.locator(".messages")).to_have_text(f"{action} is merged into {target}.")
    expect(page.get_by_role("heading", level=1)).to_have_text(str(target))
    action.refresh_from_db()
    assert (action.state, action.merged_into_id) == (Action.State.MERGED, target.pk)
    assert {"Riga", "Mechelen"} <= set(target.contributors.values_list("short_name", flat=True))
    assert ActionEvent.objects.filter(action=target, kind=ActionEvent.Kind.RECEIVED).exists()
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Actions").click()
    page.get_by_label("State").select_option(label="Merged")
    page.get_by_role("button", name="Apply").click()
    merged_row = page.get_by_role("row").filter(has=page.get_by_role("link", name=TITLE))
    expect(merged_row).to_contain_text(f"Merged into {target.code}")
    log_out(page)

    # The partner finds its action, through the one it was merged into, with the merge banner.
    log_in(page, base, "partner")
    page.get_by_role("region", name="Your organisation's actions").get_by_role("link", name=str(target)).click()
    page.get_by_role("link", name=str(action)).click()
    banner = page.get_by_role("status").filter(has_text="This action was merged into")
    expect(banner).to_have_text(f"This action was merged into {target}.")
    expect(page.locator(".state-badge")).to_have_text("Merged")
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    audit("merged action")
    screenshot(page, "action-merged.png")
    banner.get_by_role("link", name=str(target)).click()
    expect(page).to_have_url(f"{base}{target.get_absolute_url()}")
    # The concept note moved with the merge.
    expect(page.get_by_role("region", name="Documents").get_by_role("link", name="Concept note")).to_be_visible()

    # The Action Plan lists the adopted actions by priority area.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Actions").click()
    page.get_by_role("link", name="Action Plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Action Plan")
    expect(page.get_by_role("heading", level=2)).to_have_count(3)
    expect(
        page.get_by_role("link", name=re.compile("Ethical framework for video surveillance in cities"))
    ).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(TITLE))).to_have_count(0)
    audit("Action Plan")
    screenshot(page, "action-plan.png")
    assert console.take() == []
