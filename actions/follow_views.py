"""Following an action: what happens to it is notified as to those who take part in it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from actions import selectors
from partnership import access
from partnership.notification_views import follow_posted
from partnership.parameters import query_parameters


@require_POST
@query_parameters()
def follow(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.action_access(request.user, pk, need="view")
    access.signed_in(request.user)
    followed = _("You follow this action: you will be notified of what happens to it.")
    return follow_posted(request, action, followed=followed, unfollowed=_("You no longer follow this action."))
