"""A coordinator's announcement to one meeting's participants: shown on their home pages until it expires."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from meetings import selectors
from partnership import notifications
from partnership.notification_forms import AnnouncementForm
from partnership.notification_views import announcement_published
from partnership.parameters import query_parameters


@require_http_methods(["GET", "POST"])
@query_parameters()
def announce(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_access(request.user, pk, need="coordinate")
    form = AnnouncementForm(request.POST or None, with_role=False)
    audience = _("the participants of %(meeting)s") % {"meeting": meeting.title}
    if request.method == "POST":
        if form.is_valid():
            recipients = notifications.users_of_people_accounts(selectors.participant_user_ids(meeting))
            if announcement_published(request, form, meeting.partnership, recipients, audience):
                return redirect("meetings:manage", pk=meeting.pk)
        messages.error(request, _("Please correct the errors below."))
    return render(
        request,
        "partnership/announcement_form.html",
        {"form": form, "partnership": meeting.partnership, "audience": audience},
        status=400 if request.method == "POST" else 200,
    )
