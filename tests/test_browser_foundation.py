"""The foundation's journey in a real browser: a visitor, a coordinator in the admin, a partner.

Each page is checked with axe and must log no console error; Chromium logs every Content
Security Policy violation as one, so this also proves the pages work under the site's CSP.
Screenshots of the main pages go to docs/screenshots/.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import ConsoleMessage, Page, ViewportSize, expect

from partnership.demo import load_partner_records
from partnership.models import Organisation, Person
from partnership.tests.second_factor import browser_log_in

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
BLOCKING_IMPACTS = {"serious", "critical"}

# Serious findings on Django admin pages that come from Django's own markup, not ours: they are
# reported as warnings, while anything else serious on an admin page fails the test.
# (rule id, text in the HTML of each offending node)
UPSTREAM_ADMIN_VIOLATIONS = {
    # The vendored select2 behind autocomplete_fields labels its combobox with the empty selection.
    ("aria-input-field-name", 'class="select2-'),
}

# axe reads cross-origin and @import-ed stylesheets by adding <style> elements of its own, which
# the CSP blocks (harmlessly); those messages come from the audit, not from the page.
AXE_STYLESHEET_ARTEFACT = re.compile(r"Applying inline style violates the following Content Security Policy")

HEADER = "name,email,organisation,role_title,language\n"
BAD_PEOPLE = (
    HEADER + "Sanna Lind,slind@helsinki.example,City of Helsinki,Safety analyst,en\n"
    "Tomás Ruiz,truiz@atlantis.example,City of Atlantis,Chief of police,en\n"
)
GOOD_PEOPLE = (
    HEADER + "Sanna Lind,slind@helsinki.example,City of Helsinki,Safety analyst,en\n"
    "Chiara Conti,cconti@efus.example,Efus,Project officer,it\n"
)


@dataclass
class Console:
    """Console errors and uncaught exceptions seen by the page since the last look."""

    errors: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self.errors.append(f"{page.url}: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: uncaught {error}"))

    def take(self) -> list[str]:
        errors, self.errors = self.errors, []
        return errors


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        targets = "; ".join(", ".join(node["target"]) for node in violation["nodes"][:5])
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']} -> {targets}")
    return "\n".join(lines)


def upstream(violation: dict[str, Any]) -> bool:
    """Whether every node of an admin-page violation is in markup Django itself renders."""
    return all(
        any(rule == violation["id"] and marker in node["html"] for rule, marker in UPSTREAM_ADMIN_VIOLATIONS)
        for node in violation["nodes"]
    )


def make_audit(page: Page, console: Console) -> Callable[..., None]:
    def audit(name: str, *, admin: bool = False) -> None:
        """No console errors so far, then no serious or critical axe finding of ours; the rest is
        reported as warnings."""
        page.wait_for_load_state("load")
        assert console.take() == [], f"console errors on {name}"
        violations = Axe().run(page).response["violations"]
        console.errors = [error for error in console.take() if not AXE_STYLESHEET_ARTEFACT.search(error)]
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS and not (admin and upstream(v))]
        reported = [v for v in violations if v not in blocking]
        if reported:
            warnings.warn(f"axe on {name}, reported only:\n{describe(reported)}", stacklevel=2)
        assert not blocking, f"axe on {name}:\n{describe(blocking)}"

    return audit


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def on_desktop(page: Page) -> tuple[Console, Callable[..., None]]:
    """A page at desktop size, its console watched, with the audit that checks it; steps wait up to 15 s."""
    console = Console()
    console.attach(page)
    page.set_viewport_size(DESKTOP)
    page.set_default_timeout(15_000)
    return console, make_audit(page, console)


def log_in(page: Page, base: str, username: str) -> None:
    browser_log_in(page, base, username, "demo")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_visitor_coordinator_and_partner_journey(
    live_server: Any, chromium_available: None, page: Page, tmp_path: Path
) -> None:
    load_partner_records()
    base = live_server.url
    console, audit = on_desktop(page)

    # A visitor: the home page, the public directory (no contacts), the statements, the login page.
    page.goto(f"{base}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Urban Agenda Partnership Portal")
    audit("home")
    screenshot(page, "home-visitor.png")
    page.get_by_role("link", name="Partnership for Security in Public Spaces").click()
    page.get_by_role("link", name=re.compile(r"^\d+ organisations$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partner directory")
    expect(page.get_by_role("link", name="City of Helsinki")).to_be_visible()
    expect(page.get_by_text("Contact persons are shown to members of the partnership only.")).to_be_visible()
    expect(page.locator("a[href^='mailto:']")).to_have_count(0)
    audit("directory (visitor)")
    page.goto(f"{base}/privacy/")
    audit("privacy")
    page.goto(f"{base}/accessibility/")
    audit("accessibility")
    page.goto(f"{base}/accounts/login/")
    expect(page).to_have_title("Log in · Urban Agenda Partnership Portal")  # not the host, as Django's view says
    expect(page.locator(".navbar-brand")).to_have_text("Urban Agenda Partnership Portal")
    audit("login")
    screenshot(page, "login.png")

    # A coordinator adds an organisation through the admin's add form.
    log_in(page, base, "coordinator")
    page.get_by_role("link", name="Coordination").click()
    page.get_by_role("link", name="Organisations").first.click()
    page.get_by_role("link", name="Add organisation").click()
    expect(page.locator("#id_parent + .select2-container")).to_be_visible()  # the admin's scripts ran
    audit("admin: add organisation", admin=True)
    page.get_by_role("textbox", name="Name:", exact=True).fill("City of Ghent")
    page.get_by_label("Kind:").select_option(label="City")
    page.get_by_label("Country:").select_option(label="Belgium")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("City of Ghent")
    expect(page.locator("#result_list").get_by_role("link", name="City of Ghent")).to_be_visible()
    assert Organisation.objects.filter(name="City of Ghent", kind="city", country="BE").exists()

    # It imports people: one bad row stops the whole file, and the error names the row.
    people_before = Person.objects.count()
    page.goto(f"{base}/admin/partnership/person/")
    page.get_by_role("link", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Import", level=1)).to_be_visible()
    audit("admin: import people", admin=True)
    bad_file = tmp_path / "people-with-error.csv"
    bad_file.write_text(BAD_PEOPLE, encoding="utf-8")
    page.get_by_label("File to import:").set_input_files(bad_file)
    format_select = page.get_by_label("Format:")
    expect(format_select.locator("option:checked")).to_have_text("csv")  # guessed by the package's script
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", name="Some rows failed to validate")).to_be_visible()
    invalid = page.locator("table.import-preview tbody tr")
    expect(invalid).to_have_count(1)
    expect(invalid.locator("td").first).to_have_text("2")
    expect(invalid).to_contain_text("No organisation is called “City of Atlantis”.")
    expect(page.get_by_role("button", name="Confirm import")).to_have_count(0)
    audit("admin: import errors", admin=True)
    screenshot(page, "admin-import-errors.png")
    assert Person.objects.count() == people_before

    good_file = tmp_path / "people.csv"
    good_file.write_text(GOOD_PEOPLE, encoding="utf-8")
    page.get_by_label("File to import:").set_input_files(good_file)
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()
    preview = page.locator("table.import-preview tr.new")
    expect(preview).to_have_count(2)
    expect(page.locator("table.import-preview ins", has_text="Chiara Conti")).to_be_visible()
    audit("admin: import preview", admin=True)
    screenshot(page, "admin-import-preview.png")
    assert Person.objects.count() == people_before
    page.get_by_role("button", name="Confirm import").click()
    expect(page.locator(".messagelist")).to_contain_text("Import finished: 2 new")
    assert set(
        Person.objects.filter(email__in=["slind@helsinki.example", "cconti@efus.example"]).values_list(
            "name", "organisation__short_name"
        )
    ) == {("Sanna Lind", "Helsinki"), ("Chiara Conti", "Efus")}

    page.goto(f"{base}/")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()

    # A partner corrects their e-mail address on their profile.
    log_in(page, base, "partner")
    page.get_by_role("link", name="My profile").click()
    email = page.get_by_role("textbox", name="E-mail")
    expect(email).to_have_value("partner@helsinki.example")
    audit("profile")
    email.fill("aino.virtanen@helsinki")  # the browser accepts it; the server wants a domain like hel.fi
    page.get_by_role("button", name="Save my details").click()
    expect(page.get_by_text("Please correct the errors below.")).to_be_visible()
    expect(page.get_by_text("Enter a valid email address.")).to_be_visible()
    expect(email).to_have_value("aino.virtanen@helsinki")
    expect(email).to_have_attribute("aria-invalid", "true")
    audit("profile with an error")
    screenshot(page, "profile-error.png")
    assert Person.objects.get(user__username="partner").email == "partner@helsinki.example"
    email.fill("aino.virtanen@hel.fi")
    page.get_by_role("button", name="Save my details").click()
    expect(page.get_by_role("status")).to_have_text("Your details have been saved.")
    expect(email).to_have_value("aino.virtanen@hel.fi")
    screenshot(page, "profile.png")
    assert Person.objects.get(user__username="partner").email == "aino.virtanen@hel.fi"

    # As a member, the partner sees contact persons in the directory.
    page.get_by_role("link", name="Home").first.click()
    page.get_by_role("link", name="Partner directory").click()
    expect(page.get_by_role("columnheader", name="Contact persons").first).to_be_visible()
    expect(page.get_by_role("link", name="coordinator@nice.example")).to_be_visible()
    expect(page.get_by_role("link", name="aino.virtanen@hel.fi")).to_be_visible()
    audit("directory (member)")
    screenshot(page, "directory.png")
    page.set_viewport_size(PHONE)
    expect(page.get_by_role("button", name="Toggle navigation")).to_be_visible()
    screenshot(page, "directory-phone.png")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("link", name="City of Nice").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("City of Nice")
    expect(page.get_by_role("link", name="coordinator@nice.example")).to_be_visible()
    audit("organisation")
    assert console.take() == []
