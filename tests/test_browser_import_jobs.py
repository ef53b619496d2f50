"""A coordinator imports a file of more rows than IMPORT_IN_REQUEST_ROWS (5 here): it is checked and imported by
background jobs (eager in tests), and the job's page shows the preview, then the import's result. Checked with axe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from test_browser_foundation import log_in, on_desktop, screenshot

from partnership.demo import load_partner_records
from partnership.models import Job, Organisation

ROWS = "".join(f"Harbour town {n};HT{n};city;HR;;\r\n" for n in range(1, 11))
FILE = "\ufeffname;short_name;kind;country;website;parent\r\n" + ROWS


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_coordinator_imports_a_large_file_through_its_background_jobs(
    live_server: Any, chromium_available: None, page: Page, tmp_path: Path, settings: Any
) -> None:
    settings.IMPORT_IN_REQUEST_ROWS = 5
    settings.MEDIA_ROOT = tmp_path
    load_partner_records()
    base = live_server.url
    console, audit = on_desktop(page)

    log_in(page, base, "coordinator")
    page.goto(f"{base}/admin/partnership/organisation/import/")
    upload = tmp_path / "towns.csv"
    upload.write_bytes(FILE.encode())
    page.get_by_label("File to import:").set_input_files(upload)
    page.get_by_role("button", name="Submit").click()

    status = page.get_by_role("status")
    expect(status).to_contain_text("Checking the file: Done")
    expect(page.get_by_text("10 rows were checked without a problem.")).to_be_visible()
    expect(page.locator("table.import-preview tr.new")).to_have_count(10)
    assert not Organisation.objects.filter(name__startswith="Harbour town").exists()
    audit("admin: large import, preview", admin=True)
    screenshot(page, "admin-import-job-preview.png")

    page.get_by_role("button", name="Confirm import").click()
    expect(status).to_contain_text("Importing the file: Done")
    expect(status).to_contain_text("Import finished: 10 new, 0 updated, 0 skipped.")
    audit("admin: large import, done", admin=True)
    assert Organisation.objects.filter(name__startswith="Harbour town").count() == 10
    assert list(Job.objects.values_list("state", flat=True)) == ["done", "done"]
    assert console.take() == []
