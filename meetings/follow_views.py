"""Following a meeting: what happens to it is notified as to those who take part in it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meetings import selectors
from partnership import access, notifications
from partnership.parameters import query_parameters


@require_POST
@query_parameters()
def follow(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_access(request.user, pk, need="view")
    access.signed_in(request.user)
    following = notifications.follow_set(
        user=request.user, instance=meeting, following=request.POST.get("following") == "1"
    )
    if following:
        messages.success(request, _("You follow this meeting: you will be notified of what happens to it."))
    else:
        messages.success(request, _("You no longer follow this meeting."))
    return redirect(meeting.get_absolute_url())
