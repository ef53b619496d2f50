"""A coordinator's announcement to one meeting's participants: shown on their home pages until it expires."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from meetings import selectors
from meetings.models import Registration
from partnership import notifications
from partnership.notification_forms import AnnouncementForm
from partnership.parameters import query_parameters

# Who counts as a participant: everyone invited who has not declined or cancelled.
LEFT = (Registration.State.DECLINED, Registration.State.CANCELLED)


@require_http_methods(["GET", "POST"])
@query_parameters()
def announce(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_access(request.user, pk, need="coordinate")
    form = AnnouncementForm(request.POST or None, with_role=False)
    audience = _("the participants of %(meeting)s") % {"meeting": meeting.title}
    if request.method == "POST":
        if form.is_valid():
            user_ids = meeting.registrations.exclude(state__in=LEFT).values_list("person__user", flat=True)
            try:
                announcement = notifications.announcement_publish(
                    partnership=meeting.partnership,
                    by=request.user,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    expires_at=form.expires_at(),
                    recipients=notifications.users_of_people_accounts([pk for pk in user_ids if pk is not None]),
                    audience=audience,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
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
                return redirect("meetings:manage", pk=meeting.pk)
        messages.error(request, _("Please correct the errors below."))
    return render(
        request,
        "partnership/announcement_form.html",
        {"form": form, "partnership": meeting.partnership, "audience": audience},
        status=400 if request.method == "POST" else 200,
    )
