from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Any

from celery import current_app
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_countries import countries

from partnership import access, clients, selectors, services
from partnership.forms import DirectoryFilterForm, PortalPasswordResetForm, ProfileForm
from partnership.models import Membership
from partnership.parameters import query_parameters

DIRECTORY_PAGE_SIZE = 50
# Password reset requests an hour: from one visitor's address, and for one e-mail address typed.
PASSWORD_RESETS_PER_ADDRESS = 10
PASSWORD_RESETS_PER_ACCOUNT = 3


@query_parameters()
def partnership_detail(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = selectors.partnership_access(request.user, slug)
    role = selectors.user_role_in(request.user, partnership)
    return render(
        request,
        "partnership/partnership_detail.html",
        {
            "partnership": partnership,
            "priority_areas": partnership.priority_areas.all(),
            "pillars": partnership.pillars.all(),
            "role": role,
            "role_label": Membership.Role(role).label if role else "",
            "member_count": selectors.directory_memberships(partnership=partnership, show_contacts=False).count(),
        },
    )


@query_parameters(DirectoryFilterForm, "page")
def directory(request: HttpRequest, slug: str) -> HttpResponse:
    """Member organisations of a partnership by role and country; contacts for members only."""
    partnership = selectors.partnership_access(request.user, slug)
    show_contacts = selectors.is_member(request.user, partnership)
    used_countries = selectors.directory_countries(partnership=partnership)
    country_choices = sorted(((code, countries.name(code)) for code in used_countries), key=lambda c: str(c[1]))
    form = DirectoryFilterForm(request.GET or None, countries=country_choices)
    role = country = ""
    if form.is_valid():
        role, country = form.cleaned_data["role"], form.cleaned_data["country"]
    memberships = selectors.directory_memberships(
        partnership=partnership, show_contacts=show_contacts, role=role, country=country
    )
    page = Paginator(memberships, DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "partnership/directory.html",
        {
            "partnership": partnership,
            "page": page,
            "form": form,
            "show_contacts": show_contacts,
            "query": query.urlencode(),
        },
    )


@query_parameters()
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_access(request.user, pk)
    return render(
        request,
        "partnership/organisation_detail.html",
        {
            "organisation": organisation,
            "memberships": selectors.organisation_memberships_with_contacts(
                organisation=organisation, user=request.user
            ),
        },
    )


@query_parameters()
@never_cache
def profile(request: HttpRequest) -> HttpResponse:
    person = selectors.own_person_access(request.user, need="profile")
    form = ProfileForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ProfileForm.Meta.fields}
        services.profile_update(person=person, by=request.user, consents=form.consents(), **fields)
        messages.success(request, _("Your details have been saved."))
        response = redirect("profile")
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, person.language, samesite="Lax")
        return response
    if request.method == "POST":
        messages.error(request, _("Please correct the errors below."))
    return render(request, "partnership/profile.html", {"form": form, "person": person})


@require_GET
@query_parameters()
@never_cache
def profile_data(request: HttpRequest) -> HttpResponse:
    person = selectors.own_person_access(request.user, need="data")
    data = services.person_data_export(person=person)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return response


@query_parameters()
def privacy(request: HttpRequest) -> HttpResponse:
    access.public(request)
    return render(request, "partnership/privacy.html")


@query_parameters()
def accessibility(request: HttpRequest) -> HttpResponse:
    access.public(request)
    return render(request, "partnership/accessibility.html")


@never_cache
@require_GET
@query_parameters()
def health(request: HttpRequest) -> JsonResponse:
    """Whether the database, the cache and the broker are reachable; 503 if any is not."""
    access.public(request)
    checks: dict[str, Any] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001
        checks["database"] = f"error: {type(error).__name__}"
    try:
        cache.set("health-check", "ok", 5)
        checks["cache"] = "ok" if cache.get("health-check") == "ok" else "error: value not kept"
    except Exception as error:  # noqa: BLE001
        checks["cache"] = f"error: {type(error).__name__}"
    checks["broker"] = _broker_status()
    healthy = all(value in ("ok", "eager") for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


def _broker_status() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as error:  # noqa: BLE001
        return f"error: {type(error).__name__}"


@query_parameters()
def ping(request: HttpRequest) -> HttpResponse:
    """A bare view: the benchmark's baseline for what Django costs without any work."""
    access.public(request)
    return HttpResponse(b"pong", content_type="text/plain")


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset through the outbox, limited per visitor's address and per e-mail address, so
    nobody can fill a mailbox or the outbox: beyond a limit nothing is queued and the form says why."""

    form_class = PortalPasswordResetForm

    def form_valid(self, form: Any) -> HttpResponse:
        email = unicodedata.normalize("NFKC", form.cleaned_data["email"]).casefold()
        keys = {
            f"password-reset-address:{clients.client_address(self.request)}": PASSWORD_RESETS_PER_ADDRESS,
            f"password-reset-account:{hashlib.sha256(email.encode()).hexdigest()}": PASSWORD_RESETS_PER_ACCOUNT,
        }
        if any(clients.limit_reached(key, limit) for key, limit in keys.items()):
            form.add_error(None, _("Too many password reset requests; please try again in an hour."))
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        for key in keys:
            clients.limit_count(key)
        return super().form_valid(form)
