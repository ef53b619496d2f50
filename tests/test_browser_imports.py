"""A coordinator loads memberships through the admin's import, as Excel in most EU locales saves them:
semicolons and a byte-order mark. The first file has a bad row; the page names its problems in plain
words, by column, with the allowed values; the fixed file previews with what to check and imports.

The demo's second partnership is private: its members cannot be named. Each page is checked with axe.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from test_browser_foundation import SCREENSHOTS, log_in, on_desktop, screenshot

from partnership.demo import load_partner_records
from partnership.models import Membership, Organisation, Person

BAD_FILE = (
    "\ufefforganisation;role;since;contacts\r\n"
    "City of Ghent;chair;31.02.2019;jan.peeters@gent.example\r\n"
    "European Commission – DG Migration and Home Affairs;expert;01.02.2019;Sofia Marino <smarino@home.example>\r\n"
    "City of Lisbon;partner;2019-03-01;\r\n"
)
GOOD_FILE = (
    "\ufefforganisation;role;since;contacts\r\n"
    "City of Ghent;partner;01.02.2019;Jan Peeters <jan.peeters@gent.example>\r\n"
    "European Commission – DG Migration and Home Affairs;expert;01.02.2019;Sofia Marino <smarino@home.example>\r\n"
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_coordinator_imports_memberships_from_a_semicolon_file_after_fixing_a_bad_row(
    live_server: Any, chromium_available: None, page: Page, tmp_path: Path
) -> None:
    load_partner_records()
    ghent = Organisation.objects.create(name="City of Ghent", short_name="Ghent", kind="city", country="BE")
    members_before = Membership.objects.count()
    base = live_server.url
    console, audit = on_desktop(page)

    log_in(page, base, "coordinator")
    page.goto(f"{base}/admin/partnership/membership/")
    page.get_by_role("link", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Import", level=1)).to_be_visible()
    expect(page.get_by_text("What the file may contain")).to_be_visible()
    expect(page.get_by_label("Import into partnership:").locator("option:checked")).to_have_text(
        "Partnership for Security in Public Spaces"
    )
    audit("admin: import memberships", admin=True)

    bad = tmp_path / "members.csv"
    bad.write_bytes(BAD_FILE.encode())
    page.get_by_label("File to import:").set_input_files(bad)
    expect(page.get_by_label("Format:").locator("option:checked")).to_have_text("csv")
    page.get_by_role("button", name="Submit").click()

    expect(page.get_by_role("heading", name="Some rows failed to validate")).to_be_visible()
    expect(page.get_by_text("Nothing was imported. Correct these rows in your file")).to_be_visible()
    invalid = page.locator("table.import-preview tbody tr")
    expect(invalid).to_have_count(2)
    ghent_row, lisbon_row = invalid.nth(0), invalid.nth(1)
    expect(ghent_row.locator("td").first).to_have_text("1")
    expect(ghent_row).to_contain_text(
        "“chair” is not one of the allowed values: coordinator, secretariat (Technical secretariat), partner, "
        "expert, observer."
    )
    expect(ghent_row).to_contain_text("“31.02.2019” is not a date: write it as 2019-01-31")
    expect(ghent_row).to_contain_text(
        "jan.peeters@gent.example is not known yet: write it as Name <jan.peeters@gent.example>"
    )
    expect(ghent_row.locator(".validation-error-field-label")).to_have_text(["role", "since", "contacts"])
    expect(lisbon_row.locator("td").first).to_have_text("3")
    expect(lisbon_row).to_contain_text("No organisation you may add is called “City of Lisbon”")
    expect(page.get_by_role("button", name="Confirm import")).to_have_count(0)
    audit("admin: import memberships, errors", admin=True)
    screenshot(page, "admin-import-memberships-errors.png")
    assert Membership.objects.count() == members_before

    good = tmp_path / "members-fixed.csv"
    good.write_bytes(GOOD_FILE.encode())
    page.get_by_label("File to import:").set_input_files(good)
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()
    expect(page.locator("table.import-preview tr.new")).to_have_count(1)
    expect(page.locator("table.import-preview tr.update")).to_have_count(1)
    check = page.get_by_role("region", name="Check before you confirm")
    expect(check).to_contain_text(
        "Row 1: Adds Jan Peeters <jan.peeters@gent.example> as a new person of City of Ghent."
    )
    expect(check).to_contain_text(
        "Row 2: Possible duplicate: “European Commission – DG Migration and Home Affairs” is taken as "
        "“DG Migration and Home Affairs”"
    )
    audit("admin: import memberships, preview", admin=True)
    screenshot(page, "admin-import-memberships-preview.png")
    assert Membership.objects.count() == members_before

    page.get_by_role("button", name="Confirm import").click()
    expect(page.locator(".messagelist")).to_contain_text("Import finished: 1 new, 1 updated")
    expect(page.locator("#result_list").get_by_role("link", name="City of Ghent")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "admin-import-memberships-done.png"))
    ghent_membership = Membership.objects.get(organisation=ghent)
    assert ghent_membership.partnership.slug == "security"
    assert (ghent_membership.role, str(ghent_membership.since)) == ("partner", "2019-02-01")
    assert list(ghent_membership.contacts.values_list("name", flat=True)) == ["Jan Peeters"]
    dg_home = Membership.objects.get(partnership__slug="security", organisation__short_name="DG HOME")
    assert dg_home.role == "expert"
    assert Person.objects.get(email="smarino@home.example").organisation == dg_home.organisation
    assert not Organisation.objects.filter(name__startswith="European Commission").exists()
    assert not Membership.objects.filter(partnership__slug="security", organisation__short_name="Lisbon").exists()
    assert console.take() == []
