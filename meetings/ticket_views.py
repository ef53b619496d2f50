"""QR tickets at the door: the address a ticket holds (opened by a coordinator's phone camera) and the
check-in page's scanner, which posts what it decoded."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from meetings import selectors, services, times, workflow
from meetings.models import Registration
from partnership import access
from partnership.parameters import query_parameters


@query_parameters()
@never_cache
def ticket(request: HttpRequest, token: str) -> HttpResponse:
    """A ticket's address: for a coordinator of its meeting, who it is and a button to check them in (a GET
    changes nothing); for anyone else nothing at all."""
    registration = selectors.ticket_access(request.user, token)
    meeting = registration.meeting
    if request.method == "POST":
        _check_in(request, registration)
        return _back_to_check_in(registration, scan=False)
    opens, closes = workflow.check_in_window(meeting)
    now = timezone.now()
    return render(
        request,
        "meetings/ticket.html",
        {
            "meeting": meeting,
            "registration": registration,
            "opens": opens if now < opens else None,
            "closed": now > closes,
            "at_the_door": registration.state in workflow.AT_THE_DOOR,
        },
    )


@query_parameters()
@require_POST
def check_in_scan(request: HttpRequest, pk: int) -> HttpResponse:
    """What the check-in page's scanner decoded: the person of this meeting whose ticket it is is checked in."""
    meeting = selectors.meeting_access(request.user, pk, need="coordinate")
    registration = selectors.ticket_registration(access.posted_text(request.POST.get("ticket"), 500))
    if registration is None or registration.meeting_id != meeting.pk:
        messages.error(request, _("This QR code is not a ticket for this meeting."))
        return redirect(f"{reverse('meetings:check_in', args=[meeting.pk])}?scan=1")
    _check_in(request, registration)
    return _back_to_check_in(registration, scan=True)


def _check_in(request: HttpRequest, registration: Registration) -> None:
    name = registration.person.name
    if registration.is_attended and registration.checked_in_at:
        when = times.venue_time(registration.meeting, registration.checked_in_at, times.CLOCK)
        messages.info(request, _("%(name)s was already checked in at %(time)s.") % {"name": name, "time": when})
        return
    try:
        services.registration_check_in(registration=registration, by=request.user)
    except ValidationError as error:
        messages.error(request, f"{name}: {' '.join(error.messages)}")
    else:
        organisation = registration.person.organisation.name
        messages.success(
            request, _("%(name)s (%(organisation)s) is checked in.") % {"name": name, "organisation": organisation}
        )


def _back_to_check_in(registration: Registration, *, scan: bool) -> HttpResponse:
    """The check-in page, showing the person (to undo a mistake), and with the camera on again after a scan."""
    query = {"q": registration.person.name, **({"scan": "1"} if scan else {})}
    return redirect(f"{reverse('meetings:check_in', args=[registration.meeting_id])}?{urlencode(query)}")
