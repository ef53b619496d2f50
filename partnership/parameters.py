"""The query parameters each page reads, declared on its view.

`@query_parameters("q", "page")` above a view names what it reads from the address (a filter form's class
stands for its fields); `@query_parameters()` says it reads nothing. The declaration is what the hostile-input
sweep sends bad values to, and a test fails on a URL pattern whose view declares nothing, so a new page is
covered as soon as it is routed. A query string with a NUL character is answered 400 before the view runs:
no person types one, and PostgreSQL refuses it in any text it is asked to compare.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

View = TypeVar("View", bound=Callable[..., Any])

ATTRIBUTE = "query_parameters"


def query_parameters(*read: str | type[forms.Form]) -> Callable[[View], View]:
    """Declare the parameters the view reads from the query string: names, or form classes bound to it."""
    names: set[str] = set()
    for item in read:
        names.update(item.base_fields if isinstance(item, type) else [item])

    def declare(view: View) -> View:
        @functools.wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if has_nul(request):
                return HttpResponseBadRequest("A query parameter holds a NUL character.", content_type="text/plain")
            response: HttpResponse = view(request, *args, **kwargs)
            return response

        setattr(guarded, ATTRIBUTE, frozenset(names))
        return guarded  # type: ignore[return-value]

    return declare


def has_nul(request: HttpRequest) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists())


def declared(view: Callable[..., Any]) -> frozenset[str] | None:
    """The parameters a routed view declares, or None when it declares nothing."""
    found = getattr(view, ATTRIBUTE, None)
    return found if found is None else frozenset(found)


# Django's own pages that the portal routes (by URL name): what they read from the address. Their forms are
# Django's; the hostile-input sweep tries them all the same.
OTHERS: dict[str, frozenset[str]] = {
    "login": frozenset({"next"}),
    "logout": frozenset({"next"}),
    "password_change": frozenset(),
    "password_change_done": frozenset(),
    "password_reset": frozenset(),
    "password_reset_done": frozenset(),
    "password_reset_confirm": frozenset(),
    "password_reset_complete": frozenset(),
    "set_language": frozenset({"next"}),
    # django-otp-webauthn's passkey endpoints (JSON posted by its script) and its script's catalogue.
    "otp_webauthn:credential-registration-begin": frozenset(),
    "otp_webauthn:credential-registration-complete": frozenset(),
    "otp_webauthn:credential-authentication-begin": frozenset(),
    "otp_webauthn:credential-authentication-complete": frozenset({"next"}),
    "otp_webauthn:js-i18n-catalog": frozenset(),
}
