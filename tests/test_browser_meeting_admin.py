"""A coordinator enters a meeting in Helsinki in the admin, in a real browser: times typed in the venue's
zone are read and shown in it everywhere, an agenda item may wait for its time, and a speaker may be a
name that is not in the partner records.

The portal's pages are checked with axe and must log no console error; the admin's meeting page is left
to the admin's accessibility sweep. Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Locator, Page, expect
from test_browser_foundation import log_in, on_desktop, screenshot

from meetings import services
from meetings.models import AgendaItem, Meeting
from partnership.demo import load_partner_records
from partnership.models import Partnership

HELSINKI = zoneinfo.ZoneInfo("Europe/Helsinki")
DAY = "2031-06-05"  # a Thursday


def plant_private_meeting(coordinator: Any) -> Meeting:
    """A meeting of the demo's second, private partnership, which the Security coordinator does not run."""
    culture = Partnership.objects.get(slug="culture")
    start = dt.datetime(2031, 6, 5, 10, 0, tzinfo=HELSINKI)
    meeting = services.meeting_create(
        by=None,
        partnership=culture,
        title="Private culture meeting in Espoo",
        timezone="Europe/Helsinki",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=6),
    )
    AgendaItem.objects.create(meeting=meeting, title="Private heritage walk", starts_at=start, ends_at=start)
    return meeting


def agenda_row(page: Page, title: str) -> Locator:
    """The admin's agenda inline row of the item with this title."""
    return page.locator(
        "#agenda_items-group .inline-related", has=page.locator(f'input[name$="-title"][value="{title}"]')
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_coordinator_enters_a_helsinki_meeting_with_an_item_to_be_confirmed(
    live_server: Any, chromium_available: None, page: Page
) -> None:
    load_partner_records()
    coordinator = get_user_model().objects.get(username="coordinator")
    private = plant_private_meeting(coordinator)
    base = live_server.url
    console, audit = on_desktop(page)

    log_in(page, base, "coordinator")
    page.goto(f"{base}/admin/meetings/meeting/add/")
    expect(page.get_by_role("heading", name="Add meeting")).to_be_visible()
    expect(page.locator("#id_partnership option", has_text="Culture")).to_have_count(0)
    expect(page.get_by_text(private.title)).to_have_count(0)
    page.get_by_label("Partnership:").select_option(label="Partnership for Security in Public Spaces")
    page.get_by_role("textbox", name="Title:").fill("Sixth partnership meeting, Helsinki")
    page.get_by_role("textbox", name="City:").fill("Helsinki")
    page.get_by_label("Country:").select_option(label="Finland")
    page.get_by_label("Public page").check()
    # The labels name the zone the times are read in, and follow the zone field.
    expect(page.locator(".field-starts_at label").first).to_contain_text("Starts at (Europe/Brussels)")
    page.get_by_label("Time zone:").select_option("Europe/Helsinki")
    expect(page.locator(".field-starts_at label").first).to_contain_text("Starts at (Europe/Helsinki)")
    expect(page.locator("#agenda_items-group .field-starts_at label").first).to_contain_text("Europe/Helsinki")
    page.locator("#id_starts_at_0").fill(DAY)
    page.locator("#id_starts_at_1").fill("10:00")
    page.locator("#id_ends_at_0").fill(DAY)
    page.locator("#id_ends_at_1").fill("17:00")

    # The agenda: a welcome at 10:00, and a site visit whose time is not known yet, with a guest speaker.
    page.locator("#id_agenda_items-0-title").fill("Welcome by the City of Helsinki")
    page.locator("#id_agenda_items-0-room").fill("Hall A")
    page.locator("#id_agenda_items-0-starts_at_0").fill(DAY)
    page.locator("#id_agenda_items-0-starts_at_1").fill("10:00")
    page.locator("#id_agenda_items-0-ends_at_0").fill(DAY)
    page.locator("#id_agenda_items-0-ends_at_1").fill("11:00")
    page.get_by_role("button", name="Add another Agenda item").click()
    page.locator("#id_agenda_items-1-title").fill("Site visit to Kalasatama")
    page.locator("#id_agenda_items-1-kind").select_option(label="Site visit")
    page.locator("#id_agenda_items-1-time_to_be_confirmed").check()
    page.locator("#id_agenda_items-1-starts_at_0").fill(DAY)
    page.locator("#id_agenda_items-1-other_speakers").fill("Jane Doe, Kalasatama district office")
    page.get_by_role("button", name="Save and continue editing").click()

    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    meeting = Meeting.objects.get(title="Sixth partnership meeting, Helsinki")
    assert meeting.starts_at == dt.datetime(2031, 6, 5, 10, 0, tzinfo=HELSINKI)
    visit = meeting.agenda_items.get(title="Site visit to Kalasatama")
    assert visit.time_to_be_confirmed
    assert visit.other_speaker_names == ["Jane Doe", "Kalasatama district office"]
    # The change form reads back what was typed, in the zone it names.
    expect(page.locator("#id_starts_at_1")).to_have_value("10:00:00")
    expect(page.locator(".field-starts_at label").first).to_contain_text("Starts at (Europe/Helsinki)")
    welcome_row = agenda_row(page, "Welcome by the City of Helsinki")
    expect(welcome_row.locator("input[name$='-starts_at_1']")).to_have_value("10:00:00")
    visit_row = agenda_row(page, "Site visit to Kalasatama")
    expect(visit_row.locator("input[name$='-starts_at_0']")).to_have_value(DAY)
    expect(visit_row.locator("input[name$='-starts_at_1']")).to_have_value("")
    expect(visit_row.locator("input[name$='-time_to_be_confirmed']")).to_be_checked()
    screenshot(page, "meeting-admin-helsinki.png")
    assert console.take() == []

    # The meeting page, as the coordinator sees the draft.
    page.goto(f"{base}{meeting.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1)).to_have_text(meeting.title)
    when = page.locator("dt", has_text="When").locator("xpath=following-sibling::dd[1]")
    expect(when).to_have_text(
        re.compile(r"^Thursday 5 June 2031, 10:00 – 17:00 \(times in Europe/Helsinki, the venue's time zone\)$")
    )
    where = page.locator("dt", has_text="Where").locator("xpath=following-sibling::dd[1]")
    expect(where).to_have_text("Helsinki (Finland)")
    agenda = page.get_by_role("region", name="Agenda")
    welcome = agenda.locator(".agenda-item", has_text="Welcome by the City of Helsinki")
    expect(welcome).to_contain_text("10:00–11:00 · Plenary")
    site_visit = agenda.locator(".agenda-item", has_text="Site visit to Kalasatama")
    expect(site_visit).to_contain_text("Time to be confirmed · Site visit")
    expect(site_visit).to_contain_text("Speakers: Jane Doe, Kalasatama district office")
    expect(agenda.get_by_text("in parallel")).to_have_count(0)
    expect(agenda.get_by_text("All times are in Europe/Helsinki.")).to_be_visible()
    audit("meeting page (Helsinki)")
    screenshot(page, "meeting-helsinki-agenda.png")
    assert console.take() == []
