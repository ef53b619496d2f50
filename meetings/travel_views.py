"""Travel support pages: the participant's request (by account or personal link), and the secretariat's list,
request page and XLSX export. Each starts with its access call; writes go through meetings.services.travel."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from meetings import selectors, travel_selectors
from meetings import travel as rules
from meetings.models import Meeting, Registration, TravelPolicy, TravelRequest
from meetings.services import travel as travel_services
from meetings.travel_forms import EligibilityForm, TravelMoveForm, TravelRequestForm
from partnership import spreadsheets
from partnership.parameters import query_parameters

PAGE_SIZE = 50
Status = TravelRequest.Status


def _form_errors(form: Any, error: ValidationError) -> None:
    """A service's ValidationError on the form: under its field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _may_request(
    meeting: Meeting, registration: Registration | None, policy: TravelPolicy | None, travel: TravelRequest | None
) -> bool:
    return bool(
        policy is not None
        and policy.offered
        and registration is not None
        and registration.state in rules.MAY_REQUEST
        and meeting.state in rules.REQUESTS_OPEN
        and (travel is None or travel.status in rules.EDITABLE)
    )


@query_parameters()
@never_cache
def travel_request(request: HttpRequest, pk: int) -> HttpResponse:
    """The participant's travel request for a meeting: ask, change it while it waits, and follow its status."""
    meeting, registration, policy = travel_selectors.travel_request_access(request.user, pk, session=request.session)
    travel = travel_selectors.travel_of(registration)
    may_request = _may_request(meeting, registration, policy, travel)
    posted = request.method == "POST"
    form = TravelRequestForm(request.POST if posted and may_request else None, meeting=meeting, travel=travel)
    if posted and not may_request:
        messages.error(request, _("Travel support cannot be requested or changed here now."))
        return redirect("meetings:travel", pk=meeting.pk)
    if posted:
        assert registration is not None  # may_request holds only with a registration
        if form.is_valid():
            try:
                travel = travel_services.travel_request_submit(
                    registration=registration, by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(request, _("Your travel request is saved. The secretariat will tell you by e-mail."))
                return redirect("meetings:travel", pk=meeting.pk)
        messages.error(request, _("Please correct the errors below."))
    return render(
        request,
        "meetings/travel_request.html",
        {
            "meeting": meeting,
            "registration": registration,
            "policy": policy if policy is not None and policy.offered else None,
            "travel": travel,
            "form": form,
            "may_request": may_request,
            "eligible_by_rule": registration is not None and rules.registration_eligible_by_rule(registration, policy),
            "history": travel_selectors.travel_history(travel) if travel is not None else [],
        },
    )


@query_parameters("status", "page")
def travel_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The secretariat's list of a meeting's travel requests, by status, with totals."""
    meeting = selectors.meeting_access(request.user, pk, need="coordinate")
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    policy = rules.policy_of(meeting)
    page = Paginator(travel_selectors.travel_requests(meeting=meeting, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "meetings/travel_list.html",
        {
            "meeting": meeting,
            "policy": policy,
            "page": page,
            "rows": travel_selectors.travel_rows(page.object_list, policy),
            "totals": travel_selectors.travel_totals(meeting),
            "status": status,
            "query": f"status={status}" if status else "",
        },
    )


@query_parameters()
def travel_detail(request: HttpRequest, pk: int, travel_pk: int) -> HttpResponse:
    """One request for the secretariat: move it on, decide its eligibility, read its history."""
    meeting, travel = travel_selectors.travel_access(request.user, pk, travel_pk)
    posted = request.POST if request.method == "POST" else None
    move_form = TravelMoveForm(posted if posted and "move" in posted else None, travel=travel)
    eligibility_form = EligibilityForm(
        posted if posted and "set_eligibility" in posted else None,
        initial={
            "eligibility": {None: rules.ELIGIBILITY_RULE, True: rules.ELIGIBLE, False: rules.NOT_ELIGIBLE}[
                travel.eligibility_override
            ],
            "reason": travel.eligibility_reason,
        },
    )
    if posted is not None:
        form: Any = move_form if "move" in posted else eligibility_form
        if form.is_bound and form.is_valid():
            try:
                if form is move_form:
                    amount: Decimal | None = form.cleaned_data["amount"]
                    travel_services.travel_request_move(
                        travel=travel,
                        to_state=form.cleaned_data["to_state"],
                        by=request.user,
                        reason=form.cleaned_data["reason"],
                        amount=amount,
                    )
                    messages.success(request, _("The status is changed and the participant told by e-mail."))
                else:
                    travel_services.travel_eligibility_set(
                        travel=travel,
                        eligibility=form.cleaned_data["eligibility"],
                        by=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                    messages.success(request, _("The eligibility is recorded."))
            except ValidationError as error:
                _form_errors(form, error)
            else:
                return redirect("meetings:travel_detail", pk=meeting.pk, travel_pk=travel.pk)
        if form.is_bound:
            messages.error(request, _("Please correct the errors below."))
    policy = rules.policy_of(meeting)
    row = travel_selectors.travel_rows(travel_selectors.travel_requests(meeting=meeting).filter(pk=travel.pk), policy)[
        0
    ]
    return render(
        request,
        "meetings/travel_detail.html",
        {
            "meeting": meeting,
            "travel": travel,
            "row": row,
            "policy": policy,
            "move_form": move_form if rules.moves(travel) else None,
            "eligibility_form": eligibility_form,
            "history": travel_selectors.travel_history(travel),
        },
    )


EXPORT_COLUMNS = [
    "name",
    "email",
    "organisation",
    "role",
    "registration",
    "travelling_from",
    "arrival",
    "departure",
    "nights",
    "eligible_by_rule",
    "eligible",
    "eligibility_reason",
    "status",
    "amount_eur",
    "requested_at",
    "notes",
]


def _export_row(row: travel_selectors.TravelRow) -> list[Any]:
    travel = row.travel
    registration = travel.registration
    return [
        registration.person.name,
        registration.person.email,
        registration.person.organisation.name,
        row.role,
        registration.get_state_display(),
        travel.travelling_from,
        travel.arrival,
        travel.departure,
        travel.nights,
        "yes" if row.by_rule else "no",
        "yes" if row.eligible else "no",
        travel.eligibility_reason,
        travel.get_status_display(),
        travel.amount_eur,
        travel.requested_at,
        travel.notes,
    ]


@query_parameters()
def travel_export(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The meeting's travel requests as XLSX: one sheet of requests, one of totals."""
    meeting = selectors.meeting_access(request.user, pk, need="coordinate")
    policy = rules.policy_of(meeting)
    rows = travel_selectors.travel_rows(travel_selectors.travel_requests(meeting=meeting), policy)
    totals = travel_selectors.travel_totals(meeting)
    total_rows: list[list[Any]] = [[label, count] for _value, label, count in totals.by_status]
    total_rows += [
        [_("Requests"), totals.requests],
        [_("Nights requested"), totals.nights],
        [_("Amount approved, booked or reimbursed (EUR)"), totals.amount],
        [_("Cap per person (EUR)"), policy.cap_eur if policy is not None else None],
    ]
    return spreadsheets.xlsx_response(
        [
            spreadsheets.Sheet("travel", EXPORT_COLUMNS, (_export_row(row) for row in rows)),
            spreadsheets.Sheet("totals", ["total", "value"], total_rows),
        ],
        filename=f"travel-meeting-{meeting.pk}.xlsx",
    )
