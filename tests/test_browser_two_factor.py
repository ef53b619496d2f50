"""Two-factor login in a real browser: a coordinator registers a passkey with Chromium's virtual authenticator, then
logs in with the password and that passkey. Served on localhost: a WebAuthn relying party is a host name, never an
IP address. Each page is checked with axe and logs no console error (so the library's scripts meet the CSP)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import Page, expect
from test_browser_foundation import on_desktop, screenshot

from partnership.demo import load_partner_records
from partnership.tests.second_factor import browser_log_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_coordinator_registers_a_passkey_and_logs_in_with_it(
    live_server: Any, chromium_available: None, page: Page, settings: Any
) -> None:
    base = live_server.url
    assert base.startswith("http://localhost:"), "WebAuthn needs a host name"
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [base]
    load_partner_records()
    coordinator = get_user_model().objects.get(username="coordinator")
    console, audit = on_desktop(page)
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )

    # The password, then the demo authenticator's code; then the two-factor page from the profile's link.
    browser_log_in(page, base, "coordinator", "demo")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.goto(f"{base}/account/two-factor/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor login")
    audit("two-factor page")
    screenshot(page, "two-factor.png")
    page.get_by_role("button", name="Register a passkey").click()
    # The first factor made in the portal: the recovery codes, once.
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    audit("recovery codes")
    assert WebAuthnCredential.objects.filter(user=coordinator, confirmed=True).count() == 1
    page.get_by_role("link", name="I have kept them: continue").click()

    # A new login: the password, then the passkey.
    page.get_by_role("button", name="Log out").click()
    page.goto(f"{base}/accounts/login/?next=/admin/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Second factor")
    audit("second factor")
    screenshot(page, "two-factor-verify.png")
    page.get_by_role("button", name="Use a passkey").click()
    expect(page).to_have_url(f"{base}/admin/")
    expect(page.get_by_role("link", name="Organisations").first).to_be_visible()
    assert console.take() == []
