"""The participant list of a meeting as a spreadsheet (CSV or XLSX), for the coordinators: each invitee with
their answer, days, needs, check-in and travel request."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponseBase

from meetings import selectors
from meetings.models import Registration, TravelRequest
from partnership import spreadsheets
from partnership.parameters import query_parameters

PARTICIPANT_COLUMNS = [
    "name",
    "email",
    "organisation",
    "state",
    "days",
    "site_visit",
    "dietary_needs",
    "accessibility_needs",
    "checked_in_at",
    "on_participant_list",
    "travel_status",
    "travelling_from",
    "arrival",
    "departure",
    "nights",
]
EXPORT_TYPES = ("csv", "xlsx")


def _participant_row(registration: Registration) -> list[Any]:
    try:
        travel: TravelRequest | None = registration.travel
    except ObjectDoesNotExist:
        travel = None
    return [
        registration.person.name,
        registration.person.email,
        registration.person.organisation.name,
        registration.get_state_display(),
        " ".join(registration.days),
        "yes" if registration.site_visit else "no",
        registration.dietary_needs,
        registration.accessibility_needs,
        registration.checked_in_at,
        "yes" if registration.consent_participant_list else "no",
        *(
            [travel.get_status_display(), travel.travelling_from, travel.arrival, travel.departure, travel.nights]
            if travel is not None
            else ["", "", None, None, None]
        ),
    ]


@query_parameters("format")
def participants_export(request: HttpRequest, pk: int) -> HttpResponseBase:
    meeting = selectors.meeting_access(request.user, pk, need="coordinate")
    fmt = request.GET.get("format", "csv")
    if fmt not in EXPORT_TYPES:
        raise Http404
    rows = (_participant_row(registration) for registration in selectors.participants(meeting).iterator(chunk_size=500))
    return spreadsheets.response(
        fmt, PARTICIPANT_COLUMNS, rows, filename=f"participants-meeting-{meeting.pk}", title="participants"
    )
