"""A document in the shared S3-compatible bucket (moto's server), in a real browser: uploaded on the action's page,
downloaded by another member, streamed or through a signed address, and refused to someone of another partnership."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, FilePayload, Page, expect
from test_browser_foundation import on_desktop

from actions.models import Action, ActionDocument
from actions.tests.factories import ActionFactory, organisation_of
from partnership.models import Membership
from partnership.tests.factories import PartnershipFactory, member_user
from partnership.tests.second_factor import browser_log_in

PASSWORD = "secret-pass-123"  # the user factory's
CONTENT = b"%PDF-1.4 lighting concept note"


def log_in(page: Page, base: str, username: str) -> None:
    browser_log_in(page, base, username, PASSWORD)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def download(page: Page, link_name: str) -> tuple[str, bytes]:
    with page.expect_download() as started:
        page.get_by_role("link", name=link_name).click()
    file = started.value
    return file.url, Path(file.path()).read_bytes()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_document_in_the_bucket_is_uploaded_and_downloaded_in_the_browser_only_by_members(
    live_server: Any,
    chromium_available: None,
    page: Page,
    browser: Browser,
    s3_server: Any,
    s3_storage: dict[str, str],
    settings: Any,
    tmp_path: Path,
) -> None:
    partnership = PartnershipFactory.create(name="Security in Public Spaces", slug="security", is_public=True)
    partner = member_user(partnership, Membership.Role.PARTNER)
    coordinator = member_user(partnership, Membership.Role.COORDINATOR)
    outsider = member_user(PartnershipFactory.create(), Membership.Role.PARTNER)
    action = ActionFactory.create(
        partnership=partnership, owner=organisation_of(partner), state=Action.State.UNDER_DISCUSSION
    )
    base = live_server.url
    console, audit = on_desktop(page)

    log_in(page, base, partner.username)
    page.goto(base + action.get_absolute_url())
    page.get_by_text("Add a document").click()
    page.get_by_label("Title").fill("Lighting concept note")
    upload: FilePayload = {"name": "concept-note.pdf", "mimeType": "application/pdf", "buffer": CONTENT}
    page.get_by_label("File").set_input_files(files=upload)
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("link", name="Lighting concept note")).to_be_visible()
    audit("action page with a document in the bucket")
    page.screenshot(path=str(tmp_path / "action-document-in-the-bucket.png"), full_page=True)
    document = ActionDocument.objects.get()
    listing = s3_server.client().list_objects_v2(Bucket=s3_storage["AWS_STORAGE_BUCKET_NAME"])
    assert [item["Key"] for item in listing["Contents"]] == [document.file.name]

    member = browser.new_page()
    on_desktop(member)
    log_in(member, base, coordinator.username)
    member.goto(base + action.get_absolute_url())
    url, body = download(member, "Lighting concept note")
    assert body == CONTENT
    assert url.startswith(base), "streamed through the portal"

    settings.FILES_SIGNED_URL_SECONDS = 30
    url, body = download(member, "Lighting concept note")
    assert body == CONTENT
    assert url.startswith(s3_server.endpoint) and "X-Amz-Expires=30" in url, "handed to the bucket, signed"

    stranger = browser.new_page()
    log_in(stranger, base, outsider.username)
    response = stranger.goto(base + document.get_absolute_url())
    assert response is not None and response.status == 404
    assert console.take() == []
    # Their keep-alive connections would hold the live server's threads, and database sessions, open.
    member.close()
    stranger.close()
