"""Every admin page a coordinator uses, in one real browser: no serious or critical axe finding, no
console error (so nothing the site's CSP blocks), and nothing cut off at 1280 px.

The pages come from the admin's own registry, so an admin added later is swept too: each changelist,
add page and change page (with its inlines) a coordinator may open, the app indexes, the import form,
preview and errors of each import, the outbox, the clone and shift forms of the admin actions, a form
sent back with errors, the history and a delete confirmation. The coordinator runs one partnership
(`tests/admin_world.py`) beside a second, private one. Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from admin_world import World, coordinator_of, plant
from axe_playwright_python.sync_playwright import Axe
from django.contrib import admin
from django.db.models import Model
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from import_export.admin import ImportMixin
from playwright.sync_api import Page, expect
from test_browser_foundation import AXE_STYLESHEET_ARTEFACT, BLOCKING_IMPACTS, DESKTOP, Console, describe, screenshot

from actions.models import Action
from meetings.models import AgendaItem, Meeting, Registration
from meetings.tests.factories import AgendaItemFactory
from partnership.models import Membership, Organisation, OutboundMessage, Person
from partnership.tests.second_factor import browser_log_in
from surveys.models import Survey

APPS = ("partnership", "meetings", "actions", "surveys")
PASSWORD = "secret-pass-123"  # UserFactory's

# What is cut off at 1280 px: the page scrolls sideways, a list's table is wider than its box (its filters
# sit above it as a bar below 1600 px, css/admin.css), or an inline's table is wider than its box.
LAYOUT = """() => {
    const page = document.documentElement;
    const results = document.querySelector('#changelist-form .results');
    const table = results && results.querySelector('table');
    const inlines = [...document.querySelectorAll('.inline-group fieldset.module')].map(
        (box) => [box.closest('.inline-group').id, box.scrollWidth - box.clientWidth]);
    return {
        pageOverflow: page.scrollWidth - page.clientWidth,
        tableOverflow: table ? Math.ceil(table.getBoundingClientRect().width) - results.clientWidth : 0,
        inlineOverflow: inlines.filter(([, overflow]) => overflow > 1),
    };
}"""

# The coordinator's member organisation, under the long name `realistic` gives it.
CITY = "Ourtown City – Directorate for Urban Safety and Crime Prevention"

# The files each import is tried with: one that previews, one whose rows fail to validate.
IMPORT_FILES: dict[type[Model], tuple[str, str]] = {
    Organisation: (
        "name,short_name,kind,country,website,parent\n"
        f"Ourtown Metropolitan Region,OMR,region,FI,https://omr.example,{CITY}\n",
        "name,short_name,kind,country,website,parent\nOurtown Harbour,OH,harbour,Atlantis,,Nowhere City\n",
    ),
    Membership: (
        f"partnership,organisation,role,since,until,contacts\nOurtown Partnership,{CITY},observer,2024-01-15,,\n",
        "partnership,organisation,role,since,until,contacts\nOurtown Partnership,Nowhere City,chief,someday,,\n",
    ),
    Person: (
        "name,email,organisation,role_title,language\n"
        f"Ourtown Analyst,analyst@ourtown.example,{CITY},Safety analyst,en\n",
        "name,email,organisation,role_title,language\nOurtown Analyst,not-an-address,Nowhere City,,xx\n",
    ),
    Action: (
        "code,title,problem,description,priority_area,pillar,level,proposed_by\n"
        f"OT-01,Ourtown safety audits,Unsafe underpasses,Audits with residents,Ourtown area,,local,{CITY}\n",
        "code,title,problem,description,priority_area,pillar,level,proposed_by\n"
        "OT 1,Ourtown safety audits,,Audits,Nowhere area,,galactic,Nowhere City\n",
    ),
}

SCREENSHOTS = {
    "meetings.Meeting:change": "admin-meeting-change.png",
    "partnership.OutboundMessage:changelist": "admin-outbox.png",
    "meetings.Registration:changelist": "admin-registrations.png",
}


@dataclass
class Sweep:
    """Opens admin pages one after the other in one page, and keeps every finding for one report."""

    page: Page
    console: Console
    findings: list[str] = field(default_factory=list)
    seen: int = 0

    def visit(self, url: str, name: str) -> None:
        response = self.page.goto(url)
        if response is None or response.status != 200:
            self.findings.append(f"{name}: answered {response.status if response else 'nothing'} at {url}")
            return
        self.check(name)

    def check(self, name: str) -> None:
        """No console error, no serious or critical axe finding, nothing cut off at this width."""
        self.seen += 1
        self.page.wait_for_load_state("load")
        errors = self.console.take()
        violations = Axe().run(self.page).response["violations"]
        errors += [error for error in self.console.take() if not AXE_STYLESHEET_ARTEFACT.search(error)]
        if errors:
            self.findings.append(f"{name}: console errors\n  " + "\n  ".join(errors))
        blocking = [violation for violation in violations if violation["impact"] in BLOCKING_IMPACTS]
        if blocking:
            self.findings.append(f"{name} ({self.page.url}): axe\n{describe(blocking)}")
        layout = self.page.evaluate(LAYOUT)
        if layout["pageOverflow"] > 0:
            self.findings.append(f"{name}: the page scrolls sideways by {layout['pageOverflow']} px at 1280 px")
        if layout["tableOverflow"] > 1:
            self.findings.append(f"{name}: the list's table is {layout['tableOverflow']} px wider than its box")
        for inline, overflow in layout["inlineOverflow"]:
            self.findings.append(f"{name}: the inline {inline} is {overflow} px wider than its box")


def _registered() -> list[tuple[type[Model], Any]]:
    return sorted(
        ((model, model_admin) for model, model_admin in admin.site._registry.items() if model._meta.app_label in APPS),
        key=lambda pair: pair[0]._meta.label,
    )


def _url(model: type[Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def admin_pages(world: World, user: Any) -> Iterator[tuple[str, str]]:
    """(path, name) of each index, changelist, add and change page the user may open, by the registry."""
    request = RequestFactory().get("/admin/")
    request.user = user
    yield reverse("admin:index"), "admin index"
    for app in APPS:
        yield reverse("admin:app_list", args=[app]), f"{app} index"
    for model, model_admin in _registered():
        perms = model_admin.get_model_perms(request)
        if not any(perms.values()):
            continue
        label = model._meta.label
        yield _url(model, "changelist"), f"{label}:changelist"
        if perms["add"]:
            yield _url(model, "add"), f"{label}:add"
        record = world.records[model]  # tests/admin_world.py plants a record of every model with an admin
        if model_admin.has_view_or_change_permission(request, record):
            yield _url(model, "change", record.pk), f"{label}:change"


def realistic(world: World) -> None:
    """Give the coordinator's partnership what a real one holds where length and number matter: an agenda
    of several items, a failed mail with the server's whole answer, long names and dated registrations."""
    meeting = world.records[Meeting]
    assert isinstance(meeting, Meeting)
    Meeting.objects.filter(pk=meeting.pk).update(
        title="Ourtown meeting: partnership meeting and European Week of Regions and Cities workshop, Brussels"
    )
    for number in range(2, 5):
        AgendaItemFactory.create(meeting=meeting, title=f"Ourtown session {number}: safety audits with residents")
    Organisation.objects.filter(pk=world.records[Organisation].pk).update(name=CITY)
    now = timezone.now()
    Registration.objects.filter(pk=world.records[Registration].pk).update(
        state=Registration.State.ATTENDED, registered_at=now - dt.timedelta(days=20), checked_in_at=now
    )
    OutboundMessage.objects.filter(pk=world.records[OutboundMessage].pk).update(
        subject="Ourtown mail: Questionario: Indagine sui bisogni di sicurezza locali (promemoria)",
        to_email="ufficio.sicurezza.urbana@comune.montecatini-terme.example",
        status=OutboundMessage.Status.FAILED,
        attempts=5,
        sent_at=now,
        last_error=(
            "SMTPRecipientsRefused: {'ufficio.sicurezza.urbana@comune.montecatini-terme.example': (550, "
            "b'5.1.1 <ufficio.sicurezza.urbana@comune.montecatini-terme.example>: Recipient address rejected: "
            "User unknown in virtual mailbox table')}"
        ),
    )


def run_action(page: Page, base: str, model: type[Model], pk: Any, action: str) -> None:
    """Choose one row of a changelist and run an admin action on it, as a coordinator does."""
    page.goto(f"{base}{_url(model, 'changelist')}")
    page.locator(f"input.action-select[value='{pk}']").check()
    page.locator("select[name='action']").select_option(action)
    page.get_by_role("button", name="Go").click()


def try_import(sweep: Sweep, base: str, model: type[Model], tmp_path: Path) -> None:
    """The import form, a file whose rows fail (errors), and a good file (preview)."""
    page, label = sweep.page, model._meta.label
    good, bad = IMPORT_FILES[model]
    sweep.visit(f"{base}{_url(model, 'import')}", f"{label}:import")
    for kind, text in (("errors", bad), ("preview", good)):
        upload = tmp_path / f"{model._meta.model_name}-{kind}.csv"
        upload.write_text(text, encoding="utf-8")
        page.goto(f"{base}{_url(model, 'import')}")
        partnership = page.locator("select[name='partnership']")
        if partnership.count():
            partnership.select_option(label="Ourtown Partnership")
        page.locator("input[name='import_file']").set_input_files(upload)
        page.locator("select[name='format']").select_option(label="csv")
        page.get_by_role("button", name="Submit").click()
        expect(page.locator("table.import-preview")).to_be_visible()  # the rows, with their errors or changes
        sweep.check(f"{label}:import {kind}")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_admin_page_a_coordinator_uses_is_accessible_at_1280_px(
    live_server: Any, chromium_available: None, page: Page, tmp_path: Path
) -> None:
    ours = plant("Ourtown", is_public=True)
    plant("Zanzibar", is_public=False)
    realistic(ours)
    coordinator = coordinator_of(ours.partnership, "ourtown-coordinator")
    base = live_server.url
    console = Console()
    console.attach(page)
    sweep = Sweep(page, console)
    page.set_viewport_size(DESKTOP)
    page.set_default_timeout(15_000)

    browser_log_in(page, base, coordinator.username, PASSWORD)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    for path, name in admin_pages(ours, coordinator):
        sweep.visit(f"{base}{path}", name)
        if name in SCREENSHOTS:
            screenshot(page, SCREENSHOTS[name])

    meeting = ours.records[Meeting]
    sweep.visit(f"{base}{_url(Meeting, 'history', meeting.pk)}", "meetings.Meeting:history")
    item = ours.records[AgendaItem]
    sweep.visit(f"{base}{_url(AgendaItem, 'delete', item.pk)}", "meetings.AgendaItem:delete")
    sweep.visit(f"{base}{reverse('admin:password_change')}", "password change")

    # A form sent back: the errors stand next to their fields, the agenda's rows included.
    page.goto(f"{base}{_url(Meeting, 'change', meeting.pk)}")
    page.locator("#id_title").fill("")
    page.locator("#id_agenda_items-0-title").fill("")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".errornote")).to_be_visible()
    sweep.check("meetings.Meeting:change with errors")

    for model, model_admin in _registered():
        if isinstance(model_admin, ImportMixin):
            assert model in IMPORT_FILES, f"add a good and a bad file for {model._meta.label} to IMPORT_FILES"
            try_import(sweep, base, model, tmp_path)

    run_action(page, base, Survey, ours.records[Survey].pk, "clone_survey")
    expect(page.get_by_role("button", name="Clone")).to_be_visible()
    sweep.check("surveys.Survey:clone form")
    run_action(page, base, AgendaItem, item.pk, "shift_items")
    expect(page.get_by_label("Shift by minutes (negative moves earlier)")).to_be_visible()
    sweep.check("meetings.AgendaItem:shift form")

    assert sweep.seen >= 50
    assert not sweep.findings, f"{len(sweep.findings)} findings on {sweep.seen} admin pages:\n" + "\n".join(
        sweep.findings
    )
