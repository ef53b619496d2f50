"""How every view states who may open it, and the one place that turns a refusal into an answer.

A view's first line is its access call. For a page about one object that is the app's
`<noun>_access(user, pk, *, need=...)` selector, which returns the object or raises `Http404`
(the user may not know it exists, the same answer as for a missing one) or `PermissionDenied`
(they may see it but not do this). Pages without such an object call `public(request)` or
`signed_in(request.user)` here. An anonymous visitor who is refused is sent to log in instead
(`AccessMiddleware`): signing in may give them what they asked for.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from partnership.request_memo import request_memo


class SignInRequired(PermissionDenied):
    """Raised for an anonymous visitor where a signed-in user might be allowed."""


def public(request: HttpRequest) -> None:
    """Anyone may open this page, signed in or not; what it shows is scoped by its selectors."""


def signed_in(user: Any) -> None:
    """Any signed-in user may open this page; an anonymous visitor is sent to log in."""
    if not getattr(user, "is_authenticated", False):
        raise SignInRequired


def refuse(user: Any, message: str = "") -> NoReturn:
    """The user may see the object but not do this: 403, or the login page for a visitor."""
    signed_in(user)
    raise PermissionDenied(message)


def posted_id(value: Any) -> int:
    """An id a form posted, as a number; anything else names nothing, so it is answered like a missing object."""
    text = str(value or "").strip()
    if not text.isdigit() or len(text) > 18:
        raise Http404
    return int(text)


def posted_text(value: Any, limit: int = 2000) -> str:
    """Free text posted beside a form's fields (a reason on a button's form), as a service may store it: without
    NUL characters, which no person types and PostgreSQL refuses, and no longer than `limit`."""
    return str(value or "").replace("\x00", "")[:limit]


class AccessMiddleware:
    """Answers a `SignInRequired` with a redirect to the login page, back to this address after it, and keeps a
    GET's reads about its user for the length of the request (`request_memo`)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            response: HttpResponse = self.get_response(request)
            return response
        # A GET changes nothing: what the page reads about its user (person, memberships) is read once.
        with request_memo():
            response = self.get_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, SignInRequired):
            return redirect_to_login(request.get_full_path())
        return None
