"""The home dashboard: the project layer, the one place that shows what every app has for the user."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from actions import selectors as action_selectors
from meetings import selectors as meeting_selectors
from partnership import access, notification_selectors, selectors
from partnership.parameters import query_parameters
from surveys import selectors as survey_selectors

UPCOMING = 5


@query_parameters()
def home(request: HttpRequest) -> HttpResponse:
    """By role: a visitor sees public partnerships and meetings; a partner their meetings, invitations,
    actions and surveys; a coordinator also the partnerships they run and undelivered mail."""
    access.public(request)
    user = request.user
    # A partnership the user coordinates is listed once, with its coordinators' links, not again among theirs.
    partnerships = selectors.home_partnerships(user)
    coordinated = partnerships.coordinated
    return render(
        request,
        "partnership/home.html",
        {
            "person": selectors.person_for(user),
            "coordinated": coordinated,
            "member_of": partnerships.member_of,
            "public_partnerships": partnerships.public,
            "failed_count": selectors.failed_messages(user).count() if coordinated else 0,
            # Their title, time and city: neither partnership nor host.
            "upcoming_meetings": list(
                meeting_selectors.meeting_list(user=user, past=False).select_related(None)[:UPCOMING]
            ),
            "my_registrations": list(meeting_selectors.registrations_open_for(user)[:UPCOMING]),
            "my_actions": action_selectors.actions_in_hand(user, limit=8),
            "my_surveys": survey_selectors.surveys_run_latest(user, limit=UPCOMING),
            "announcements": notification_selectors.announcements_current(user),
        },
    )
