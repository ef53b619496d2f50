"""Two-factor login: who must pass a second factor, the middleware that holds them to it, and the writes.

The rule lives here alone. Staff (coordinators and the technical secretariat, made staff by
`services.coordinator_access_sync`) and superusers, and anyone who set a factor up of their own accord,
pass a second factor after the password before any page but a short list (logging out, these pages, the
statements, static files). The factors are django-otp's devices: an authenticator app (TOTP), passkeys and
security keys (django-otp-webauthn) and ten one-time recovery codes; the libraries do all the cryptography.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django_otp import devices_for_user, user_has_device
from django_otp.models import Device, VerifyNotAllowed
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from partnership.services import Actor, audit_record

# Set at login: whether this user had set a factor up then (a partner who opted in), so that the pages of a
# user without one cost no query for the rule.
ENROLLED_SESSION_KEY = "two_factor_enrolled"
RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "recovery codes"
# Where a signed-in user who still owes the second factor may go: what it takes to pass it or to leave.
OPEN_URL_NAMES = ("logout", "privacy", "accessibility", "set_language", "health")


class SecondFactorRefused(Exception):
    """A write the rule forbids (removing a staff user's last factor); the message says why."""


def must_pass(user: Any, session: Any) -> bool:
    """Whether this signed-in user must pass a second factor in this session before the portal's pages."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff or user.is_superuser or session.get(ENROLLED_SESSION_KEY))


def is_required(user: Any) -> bool:
    """Whether the user may not go without a second factor at all (staff and superusers)."""
    return bool(user.is_staff or user.is_superuser)


def passed(request: HttpRequest) -> bool:
    is_verified: Callable[[], bool] | None = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())


def factors(user: Any) -> list[Device]:
    """The user's confirmed ways to pass: authenticator apps and passkeys (not the recovery codes)."""
    return [device for device in devices_for_user(user, confirmed=True) if not isinstance(device, StaticDevice)]


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def safe_next(request: HttpRequest, target: str | None) -> str:
    """`target` if it is a path of this site, else the home page."""
    if (
        target
        and target.startswith("/")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _open_prefixes() -> tuple[str, ...]:
    return (
        reverse("two_factor"),
        settings.STATIC_URL,
        settings.MEDIA_URL,
        *(reverse(name) for name in OPEN_URL_NAMES),
    )


class SecondFactorMiddleware:
    """Sends a signed-in user who owes a second factor to the step they need: setting a factor up (staff without
    one; required before the first staff page) or passing it, back to the page they asked for afterwards."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if must_pass(user, request.session) and not passed(request) and not request.path.startswith(_open_prefixes()):
            return self.step(request, user)
        return self.get_response(request)

    def step(self, request: HttpRequest, user: Any) -> HttpResponse:
        enrolled = user_has_device(user, confirmed=True)
        if not enrolled and not is_required(user):
            # A partner whose factors a superuser reset: nothing to pass any more.
            request.session[ENROLLED_SESSION_KEY] = False
            return self.get_response(request)
        target = reverse("two_factor_verify" if enrolled else "two_factor")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)


@receiver(user_logged_in)
def _remember_enrolment(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session") and not is_required(user):
        request.session[ENROLLED_SESSION_KEY] = user_has_device(user, confirmed=True)


# Writes -----------------------------------------------------------------------------------------------------


@transaction.atomic
def totp_device_start(*, user: Any) -> TOTPDevice:
    """The user's authenticator app being set up: one unconfirmed device, kept until confirmed with a code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
    return device


def code_check(device: Device, code: str) -> str:
    """Check a code on one device; '' when it passes, else why not (the library throttles repeated failures)."""
    allowed, why = device.verify_is_allowed()
    if not allowed:
        if why and why.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS:
            return _("Too many wrong codes: wait a few seconds, then try the newest code.")
        return _("This device cannot be used now.")
    if device.verify_token(code):
        return ""
    return _("That code is wrong or has been used already: enter the newest code your app shows.")


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, code: str) -> str:
    """Confirm the authenticator app with a code it shows; '' when confirmed, else why not."""
    problem = code_check(device, code)
    if not problem:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return problem


def code_verify(*, user: Any, code: str) -> tuple[Device | None, str]:
    """Pass the second factor with an authenticator app's code or a recovery code (used up by passing)."""
    code = "".join(code.split())
    if not code:
        return None, _("Enter the code.")
    kind = TOTPDevice if code.isdigit() and len(code) <= 8 else StaticDevice
    wrong = _("That code is wrong or has been used already: enter the newest code your app shows.")
    problem = wrong
    for device in kind.objects.filter(user=user, confirmed=True):
        problem = code_check(device, code)
        if not problem:
            return device, ""
    if kind is StaticDevice and problem == wrong:
        problem = _("That recovery code is wrong or has been used already.")
    return None, problem


@transaction.atomic
def recovery_codes_renew(*, user: Any) -> list[str]:
    """Ten new one-time recovery codes for the user, replacing any earlier ones; shown to them once."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def factor_remove(*, user: Any, persistent_id: str) -> Device | None:
    """Remove one of the user's own factors (None if it is not theirs). Staff keep at least one; with the last
    one gone, a partner's recovery codes go too and they log in with the password alone again."""
    device = next((d for d in devices_for_user(user, confirmed=None) if d.persistent_id == persistent_id), None)
    if device is None or isinstance(device, StaticDevice):
        return None
    others = [other for other in factors(user) if other.persistent_id != persistent_id]
    if device.confirmed and not others and is_required(user):
        raise SecondFactorRefused(_("Staff keep at least one second factor: add another before removing this one."))
    device.delete()
    if not others:
        StaticDevice.objects.filter(user=user).delete()
    return device


@transaction.atomic
def factors_reset(*, user: Any, by: Actor) -> list[str]:
    """A superuser's reset for a user who lost their device: every factor and recovery code goes, recorded in the
    audit log; staff set a factor up again at their next page."""
    removed = [f"{device._meta.verbose_name}: {device.name}" for device in devices_for_user(user, confirmed=None)]
    for model in (TOTPDevice, StaticDevice, WebAuthnCredential):
        model.objects.filter(user=user).delete()
    person = getattr(user, "person", None)
    audit_record(by=by, verb="two_factor_reset", instance=person or user, changes={"factors": [removed, []]})
    return removed
