"""The notification pages: the list behind the bell, how each kind is mailed, and the unsubscribe link."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from partnership import access, notifications, once
from partnership import notification_selectors as selectors
from partnership.models import Membership, Notification, Partnership
from partnership.notification_forms import AnnouncementForm, NotificationPreferencesForm
from partnership.parameters import query_parameters

PAGE_SIZE = 25


@require_http_methods(["GET", "POST"])
@query_parameters("page")
@never_cache
def notification_list(request: HttpRequest) -> HttpResponse:
    access.signed_in(request.user)
    if request.method == "POST":
        ids = None if "all" in request.POST else [access.posted_id(request.POST.get("notification"))]
        count = notifications.notifications_mark_read(user=request.user, ids=ids)
        if ids is None:
            messages.success(
                request,
                ngettext("%(count)d notification marked read.", "%(count)d notifications marked read.", count)
                % {"count": count},
            )
        return redirect(request.get_full_path())
    page = Paginator(selectors.notifications_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    unread = selectors.unread_count(request.user)
    return render(request, "partnership/notifications.html", {"page": page, "unread": unread})


@require_http_methods(["GET", "POST"])
@query_parameters()
@never_cache
def notification_preferences(request: HttpRequest) -> HttpResponse:
    access.signed_in(request.user)
    form = NotificationPreferencesForm(request.POST or None, deliveries=selectors.deliveries_of(request.user))
    if request.method == "POST":
        if form.is_valid():
            notifications.preferences_set(user=request.user, deliveries=form.cleaned_data)
            messages.success(request, _("Your choices have been saved."))
            return redirect("notification_preferences")
        messages.error(request, _("Please correct the errors below."))
    return render(request, "partnership/notification_preferences.html", {"form": form, "kinds": Notification.Kind})


@csrf_exempt  # RFC 8058: the mail client posts "List-Unsubscribe=One-Click" without a session; the token is the proof
@require_http_methods(["GET", "POST"])
@query_parameters()
@never_cache
def notification_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    access.public(request)
    try:
        user, kind = notifications.unsubscribe_read(token)
    except ValidationError as error:
        return render(request, "partnership/unsubscribe.html", {"error": error.messages[0]}, status=404)
    label = _("daily digests") if kind == notifications.DIGEST else Notification.Kind(kind).label
    if request.method == "POST":
        notifications.unsubscribe(user=user, kind=kind)
        return render(request, "partnership/unsubscribe.html", {"done": True, "label": label})
    return render(request, "partnership/unsubscribe.html", {"label": label})


@require_http_methods(["GET", "POST"])
@query_parameters()
def announcement_new(request: HttpRequest, slug: str) -> HttpResponse:
    """A coordinator writes to all members of the partnership, or to the members of one role."""
    partnership = selectors.announcement_partnership_access(request.user, slug)
    form = AnnouncementForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            role = form.cleaned_data["role"]
            recipients = notifications.members_of(partnership.pk, roles=[role] if role else None)
            audience = Membership.Role(role).label if role else _("All members")
            if announcement_published(request, form, partnership, recipients, str(audience), role=role):
                return redirect("home")
        messages.error(request, _("Please correct the errors below."))
    return render(
        request,
        "partnership/announcement_form.html",
        {"form": form, "partnership": partnership, "audience": None},
        status=400 if request.method == "POST" else 200,
    )


def announcement_published(
    request: HttpRequest,
    form: AnnouncementForm,
    partnership: Partnership,
    recipients: QuerySet[Any],
    audience: str,
    *,
    role: str = "",
) -> bool:
    """Publish a valid announcement form to `recipients` and say to how many people; False, with the reason on the
    form, when it cannot be published. The partnership's and a meeting's announcement pages both post here."""
    try:
        with once.creating(request) as created:
            announcement = notifications.announcement_publish(
                partnership=partnership,
                by=request.user,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                expires_at=form.expires_at(),
                recipients=recipients,
                audience=audience,
                role=role,
            )
            created.url = request.path
    except once.Repeated:
        return True  # a second click: the first one published it, and said so
    except ValidationError as error:
        if hasattr(error, "error_dict"):  # the service names the model's field, where the form asks for a day
            error = ValidationError(
                {"expires_on" if name == "expires_at" else name: errors for name, errors in error.error_dict.items()}
            )
        form.add_error(None, error)
        return False
    count = announcement.recipients.count()
    messages.success(
        request,
        ngettext(
            "The announcement is published to %(count)d person.",
            "The announcement is published to %(count)d people.",
            count,
        )
        % {"count": count},
    )
    return True


def follow_posted(request: HttpRequest, instance: Any, *, followed: str, unfollowed: str) -> HttpResponse:
    """Follow or stop following an action or a meeting as posted ("following" = "1" follows), say which, and go back
    to its page. The app's view has checked that the user may see it."""
    following = notifications.follow_set(
        user=request.user, instance=instance, following=request.POST.get("following") == "1"
    )
    messages.success(request, followed if following else unfollowed)
    return redirect(instance.get_absolute_url())
