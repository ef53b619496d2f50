""" "Write to participants": the coordinators' letter to a group of a meeting's invitees, written into the
outbox by a background job whose progress the page shows."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from meetings import selectors, services, workflow
from meetings.forms import LetterForm
from meetings.views import _form_errors
from partnership import jobs, once
from partnership.parameters import query_parameters

MEETINGS_PAGE_SIZE = 20


@query_parameters("partnership", "page")
def meetings_managed(request: HttpRequest) -> HttpResponse:
    """The meetings of the partnerships the user coordinates (or of one), newest first, each with its manage page."""
    meetings = selectors.meetings_managed_access(request.user, request.GET.get("partnership", "")[:100])
    page = Paginator(meetings, MEETINGS_PAGE_SIZE).get_page(request.GET.get("page"))
    slug = request.GET.get("partnership", "")[:100]
    return render(
        request,
        "meetings/managed_list.html",
        {
            "page": page,
            "partnership": page.object_list[0].partnership if slug and page.object_list else None,
            "query": urlencode({"partnership": slug}) if slug else "",
        },
    )


@query_parameters()
def write_to_participants(request: HttpRequest, pk: int) -> HttpResponse:
    """The letter's form, with how many each group holds, and the last letter's progress (queued, how many
    written, done or failed); the page refreshes itself while a letter is being written."""
    meeting = selectors.meeting_access(request.user, pk, need="coordinate")
    by_state = selectors.registration_counts_by_state(meeting)
    audiences = [
        (name, f"{label} ({sum(by_state[state] for state in states)})")
        for name, (label, states) in workflow.LETTER_AUDIENCES.items()
    ]
    form = LetterForm(request.POST if request.method == "POST" else None, audiences=audiences)
    job = jobs.job_latest(key=services.letter_job_key(meeting))
    if request.method == "POST" and form.is_valid():
        try:
            with once.creating(request) as created:
                if job is not None and job.is_open:
                    raise ValidationError(
                        _("The previous letter is still being written; send this one when it is done.")
                    )
                services.letter_request(meeting=meeting, by=request.user, **form.cleaned_data)
                created.url = reverse("meetings:write", kwargs={"pk": meeting.pk})
        except once.Repeated:
            return redirect("meetings:write", pk=meeting.pk)  # a second click: the first one's letter is written
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("The letter is queued; this page shows it being written."))
            return redirect("meetings:write", pk=meeting.pk)
    return render(
        request,
        "meetings/write.html",
        {"meeting": meeting, "form": form, "job": job, "closed": meeting.state in workflow.CLOSED_TO_INVITEES},
    )
