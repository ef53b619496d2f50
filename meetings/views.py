"""The meetings pages: each starts with its access call (meetings.selectors), reads through selectors,
writes through services, and hands the workflow's answers to its template."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from meetings import calendar, selectors, services, workflow
from meetings.forms import (
    CancelForm,
    DeclineForm,
    DocumentForm,
    InviteForm,
    MinutesForm,
    RegistrationForm,
    RescheduleForm,
)
from meetings.models import AgendaItem, Meeting, Registration
from partnership import access, once
from partnership import selectors as partner_selectors
from partnership.documents import document_response
from partnership.parameters import query_parameters

PAGE_SIZE = 20
CHECK_IN_PAGE_SIZE = 50
# The manage page lists the first of the waitlist; the admin's registrations list has the rest.
WAITLIST_SHOWN = 20
PARTICIPANTS_PAGE_SIZE = 50
AGENDA_CACHE_SECONDS = 24 * 3600


def _form_errors(form: Any, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: under its field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# Pages for everyone ---------------------------------------------------------------------------


@query_parameters("when", "page")
def meeting_list(request: HttpRequest) -> HttpResponse:
    access.public(request)
    past = request.GET.get("when") == "past"
    page = Paginator(selectors.meeting_list(user=request.user, past=past), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(meeting, workflow.LIST_BADGES.get(meeting.state)) for meeting in page.object_list]
    return render(
        request,
        "meetings/meeting_list.html",
        {"page": page, "rows": rows, "past": past, "query": "when=past" if past else ""},
    )


@query_parameters()
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_access(request.user, pk, need="view", session=request.session, with_viewer=True)
    registration = selectors.registration_for(user=request.user, meeting=meeting, session=request.session)
    visibilities = selectors.document_visibilities(user=request.user, meeting=meeting)
    minutes = getattr(meeting, "minutes", None)
    can_manage = selectors.can_coordinate(request.user, meeting)
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "agenda_html": _agenda_html(meeting, visibilities),
            "registration": registration,
            "registration_to_open": meeting.state in workflow.REGISTRATION_TO_OPEN,
            "is_member": partner_selectors.is_member(request.user, meeting.partnership),
            "can_manage": can_manage,
            "minutes": minutes if minutes and (minutes.published_at or can_manage) else None,
            "linked": selectors.linked_meetings_visible(user=request.user, meeting=meeting),
        },
    )


def _agenda_html(meeting: Meeting, visibilities: list[str]) -> SafeString:
    """The rendered agenda and documents, cached under a fingerprint of what they show (one query to check it)."""
    key = ":".join(
        [
            "meeting-agenda",
            str(meeting.pk),
            translation.get_language() or "",
            ",".join(visibilities),
            selectors.agenda_version(meeting),
        ]
    )
    html = cache.get(key)
    if html is None:
        days = selectors.agenda_rows(meeting=meeting, visibilities=visibilities)
        documents = selectors.documents_of_the_meeting(meeting=meeting, visibilities=visibilities)
        html = render_to_string("meetings/_agenda.html", {"meeting": meeting, "days": days, "documents": documents})
        cache.set(key, str(html), AGENDA_CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 - our own template's output, escaped when it was rendered


@query_parameters()
def meeting_ics(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_access(request.user, pk, need="view", session=request.session)
    registration = selectors.registration_for(user=request.user, meeting=meeting, session=request.session)
    body = calendar.meeting_calendar(
        meetings=[meeting], include_join_url=bool(registration and registration.holds_place)
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


@query_parameters()
def document_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Stream a document after checking who may see it; files are never served as public media."""
    document = selectors.document_access(request.user, pk, session=request.session)
    return document_response(document)


# Invitees and members -------------------------------------------------------------------------


@query_parameters()
@never_cache
def personal_link(request: HttpRequest, token: str) -> HttpResponse:
    """A personal invitation link: open a session for the registration and drop the token from the address."""
    registration = selectors.personal_link_access(token)
    granted = set(request.session.get(selectors.INVITEE_SESSION_KEY, []))
    granted.add(registration.pk)
    request.session[selectors.INVITEE_SESSION_KEY] = sorted(granted)
    response = redirect("meetings:register", pk=registration.meeting_id)
    # The pages open in the language of the person's mails, unless this browser chose one.
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and registration.person.language:
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, registration.person.language, samesite="Lax")
    return response


@query_parameters()
@never_cache
def register(request: HttpRequest, pk: int) -> HttpResponse:
    """The registration form, for an invitee (personal link or account) or a member of the partnership."""
    meeting, registration = selectors.registration_access(request.user, pk, session=request.session)
    form = RegistrationForm(
        request.POST if request.method == "POST" else None, meeting=meeting, registration=registration
    )
    if request.method == "POST" and "decline" in request.POST:
        if registration is not None:
            try:
                services.registration_decline(
                    registration=registration,
                    by=request.user,
                    reason=access.posted_text(request.POST.get("reason"), 300),
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Your answer is recorded. Thank you for letting us know."))
        return redirect("meetings:register", pk=meeting.pk)
    if request.method == "POST":
        if form.is_valid():
            try:
                # A member who was not invited gets a row only if the registration goes through.
                with transaction.atomic():
                    if registration is None:
                        person = partner_selectors.person_for(request.user)
                        assert person is not None  # registration_access let in only members with a person
                        registration = services.registration_for_member(meeting=meeting, person=person, by=request.user)
                    registration = services.registration_submit(
                        registration=registration,
                        by=request.user,
                        days=form.cleaned_data["days"],
                        site_visit=form.cleaned_data.get("site_visit", False),
                        dietary_needs=form.cleaned_data.get("dietary_needs", ""),
                        accessibility_needs=form.cleaned_data["accessibility_needs"],
                        consent_participant_list=form.cleaned_data["consent_participant_list"],
                    )
            except ValidationError as error:
                registration = selectors.registration_for(
                    user=request.user, meeting=meeting, session=request.session, link_first=True
                )
                _form_errors(form, error)
            else:
                if registration.is_waitlisted:
                    messages.warning(
                        request,
                        _("The meeting is full: you are on the waitlist. We will e-mail you if a place frees up."),
                    )
                else:
                    messages.success(
                        request, _("You are registered. A confirmation with a calendar entry is on its way.")
                    )
                return redirect("meetings:register", pk=meeting.pk)
        messages.error(request, _("Please correct the errors below."))
    return render(
        request,
        "meetings/register.html",
        {
            "meeting": meeting,
            "registration": registration,
            "steps": workflow.registration_steps(registration),
            "form": form,
            "decline_form": DeclineForm(),
            "ticket": services.ticket_svg(registration=registration, title=_("Your QR code for the entrance"))
            if registration is not None and services.ticket_wanted(registration=registration)
            else "",
        },
    )


@query_parameters()
def calendar_feeds(request: HttpRequest) -> HttpResponse:
    """Create or revoke the personal calendar-feed address."""
    person = selectors.calendar_feeds_access(request.user)
    new_url = None
    if request.method == "POST":
        if "revoke" in request.POST:
            feed = selectors.calendar_feed_of(person=person, pk=request.POST["revoke"])
            services.calendar_feed_revoke(feed=feed, by=request.user)
            messages.success(request, _("The feed address is revoked; calendars using it stop updating."))
        else:
            token = services.calendar_feed_create(person=person, by=request.user)
            new_url = request.build_absolute_uri(reverse("meetings:feed", kwargs={"token": token}))
            messages.success(request, _("Your new feed address is below. Copy it now: it is shown only once."))
    feeds = selectors.calendar_feeds_active(person)
    return render(request, "meetings/calendar_feeds.html", {"feeds": feeds, "new_url": new_url})


@query_parameters()
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = selectors.calendar_feed_access(token)
    meetings, holding = selectors.calendar_feed_meetings(feed)
    body = calendar.meeting_calendar(meetings=meetings, include_join_url=holding)
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


# The coordinators' pages ----------------------------------------------------------------------


@query_parameters("show", "q", "page")
def manage(request: HttpRequest, pk: int) -> HttpResponse:
    """The coordinators' page for one meeting: state, invitations, registrations, the participant list
    (filtered and searched), the waitlist (a place given by hand, with a reason), documents."""
    meeting = selectors.meeting_access(request.user, pk, need="coordinate")
    if request.method == "POST" and "undo_held" in request.POST:
        try:
            services.meeting_held_undo(meeting=meeting, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The meeting is no longer marked held; the no-shows are registered again."))
        return redirect("meetings:manage", pk=meeting.pk)
    if (
        request.method == "POST"
        and request.POST.get("to_state") in workflow.NEEDS_CONFIRMATION
        and not request.POST.get("confirm")
        and workflow.has_ended(meeting)
    ):
        return render(
            request,
            "meetings/confirm_held.html",
            {"meeting": meeting, "no_shows": selectors.no_shows_to_be(meeting), "to_state": request.POST["to_state"]},
        )
    if request.method == "POST" and "to_state" in request.POST:
        try:
            services.meeting_transition(
                meeting=meeting,
                to_state=request.POST["to_state"],
                by=request.user,
                reason=access.posted_text(request.POST.get("reason")),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The meeting's state is changed."))
        return redirect("meetings:manage", pk=meeting.pk)
    promotion: dict[str, Any] = {}
    if request.method == "POST" and "promote" in request.POST:
        registration = get_object_or_404(meeting.registrations, pk=access.posted_id(request.POST.get("registration")))
        reason = access.posted_text(request.POST.get("reason"))
        try:
            services.registration_promote(registration=registration, by=request.user, reason=reason)
        except ValidationError as error:
            promotion = {
                "id": registration.pk,
                "reason": reason,
                "error": f"{registration.person}: {' '.join(error.messages)}",
            }
        else:
            messages.success(request, _("%(name)s has a place and is told by e-mail.") % {"name": registration.person})
            return redirect("meetings:manage", pk=meeting.pk)
    waitlist = selectors.waitlist(meeting)
    by_state = selectors.registration_counts_by_state(meeting)
    show = request.GET.get("show", "")
    show = show if show in workflow.PARTICIPANT_FILTERS else ""
    query = request.GET.get("q", "").strip()[:200]
    participants = Paginator(
        selectors.participant_list(meeting=meeting, show=show, query=query), PARTICIPANTS_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "meetings/manage.html",
        {
            "meeting": meeting,
            "steps": workflow.meeting_steps(meeting),
            "counts": selectors.registration_counts(meeting, by_state),
            "filters": selectors.participant_filter_counts(by_state),
            "total": sum(by_state.values()),
            "show": show,
            "q": query,
            "participants": participants,
            "site_visit": meeting.agenda_items.filter(kind=AgendaItem.Kind.SITE_VISIT).exists(),
            "page": participants,
            "query": urlencode({key: value for key, value in (("show", show), ("q", query)) if value}),
            "transitions": selectors.meeting_history(meeting),
            "held_undo_until": selectors.held_undo_until(meeting),
            "document_form": DocumentForm(meeting=meeting),
            "waitlist": list(waitlist[:WAITLIST_SHOWN]),
            "waitlist_more": max(waitlist.count() - WAITLIST_SHOWN, 0),
            "promotion": promotion,
        },
    )


@query_parameters("q", "page")
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    """Who is invited (when, by whom, their answer), with a resend for those who have not answered; and the
    form to invite more: by role, people picked from a filterable list, an outside guest, with a message."""
    meeting = selectors.meeting_access(request.user, pk, need="coordinate")
    if request.method == "POST" and ("resend" in request.POST or "resend_all" in request.POST):
        chosen_rows: Any
        if "resend_all" in request.POST:
            chosen_rows = meeting.registrations.filter(state=Registration.State.INVITED).select_related("person")
        else:
            chosen_rows = [
                get_object_or_404(
                    meeting.registrations.select_related("person"), pk=access.posted_id(request.POST.get("resend"))
                )
            ]
        try:
            count = services.invitations_resend(meeting=meeting, registrations=chosen_rows, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                ngettext("%(count)d invitation is sent again.", "%(count)d invitations are sent again.", count)
                % {"count": count},
            )
        return redirect("meetings:invite", pk=meeting.pk)
    form = InviteForm(request.POST if request.method == "POST" else None, people=selectors.people_to_invite(meeting))
    if request.method == "POST" and form.is_valid():
        chosen = list(form.cleaned_data["people"])
        if form.cleaned_data["roles"]:
            chosen += list(selectors.people_with_roles(meeting=meeting, roles=form.cleaned_data["roles"]))
        message = form.cleaned_data["message"]
        try:
            with transaction.atomic():
                count = services.meeting_invite(meeting=meeting, people=chosen, by=request.user, message=message)
                if form.cleaned_data["guest_email"]:
                    before = meeting.registrations.count()
                    services.guest_invite(
                        meeting=meeting,
                        name=form.cleaned_data["guest_name"],
                        email=form.cleaned_data["guest_email"],
                        organisation_name=form.cleaned_data["guest_organisation"],
                        by=request.user,
                        message=message,
                    )
                    count += meeting.registrations.count() - before
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request,
                ngettext("%(count)d invitation is on its way.", "%(count)d invitations are on their way.", count)
                % {"count": count},
            )
            return redirect("meetings:invite", pk=meeting.pk)
    query = request.GET.get("q", "").strip()[:200]
    invited = Paginator(selectors.participant_list(meeting=meeting, query=query), PARTICIPANTS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "meetings/invite.html",
        {
            "meeting": meeting,
            "form": form,
            "steps": workflow.meeting_steps(meeting),
            "invited": invited,
            "page": invited,
            "q": query,
            "query": urlencode({"q": query}) if query else "",
            "unanswered": selectors.registration_counts_by_state(meeting)[Registration.State.INVITED],
        },
    )


@query_parameters()
def reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_access(request.user, pk, need="coordinate")
    form = RescheduleForm(request.POST if request.method == "POST" else None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_reschedule(
                meeting=meeting,
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The meeting is rescheduled; the registered get an updated calendar entry."))
            return redirect("meetings:manage", pk=meeting.pk)
    return render(
        request, "meetings/form_page.html", {"meeting": meeting, "form": form, "title": _("Reschedule the meeting")}
    )


@query_parameters()
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_access(request.user, pk, need="coordinate")
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_cancel(meeting=meeting, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The meeting is cancelled; everyone registered is told."))
            return redirect("meetings:manage", pk=meeting.pk)
    return render(
        request, "meetings/form_page.html", {"meeting": meeting, "form": form, "title": _("Cancel the meeting")}
    )


@query_parameters()
def minutes_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_access(request.user, pk, need="coordinate")
    existing = selectors.minutes_of(meeting)
    initial = (
        {"body": existing.body, "decisions": existing.decisions, "follow_ups": existing.follow_ups}
        if existing
        else None
    )
    form = MinutesForm(request.POST if request.method == "POST" else None, initial=initial)
    context = {"meeting": meeting, "form": form, "steps": workflow.meeting_steps(meeting)}
    if request.method == "POST" and form.is_valid():
        try:
            services.minutes_save(meeting=meeting, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
            return render(request, "meetings/minutes_form.html", context)
        if "publish" in request.POST:
            try:
                services.minutes_publish(meeting=meeting, by=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return redirect("meetings:minutes", pk=meeting.pk)
            messages.success(request, _("The minutes are published and the attendees told."))
        else:
            messages.success(request, _("The minutes are saved."))
        return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "meetings/minutes_form.html", context)


@require_POST
@query_parameters()
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_access(request.user, pk, need="coordinate")
    form = DocumentForm(request.POST, request.FILES, meeting=meeting)
    if form.is_valid():
        try:
            with once.creating(request) as created:
                services.document_add(
                    meeting=meeting,
                    by=request.user,
                    file=form.cleaned_data["file"],
                    title=form.cleaned_data["title"],
                    kind=form.cleaned_data["kind"],
                    visibility=form.cleaned_data["visibility"],
                    agenda_item=form.cleaned_data["agenda_item"],
                )
                created.url = reverse("meetings:manage", kwargs={"pk": meeting.pk})
        except once.Repeated:
            return redirect("meetings:manage", pk=meeting.pk)
        messages.success(request, _("The document is uploaded."))
        return redirect("meetings:manage", pk=meeting.pk)
    messages.error(request, _("The document was not uploaded: please correct the errors below."))
    return render(
        request,
        "meetings/form_page.html",
        {"meeting": meeting, "form": form, "title": _("Upload a document"), "multipart": True},
    )


@query_parameters("q", "page", "scan")
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """Check-in on a phone: search by name, mark attended (or undo within a day), from the meeting's first day
    until a day after its end."""
    meeting = selectors.meeting_access(request.user, pk, need="coordinate")
    if request.method == "POST":
        registration = get_object_or_404(meeting.registrations, pk=access.posted_id(request.POST.get("registration")))
        try:
            if request.POST.get("undo"):
                services.registration_undo_check_in(registration=registration, by=request.user)
                messages.success(request, _("%(name)s is no longer checked in.") % {"name": registration.person.name})
            else:
                services.registration_check_in(registration=registration, by=request.user)
                messages.success(request, _("%(name)s is checked in.") % {"name": registration.person.name})
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        # Back to the search as it was (a NUL would make the address one the page refuses).
        searched = access.posted_text(request.POST.get("q"), 200)
        return redirect(f"{request.path}?{urlencode({'q': searched})}")
    query = request.GET.get("q", "").strip()[:200]  # a name; SQLite refuses a LIKE pattern of 50 kB
    registrations = selectors.check_in_list(meeting=meeting, query=query)
    page = Paginator(registrations, CHECK_IN_PAGE_SIZE).get_page(request.GET.get("page"))
    opens, closes = workflow.check_in_window(meeting)
    now = timezone.now()
    return render(
        request,
        "meetings/check_in.html",
        {
            "meeting": meeting,
            "opens": opens if now < opens else None,
            "closed": now > closes,
            "undo_since": now - workflow.undo_period(),
            "page": page,
            "q": query,
            "attended": selectors.attended_count(meeting),
            "query": f"q={query}",
            "scan": request.GET.get("scan") == "1",  # back from a scan: the camera goes on again
        },
    )
