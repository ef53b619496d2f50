"""The owner's pages that change how long a survey runs: a later deadline, and the moves of its workflow that are
confirmed first (closing it, publishing its results)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from partnership.parameters import query_parameters
from surveys import selectors, services, workflow
from surveys.forms.manage import DeadlineForm
from surveys.models import Survey


@query_parameters()
def deadline(request: HttpRequest, pk: int) -> HttpResponse:
    """Extend an open survey's deadline; a wrong date is said on the form, which keeps what was typed."""
    survey = selectors.survey_access(request.user, pk, need="run")
    form = DeadlineForm(request.POST or None, current=survey.closes_at)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_deadline_extend(survey=survey, closes_at=form.cleaned_data["closes_at"], by=request.user)
        except ValidationError as error:
            form.add_error("closes_at", error)
        else:
            messages.success(request, _("The deadline is extended."))
            return redirect("surveys:manage", pk=survey.pk)
    status = 400 if form.errors else 200
    return render(request, "surveys/deadline.html", {"survey": survey, "form": form}, status=status)


@query_parameters()
def transition(request: HttpRequest, pk: int, to_state: str) -> HttpResponse:
    """Confirm closing the survey or publishing its results, saying what follows, then do it."""
    survey = selectors.survey_access(request.user, pk, need="run")
    if (survey.state, to_state) not in workflow.ASKS_FIRST:
        raise Http404
    if request.method == "POST":
        try:
            services.survey_transition(survey=survey, to_state=to_state, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The survey is now “%(state)s”.") % {"state": Survey.State(to_state).label})
        return redirect("surveys:manage", pk=survey.pk)
    return render(
        request,
        "surveys/transition_confirm.html",
        {
            "survey": survey,
            "to_state": to_state,
            "action": workflow.TRANSITION_ACTIONS[(survey.state, to_state)],
            "unanswered": survey.invitations.exclude(state__in=workflow.KEPT_AT_CLOSE).count(),
            "submitted": selectors.submitted_responses(survey).count(),
        },
    )
