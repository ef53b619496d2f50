"""Following an action: what happens to it is notified as to those who take part in it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from actions import selectors
from partnership import access, notifications
from partnership.parameters import query_parameters


@require_POST
@query_parameters()
def follow(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.action_access(request.user, pk, need="view")
    access.signed_in(request.user)
    following = notifications.follow_set(
        user=request.user, instance=action, following=request.POST.get("following") == "1"
    )
    if following:
        messages.success(request, _("You follow this action: you will be notified of what happens to it."))
    else:
        messages.success(request, _("You no longer follow this action."))
    return redirect(action.get_absolute_url())
