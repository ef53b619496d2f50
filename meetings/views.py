from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import tablib
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meetings import calendar, selectors, services
from meetings.forms import (
    CancelForm,
    DeclineForm,
    DocumentForm,
    InviteForm,
    MinutesForm,
    RegistrationForm,
    RescheduleForm,
)
from meetings.models import CalendarFeed, Meeting, MeetingDocument, Minutes, Registration
from partnership import selectors as partner_selectors
from partnership.models import Person
from partnership.tokens import token_hash

SESSION_KEY = "meeting_registrations"
PAGE_SIZE = 20


def coordinator_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The meeting must be visible (else 404) and the user one of its coordinators (else 403)."""

    @wraps(view)
    def wrapper(request: HttpRequest, pk: int, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        meeting = get_object_or_404(selectors.meetings_visible(request.user), pk=pk)
        if not selectors.meetings_coordinated(request.user).filter(pk=meeting.pk).exists():
            raise PermissionDenied(_("Only the partnership's coordinators can do this."))
        return view(request, meeting, *args, **kwargs)

    return wrapper


def _visible_meeting(request: HttpRequest, pk: int, queryset: QuerySet[Meeting] | None = None) -> Meeting:
    """A meeting the user may see, or that their personal link (kept in the session) invited them to."""
    queryset = queryset if queryset is not None else Meeting.objects.all()
    meeting = queryset.filter(pk__in=selectors.meetings_visible(request.user).values("pk"), pk=pk).first()
    if meeting is None and request.session.get(SESSION_KEY):
        meeting = (
            queryset.filter(pk=pk, registrations__pk__in=request.session[SESSION_KEY])
            .exclude(state=Meeting.State.DRAFT)
            .first()
        )
    if meeting is None:
        raise Http404
    return meeting


def _form_errors(form: Any, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: under its field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def meeting_list(request: HttpRequest) -> HttpResponse:
    past = request.GET.get("when") == "past"
    page = Paginator(selectors.meeting_list(user=request.user, past=past), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "meetings/meeting_list.html", {"page": page, "past": past, "query": "when=past" if past else ""}
    )


def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _visible_meeting(request, pk, Meeting.objects.select_related("partnership", "host", "minutes"))
    registration = selectors.registration_of(user=request.user, meeting=meeting) or _session_registration(
        request, meeting
    )
    visibilities = selectors.document_visibilities(user=request.user, meeting=meeting)
    minutes = getattr(meeting, "minutes", None)
    can_manage = selectors.meetings_coordinated(request.user).filter(pk=meeting.pk).exists()
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "agenda_html": _agenda_html(meeting, visibilities),
            "registration": registration,
            "is_member": partner_selectors.is_member(request.user, meeting.partnership),
            "can_manage": can_manage,
            "minutes": minutes if minutes and (minutes.published_at or can_manage) else None,
            "linked": meeting.linked_meetings.filter(pk__in=selectors.meetings_visible(request.user).values("pk")),
            "starts_local": meeting.local(meeting.starts_at),
            "ends_local": meeting.local(meeting.ends_at),
        },
    )


AGENDA_CACHE_SECONDS = 24 * 3600


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
        documents = meeting.documents.filter(agenda_item__isnull=True, visibility__in=visibilities).order_by(
            "kind", "title"
        )
        html = render_to_string("meetings/_agenda.html", {"meeting": meeting, "days": days, "documents": documents})
        cache.set(key, str(html), AGENDA_CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 - our own template's output, escaped when it was rendered


def meeting_ics(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _visible_meeting(request, pk)
    registration = selectors.registration_of(user=request.user, meeting=meeting) or _session_registration(
        request, meeting
    )
    body = calendar.meeting_calendar(
        meetings=[meeting], include_join_url=bool(registration and registration.holds_place)
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


def personal_link(request: HttpRequest, token: str) -> HttpResponse:
    """A personal invitation link: open a session for the registration and drop the token from the address."""
    digest = token_hash(token)
    registration = (
        Registration.objects.select_related("meeting")
        .filter(Q(token_hash=digest) | Q(reminder_links__token_hash=digest))
        .first()
    )
    meeting = registration.meeting if registration else None
    if registration is None or meeting is None or not _link_valid(meeting):
        raise Http404
    granted = set(request.session.get(SESSION_KEY, []))
    granted.add(registration.pk)
    request.session[SESSION_KEY] = sorted(granted)
    return redirect("meetings:register", pk=meeting.pk)


def _link_valid(meeting: Meeting) -> bool:
    """A link works until the registration deadline (or the meeting's end) and not for a cancelled meeting."""
    if meeting.state in (Meeting.State.DRAFT, Meeting.State.CANCELLED):
        return False
    limit = meeting.registration_deadline or meeting.ends_at
    return timezone.now() <= limit


def _session_registration(request: HttpRequest, meeting: Meeting) -> Registration | None:
    ids = request.session.get(SESSION_KEY, [])
    if not ids:
        return None
    return Registration.objects.filter(pk__in=ids, meeting=meeting).select_related("person").first()


def _registration_for(request: HttpRequest, meeting: Meeting) -> Registration | None:
    return _session_registration(request, meeting) or selectors.registration_of(user=request.user, meeting=meeting)


def register(request: HttpRequest, pk: int) -> HttpResponse:
    """The registration form, for an invitee (personal link or account) or a member of the partnership."""
    meeting = Meeting.objects.select_related("partnership").filter(pk=pk).first()
    if meeting is None:
        raise Http404
    registration = _registration_for(request, meeting)
    person = None
    if registration is None:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not selectors.meetings_visible(request.user).filter(pk=meeting.pk).exists():
            raise Http404
        person = partner_selectors.person_for(request.user)
        if person is None or not partner_selectors.is_member(request.user, meeting.partnership):
            raise PermissionDenied(_("Only invited people and members of the partnership can register."))
    form = RegistrationForm(
        request.POST if request.method == "POST" else None, meeting=meeting, registration=registration
    )
    if request.method == "POST" and "decline" in request.POST:
        if registration is not None:
            try:
                services.registration_decline(
                    registration=registration, by=request.user, reason=request.POST.get("reason", "")[:300]
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
                        assert person is not None
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
                registration = _registration_for(request, meeting)
                _form_errors(form, error)
            else:
                if registration.state == Registration.State.WAITLISTED:
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
            "form": form,
            "decline_form": DeclineForm(),
            "starts_local": meeting.local(meeting.starts_at),
            "ends_local": meeting.local(meeting.ends_at),
        },
    )


def document_download(request: HttpRequest, pk: int) -> FileResponse:
    """Stream a document after checking who may see it; files are never served as public media."""
    document = get_object_or_404(MeetingDocument.objects.select_related("meeting"), pk=pk)
    _visible_meeting(request, document.meeting_id)
    if document.visibility not in selectors.document_visibilities(user=request.user, meeting=document.meeting):
        raise Http404
    filename = document.file.name.rsplit("/", 1)[-1]
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=filename)


@coordinator_required
def manage(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    """The coordinators' page for one meeting: state, invitations, registrations, documents."""
    if request.method == "POST" and "to_state" in request.POST:
        try:
            services.meeting_transition(
                meeting=meeting,
                to_state=request.POST["to_state"],
                by=request.user,
                reason=request.POST.get("reason", ""),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The meeting's state is changed."))
        return redirect("meetings:manage", pk=meeting.pk)
    counts = {state: 0 for state, _label in Registration.State.choices}
    for state in meeting.registrations.values_list("state", flat=True):
        counts[state] += 1
    states = dict(Meeting.State.choices)
    allowed = [
        (state, Meeting.State(state).label)
        for state in services.TRANSITIONS[meeting.state]
        if state not in (Meeting.State.CANCELLED, Meeting.State.MINUTES_PUBLISHED)
    ]
    return render(
        request,
        "meetings/manage.html",
        {
            "meeting": meeting,
            "counts": [(Registration.State(state).label, count) for state, count in counts.items()],
            "allowed": allowed,
            "transitions": [
                (t, states.get(t.from_state, t.from_state), states.get(t.to_state, t.to_state))
                for t in meeting.transitions.select_related("by")
            ],
            "document_form": DocumentForm(meeting=meeting),
        },
    )


@coordinator_required
def invite(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    people = (
        Person.objects.filter(organisation__memberships__partnership=meeting.partnership, erased_at__isnull=True)
        .select_related("organisation")
        .distinct()
        .order_by("name")
    )
    form = InviteForm(request.POST if request.method == "POST" else None, people=people)
    if request.method == "POST" and form.is_valid():
        chosen = list(form.cleaned_data["people"])
        if form.cleaned_data["roles"]:
            chosen += list(services.people_with_roles(meeting=meeting, roles=form.cleaned_data["roles"]))
        try:
            count = services.meeting_invite(meeting=meeting, people=chosen, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(count)d invitations are on their way.") % {"count": count})
            return redirect("meetings:manage", pk=meeting.pk)
    return render(request, "meetings/invite.html", {"meeting": meeting, "form": form})


@coordinator_required
def reschedule(request: HttpRequest, meeting: Meeting) -> HttpResponse:
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


@coordinator_required
def cancel(request: HttpRequest, meeting: Meeting) -> HttpResponse:
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


@coordinator_required
def minutes_edit(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    existing = Minutes.objects.filter(meeting=meeting).first()
    initial = (
        {"body": existing.body, "decisions": existing.decisions, "follow_ups": existing.follow_ups}
        if existing
        else None
    )
    form = MinutesForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.minutes_save(meeting=meeting, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
            return render(request, "meetings/minutes_form.html", {"meeting": meeting, "form": form})
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
    return render(request, "meetings/minutes_form.html", {"meeting": meeting, "form": form})


@coordinator_required
@require_POST
def document_upload(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    form = DocumentForm(request.POST, request.FILES, meeting=meeting)
    if form.is_valid():
        services.document_add(
            meeting=meeting,
            by=request.user,
            file=form.cleaned_data["file"],
            title=form.cleaned_data["title"],
            kind=form.cleaned_data["kind"],
            visibility=form.cleaned_data["visibility"],
            agenda_item=form.cleaned_data["agenda_item"],
        )
        messages.success(request, _("The document is uploaded."))
        return redirect("meetings:manage", pk=meeting.pk)
    messages.error(request, _("The document was not uploaded: please correct the errors below."))
    return render(
        request,
        "meetings/form_page.html",
        {"meeting": meeting, "form": form, "title": _("Upload a document"), "multipart": True},
    )


@coordinator_required
def check_in(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    """Check-in on a phone: search by name, mark attended (or undo)."""
    if request.method == "POST":
        registration = get_object_or_404(meeting.registrations, pk=request.POST.get("registration"))
        try:
            if request.POST.get("undo"):
                services.registration_undo_check_in(registration=registration, by=request.user)
            else:
                services.registration_check_in(registration=registration, by=request.user)
                messages.success(request, _("%(name)s is checked in.") % {"name": registration.person.name})
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(f"{request.path}?{urlencode({'q': request.POST.get('q', '')})}")
    query = request.GET.get("q", "").strip()
    registrations = selectors.participants(meeting).filter(
        state__in=(*Registration.HOLDS_PLACE, Registration.State.WAITLISTED, Registration.State.NO_SHOW)
    )
    if query:
        registrations = registrations.filter(
            Q(person__name__icontains=query) | Q(person__organisation__name__icontains=query)
        )
    page = Paginator(registrations, 50).get_page(request.GET.get("page"))
    attended = meeting.registrations.filter(state=Registration.State.ATTENDED).count()
    return render(
        request,
        "meetings/check_in.html",
        {"meeting": meeting, "page": page, "q": query, "attended": attended, "query": f"q={query}"},
    )


@coordinator_required
def participants_export(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    data = tablib.Dataset(
        headers=[
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
        ]
    )
    for registration in selectors.participants(meeting).iterator(chunk_size=500):
        data.append(
            [
                registration.person.name,
                registration.person.email,
                registration.person.organisation.name,
                registration.get_state_display(),
                " ".join(registration.days),
                "yes" if registration.site_visit else "no",
                registration.dietary_needs,
                registration.accessibility_needs,
                registration.checked_in_at.isoformat() if registration.checked_in_at else "",
                "yes" if registration.consent_participant_list else "no",
            ]
        )
    content_type = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(data.export(fmt), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="participants-meeting-{meeting.pk}.{fmt}"'
    return response


@login_required
def calendar_feeds(request: HttpRequest) -> HttpResponse:
    """Create or revoke the personal calendar-feed address."""
    person = partner_selectors.person_for(request.user)
    if person is None:
        raise PermissionDenied(_("Your account is not linked to a person in the partner records."))
    new_url = None
    if request.method == "POST":
        if "revoke" in request.POST:
            feed = get_object_or_404(CalendarFeed, pk=request.POST["revoke"], person=person)
            services.calendar_feed_revoke(feed=feed, by=request.user)
            messages.success(request, _("The feed address is revoked; calendars using it stop updating."))
        else:
            token = services.calendar_feed_create(person=person, by=request.user)
            new_url = request.build_absolute_uri(reverse("meetings:feed", kwargs={"token": token}))
            messages.success(request, _("Your new feed address is below. Copy it now: it is shown only once."))
    feeds = CalendarFeed.objects.filter(person=person, revoked_at__isnull=True)
    return render(request, "meetings/calendar_feeds.html", {"feeds": feeds, "new_url": new_url})


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = (
        CalendarFeed.objects.filter(token_hash=token_hash(token), revoked_at__isnull=True)
        .select_related("person")
        .first()
    )
    if feed is None:
        raise Http404
    registrations = (
        Registration.objects.filter(person=feed.person)
        .exclude(state__in=(Registration.State.DECLINED, Registration.State.CANCELLED))
        .exclude(meeting__state=Meeting.State.DRAFT)
        .select_related("meeting")
    )
    meetings = [registration.meeting for registration in registrations]
    holding = {registration.meeting_id for registration in registrations if registration.holds_place}
    body = calendar.meeting_calendar(meetings=meetings, include_join_url=holding)
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")
