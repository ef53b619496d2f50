"""The home dashboard: the project layer, the one place that shows what every app has for the user."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from actions import selectors as action_selectors
from actions.models import Action
from meetings import selectors as meeting_selectors
from partnership import access, selectors
from partnership.models import Partnership
from surveys import selectors as survey_selectors

UPCOMING = 5


def home(request: HttpRequest) -> HttpResponse:
    """By role: a visitor sees public partnerships and meetings; a partner their meetings, invitations,
    actions and surveys; a coordinator also the partnerships they run and undelivered mail."""
    access.public(request)
    user = request.user
    person = selectors.person_for(user)
    coordinated = list(selectors.partnerships_coordinated(user))
    member_of = list(selectors.partnerships_member_of(user))
    public = list(Partnership.objects.filter(is_public=True).exclude(pk__in=[p.pk for p in member_of]))
    my_actions = []
    if person is not None:
        my_actions = list(
            action_selectors.actions_visible(user)
            .filter(Q(owner=person.organisation) | Q(leader=person.organisation))
            .exclude(
                state__in=(Action.State.MERGED, Action.State.WITHDRAWN, Action.State.DROPPED, Action.State.COMPLETED)
            )
            .select_related("partnership")
            .order_by("-updated_at")[:8]
        )
    return render(
        request,
        "partnership/home.html",
        {
            "person": person,
            "coordinated": coordinated,
            "member_of": member_of,
            "public_partnerships": public,
            "failed_count": selectors.failed_messages(user).count() if coordinated else 0,
            "upcoming_meetings": list(meeting_selectors.meeting_list(user=user, past=False)[:UPCOMING]),
            "my_registrations": list(meeting_selectors.registrations_open_for(user)[:UPCOMING]),
            "my_actions": my_actions,
            "my_surveys": list(
                survey_selectors.surveys_run_by(user).select_related("partnership").order_by("-opens_at")[:UPCOMING]
            )
            if user.is_authenticated
            else [],
        },
    )
