"""Every input the admin renders has a name of its own (partnership/admin_names.py): an inline row's by
its column and its row, a date-and-time field's date and time by their field and part, a list's editable
cell by its column and its record. The browser sweep (test_browser_admin_accessibility.py) checks the
pages with axe; this reads the names themselves."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from admin_world import World, coordinator_of, plant
from django.urls import reverse

from meetings.models import AgendaItem, Meeting

pytestmark = pytest.mark.django_db


class Inputs(HTMLParser):
    """The attributes of each input, select and textarea of a page, by its name."""

    def __init__(self) -> None:
        super().__init__()
        self.by_name: dict[str, dict[str, str | None]] = {}
        self.scripts: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in ("input", "select", "textarea") and attributes.get("name"):
            self.by_name[str(attributes["name"])] = attributes
        if tag == "script":
            self.scripts.append(attributes.get("src"))


def inputs(client: Any, url: str) -> Inputs:
    response = client.get(url)
    assert response.status_code == 200
    parser = Inputs()
    parser.feed(response.content.decode())
    return parser


@pytest.fixture
def world(client: Any) -> World:
    world = plant("Ourtown", is_public=True)
    client.force_login(coordinator_of(world.partnership, "ourtown-coordinator"))
    return world


def names(page: Inputs, *fields: str) -> list[str | None]:
    return [page.by_name[field].get("aria-label") for field in fields]


def test_an_inline_rows_inputs_are_named_by_column_and_row(client, world):
    meeting = world.records[Meeting]
    page = inputs(client, reverse("admin:meetings_meeting_change", args=[meeting.pk]))
    zone = meeting.timezone

    assert names(page, "agenda_items-0-title", "agenda_items-0-kind", "agenda_items-0-DELETE") == [
        "Title, agenda item 1",
        "Kind, agenda item 1",
        "Delete, agenda item 1",
    ]
    assert names(page, "agenda_items-1-title", "reminder_rules-0-days_before") == [
        "Title, agenda item 2",  # the empty row to add an item
        "Days before, reminder rule 1",
    ]
    assert names(page, "agenda_items-0-starts_at_0", "agenda_items-0-starts_at_1") == [
        f"Starts at ({zone}), date, agenda item 1",
        f"Starts at ({zone}), time, agenda item 1",
    ]
    # The page's script renames a date or time when its label changes, keeping this part of the name.
    assert page.by_name["agenda_items-0-starts_at_0"]["data-label-part"] == "date, agenda item 1"
    # The row that "Add another" copies: the page's script puts in each copy's number.
    assert names(page, "agenda_items-__prefix__-title") == ["Title, agenda item __prefix__"]
    assert "/static/js/admin-names.js" in page.scripts


def test_a_forms_own_fields_keep_their_labels_and_a_date_and_time_are_named_apart(client, world):
    meeting = world.records[Meeting]
    page = inputs(client, reverse("admin:meetings_meeting_change", args=[meeting.pk]))

    assert names(page, "title", "partnership") == [None, None]  # each has its <label for=…>
    assert names(page, "starts_at_0", "starts_at_1") == [
        f"Starts at ({meeting.timezone}), date",
        f"Starts at ({meeting.timezone}), time",
    ]


def test_a_lists_editable_cells_are_named_by_column_and_record(client, world):
    item = world.records[AgendaItem]
    page = inputs(client, reverse("admin:meetings_agendaitem_changelist"))

    assert names(page, "form-0-position") == [f"Order, {item}"]
