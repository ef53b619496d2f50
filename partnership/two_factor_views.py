"""The two-factor pages: setting factors up from the profile, passing the second factor after the password, the
one-time recovery codes. Who must pass, and the writes, are in partnership.two_factor."""

from __future__ import annotations

import base64

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from partnership import access, two_factor
from partnership.parameters import query_parameters
from partnership.two_factor_forms import CodeForm

# The recovery codes just made, kept in the session until the page that shows them once.
NEW_CODES_SESSION_KEY = "two_factor_new_codes"


def _owed(request: HttpRequest) -> bool:
    """A user with factors who has not passed one in this session may not change them: pass first."""
    return not two_factor.passed(request) and user_has_device(request.user, confirmed=True)


def _to_verify(request: HttpRequest) -> HttpResponse:
    return redirect(reverse("two_factor_verify") + "?" + urlencode({"next": request.get_full_path()}))


def _passed_with(request: HttpRequest, device: object) -> None:
    otp_login(request, device)
    request.session[two_factor.ENROLLED_SESSION_KEY] = True


@require_http_methods(["GET", "POST"])
@query_parameters("next")
@never_cache
def overview(request: HttpRequest) -> HttpResponse:
    """The user's factors, with the ways to add one and to remove one; where staff are sent to set one up."""
    access.signed_in(request.user)
    if _owed(request):
        return _to_verify(request)
    user = request.user
    next_url = two_factor.safe_next(request, request.GET.get("next"))
    if request.method == "POST":
        try:
            removed = two_factor.factor_remove(user=user, persistent_id=access.posted_text(request.POST.get("remove")))
        except two_factor.SecondFactorRefused as refusal:
            messages.error(request, str(refusal))
        else:
            if removed is None:
                access.posted_id("")  # not one of this user's factors: answered like a missing object
            messages.success(request, _("The second factor has been removed."))
            request.session[two_factor.ENROLLED_SESSION_KEY] = user_has_device(user, confirmed=True)
        return redirect("two_factor")
    devices = two_factor.factors(user)
    return render(
        request,
        "partnership/two_factor/overview.html",
        {
            "devices": devices,
            "passkeys": [device for device in devices if isinstance(device, WebAuthnCredential)],
            "required": two_factor.is_required(user),
            "codes_left": two_factor.recovery_codes_left(user),
            "next": next_url if request.GET.get("next") else "",
        },
    )


@require_http_methods(["GET", "POST"])
@query_parameters("next")
@never_cache
def totp_setup(request: HttpRequest) -> HttpResponse:
    """Set an authenticator app up: its QR code and secret, confirmed with a code it shows."""
    access.signed_in(request.user)
    if _owed(request):
        return _to_verify(request)
    device = two_factor.totp_device_start(user=request.user)
    form = CodeForm(request.POST or None, help_text=_("The six digits your app shows now."))
    if request.method == "POST" and form.is_valid():
        problem = two_factor.totp_device_confirm(device=device, code=form.cleaned_data["code"])
        if not problem:
            _passed_with(request, device)
            messages.success(request, _("Your authenticator app is set up."))
            return _after_setup(request)
        form.add_error("code", problem)
    secret = base64.b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "partnership/two_factor/totp.html",
        {
            "form": form,
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "qr_svg": qr.svg_inline(scale=5, light="#fff", title=_("QR code for your authenticator app")),
            "next": request.GET.get("next", ""),
        },
    )


def _after_setup(request: HttpRequest) -> HttpResponse:
    """After the first factor, the recovery codes once; after another, back where the user was going."""
    next_url = two_factor.safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if two_factor.recovery_codes_left(request.user):
        return redirect(next_url)
    request.session[NEW_CODES_SESSION_KEY] = two_factor.recovery_codes_renew(user=request.user)
    return redirect(reverse("two_factor_codes") + "?" + urlencode({"next": next_url}))


@require_http_methods(["GET", "POST"])
@query_parameters("next")
@never_cache
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of logging in: a code from the app, a passkey, or a recovery code."""
    access.signed_in(request.user)
    next_url = two_factor.safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if two_factor.passed(request):
        return redirect(next_url)
    if not user_has_device(request.user, confirmed=True):
        return redirect(reverse("two_factor") + "?" + urlencode({"next": next_url}))
    form = CodeForm(
        request.POST or None,
        help_text=_("The six digits your authenticator app shows, or one of your recovery codes."),
    )
    if request.method == "POST" and form.is_valid():
        device, problem = two_factor.code_verify(user=request.user, code=form.cleaned_data["code"])
        if device is not None:
            _passed_with(request, device)
            if two_factor.recovery_codes_left(request.user) <= 2:
                messages.warning(request, _("Few recovery codes are left: make new ones on your two-factor page."))
            return redirect(next_url)
        form.add_error("code", problem)
    return render(
        request,
        "partnership/two_factor/verify.html",
        {
            "form": form,
            "next": next_url,
            "has_passkey": WebAuthnCredential.objects.filter(user=request.user, confirmed=True).exists(),
            "has_app": TOTPDevice.objects.filter(user=request.user, confirmed=True).exists(),
        },
    )


@require_http_methods(["GET", "POST"])
@query_parameters("next")
@never_cache
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """POST makes ten new recovery codes (the old ones stop working); GET shows the new ones, once."""
    access.signed_in(request.user)
    if _owed(request):
        return _to_verify(request)
    next_url = two_factor.safe_next(request, request.GET.get("next") or request.POST.get("next"))
    if request.method == "POST":
        if not two_factor.factors(request.user):
            messages.error(request, _("Set up an authenticator app or a passkey first."))
            return redirect("two_factor")
        request.session[NEW_CODES_SESSION_KEY] = two_factor.recovery_codes_renew(user=request.user)
        return redirect(reverse("two_factor_codes") + "?" + urlencode({"next": reverse("two_factor")}))
    codes = request.session.pop(NEW_CODES_SESSION_KEY, None)
    if not codes:
        return redirect("two_factor")
    return render(request, "partnership/two_factor/codes.html", {"codes": codes, "next": next_url})


@require_POST
@query_parameters()
@never_cache
def passkey_registered(request: HttpRequest) -> HttpResponse:
    """Where the page goes after the passkey library registered one: recovery codes if this is the first factor."""
    access.signed_in(request.user)
    if _owed(request):
        return _to_verify(request)
    request.session[two_factor.ENROLLED_SESSION_KEY] = True
    messages.success(request, _("Your passkey is registered."))
    return _after_setup(request)
