"""Issue 14's journey in a real browser: the Croatian ministry opens its results, downloads a chart as PNG and the
responses as an SPSS file, closes the survey and publishes its results, each confirmed on its own page; the
Italian owner then sees both countries compared. Every page passes axe; screenshots go to SHOTS_DIR."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

import pyreadstat
import pytest
from django.contrib.auth import get_user_model
from PIL import Image
from playwright.sync_api import Page, expect
from test_browser_foundation import log_in, on_desktop

from partnership.demo import load_partner_records
from partnership.models import Person
from surveys.demo import load_surveys
from surveys.models import Survey

SHOTS = Path(os.environ.get("SHOTS_DIR", Path(__file__).resolve().parent.parent / "docs" / "screenshots"))


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_ministry_downloads_a_chart_and_its_spss_file_publishes_and_italy_compares(
    live_server: Any, chromium_available: None, page: Page, tmp_path: Path
) -> None:
    surveys = load_surveys(load_partner_records())
    croatian, italian = surveys["croatian"], surveys["italian"]
    tuscany = get_user_model().objects.create_user("toscana", "gbianchi@toscana.example", "demo")
    Person.objects.filter(email="gbianchi@toscana.example").update(user=tuscany)
    submitted = croatian.responses.filter(submitted_at__isnull=False).count()
    base = live_server.url
    console, audit = on_desktop(page)
    log_in(page, base, "ministry")

    # The results, each question's chart beside its table.
    page.goto(f"{base}/surveys/{croatian.pk}/results/")
    charts = page.locator("figure.result-figure svg[role=img]")
    expect(charts.first).to_be_visible()
    assert charts.count() >= 5
    audit("results with charts")
    shot(page, "results-with-charts.png")
    with page.expect_download() as png_download:
        page.locator("figure.result-figure").first.get_by_role("link", name=re.compile("^PNG")).click()
    png = Path(png_download.value.path()).read_bytes()
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size[0] == 1280

    # The SPSS file, prepared in the background, read back with its labels.
    page.goto(f"{base}/surveys/{croatian.pk}/exports/")
    page.get_by_role("button", name="Prepare SPSS (.sav) in the background").click()
    download_link = page.get_by_role("link", name=re.compile("Download.*SPSS"))
    expect(download_link).to_be_visible()
    audit("exports with the SPSS file ready")
    shot(page, "exports-spss-ready.png")
    with page.expect_download() as sav_download:
        download_link.click()
    sav = tmp_path / "responses.sav"
    sav.write_bytes(Path(sav_download.value.path()).read_bytes())
    frame, meta = pyreadstat.read_sav(str(sav))
    assert len(frame) == submitted
    assert meta.column_names[:2] == ["response", "submitted_at"]
    assert all(len(name) <= 32 and name.isascii() for name in meta.column_names)
    assert any(labels for labels in meta.variable_value_labels.values())

    # Close, then publish: each asks first, and comes after the invitations on the page.
    page.goto(f"{base}/surveys/{croatian.pk}/manage/")
    expect(page.get_by_role("row", name=re.compile("^Invited"))).to_contain_text("%")
    audit("manage page with the funnel")
    shot(page, "manage-funnel-and-dates.png")
    page.get_by_role("link", name="Close the survey…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Close the survey?")
    audit("close confirmation")
    shot(page, "close-confirmation.png")
    page.get_by_role("button", name="Close the survey").click()
    expect(page.get_by_role("status").first).to_contain_text("The survey is now “Closed”.")
    page.get_by_role("link", name="Publish the results…").click()
    audit("publish confirmation")
    page.get_by_role("button", name="Publish the results").click()
    croatian.refresh_from_db()
    assert croatian.state == Survey.State.RESULTS_PUBLISHED
    page.get_by_role("button", name="Log out").click()

    # The Italian owner sees both countries, each with why.
    log_in(page, base, "toscana")
    page.goto(f"{base}/surveys/{italian.pk}/compare/")
    clones = page.locator("#clones")
    expect(clones.get_by_role("row", name=re.compile("Croatia"))).to_contain_text("published the results")
    expect(clones.get_by_role("row", name=re.compile("Italy"))).to_contain_text("Your organisation")
    first_chart = page.locator("figure.result-figure svg").first
    expect(first_chart).to_contain_text("Croatia")
    expect(first_chart).to_contain_text("Italy")
    expect(page.get_by_role("navigation", name="Breadcrumb")).to_be_visible()
    audit("comparison of both countries as the Italian owner")
    shot(page, "compare-croatia-italy.png")
    assert console.take() == []
