"""The one way tests log staff in past the second factor (partnership.two_factor).

`VerifiedClient` is the root conftest's `client`: its `force_login` (and `login`) leaves a staff user, a superuser
or a user with a confirmed device verified, as `django_otp.login` does after a real code: the session holds the
persistent id of a real TOTP device (the user's own, or one named "test" made for them). Browser journeys log
in through the pages and type `current_code(user)`, computed from that device's key.
"""

from __future__ import annotations

import time
from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

TEST_DEVICE_NAME = "test"


def needs_second_factor(user: Any) -> bool:
    return bool(user.is_staff or user.is_superuser or user_has_device(user, confirmed=True))


def totp_device(user: Any) -> TOTPDevice:
    """The user's confirmed authenticator app: their own (the demo's staff have one), else one named "test"."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TEST_DEVICE_NAME, confirmed=True)
    return device


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app with this device's key shows now (or that many 30-second steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return str(totp.token()).zfill(device.digits)


def current_code(user: Any) -> str:
    """A code that the user's authenticator app device accepts now. A code is accepted once: the device forgets
    the last one used, so a journey that logs the same user in twice within 30 seconds is not refused."""
    device = totp_device(user)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    device.refresh_from_db()
    return code_for(device)


def mark_verified(client: Client, user: Any) -> None:
    """Put the user's device in the client's session as having passed, the way django_otp.login does."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
    session.save()


class VerifiedClient(Client):
    """Django's test client, whose logins pass the second factor for those who must pass one."""

    def _login(self, user: Any, backend: str | None = None) -> None:
        super()._login(user, backend)  # type: ignore[misc]
        if needs_second_factor(user):
            mark_verified(self, user)


def browser_log_in(page: Any, base: str, username: str, password: str) -> None:
    """Log in through the pages as a person does: the password, then, for those who must pass one, the second
    factor with the current code of their authenticator app (the demo's, or one named "test" made beforehand so
    that the portal asks for a code rather than a set-up)."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    second_factor = needs_second_factor(user)
    if second_factor:
        totp_device(user)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    if second_factor:
        page.locator("input[name=code]").fill(current_code(user))
        page.locator("form:has(input[name=code]) button[type=submit]").click()
