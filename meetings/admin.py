"""Meetings in the coordinators' admin, scoped to their partnerships; writes go through services."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

import meetings.announcement_admin  # noqa: F401  # registers the announcements' admin
from meetings import services, times, workflow
from meetings.forms import AGENDA_ITEM_FIELDS, AgendaItemForm, AgendaItemFormSet, MeetingAdminForm
from meetings.models import (
    TIMEZONE_CHOICES,
    AgendaItem,
    Meeting,
    MeetingDocument,
    Registration,
    ReminderRule,
    TravelPolicy,
    TravelRequest,
)
from meetings.selectors import meetings_coordinated
from meetings.services import travel as travel_services
from meetings.travel_forms import TravelPolicyForm
from partnership.admin import ScopedAdmin, ScopedStackedInline, ScopedTabularInline
from partnership.documents import DocumentModelForm
from partnership.models import Organisation


class AgendaItemInline(ScopedStackedInline):
    """An agenda item is a block of four lines (when; what; where; who speaks): in a table its ten fields
    were twice as wide as a 1280 px screen."""

    model = AgendaItem
    form = AgendaItemForm
    formset = AgendaItemFormSet
    extra = 1
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("starts_at", "ends_at", "time_to_be_confirmed"),
                    ("title", "kind"),
                    ("room", "position"),
                    ("speakers", "speaker_organisations", "other_speakers"),
                ]
            },
        )
    ]
    autocomplete_fields = ["speakers", "speaker_organisations"]


class ReminderRuleInline(ScopedTabularInline):
    model = ReminderRule
    extra = 0
    fields = ["days_before", "anchor", "audience"]


class MeetingDocumentForm(DocumentModelForm):
    class Meta:
        model = MeetingDocument
        fields = ["title", "kind", "visibility", "agenda_item", "file"]


class MeetingDocumentInline(ScopedStackedInline):
    """A document in two lines and its file: its agenda item's title alone may be as wide as a column."""

    model = MeetingDocument
    form = MeetingDocumentForm
    extra = 0
    fieldsets = [(None, {"fields": [("title", "kind"), ("visibility", "agenda_item"), "file"]})]


class TravelPolicyInline(ScopedStackedInline):
    """Whether the meeting offers travel support, to whom, up to how much per person."""

    model = TravelPolicy
    form = TravelPolicyForm
    extra = 0
    max_num = 1
    fieldsets = [(None, {"fields": ["offered", "roles", "organisations", "cap_eur", "conditions"]})]
    autocomplete_fields = ["organisations"]


class TravelRequestInline(ScopedStackedInline):
    """A registration's travel request, read here; the secretariat decides on the portal's travel pages."""

    model = TravelRequest
    extra = 0
    max_num = 0
    can_delete = False
    readonly_fields = [
        "travelling_from",
        "arrival",
        "departure",
        "nights",
        "notes",
        "status",
        "eligibility_override",
        "eligibility_reason",
        "amount_eur",
        "requested_at",
        "decide_link",
    ]
    fields = tuple(readonly_fields)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("decide"))
    def decide_link(self, obj: TravelRequest) -> str:
        if obj.pk is None:
            return ""
        url = reverse("meetings:travel_detail", args=[obj.registration.meeting_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open the request on the travel page"))


# How each inline's rows are saved and deleted: (save, delete), each called with the row and the user.
INLINE_SERVICES: dict[type[Any], tuple[Callable[[Any, Any], Any], Callable[[Any, Any], None]]] = {
    AgendaItem: (
        lambda item, by: services.agenda_item_save(item=item, by=by),
        lambda item, by: services.agenda_item_delete(item=item, by=by),
    ),
    ReminderRule: (
        lambda rule, by: services.reminder_rule_save(rule=rule, by=by),
        lambda rule, by: services.reminder_rule_delete(rule=rule, by=by),
    ),
    MeetingDocument: (
        lambda document, by: services.document_save(document=document, by=by),
        lambda document, by: services.document_delete(document=document, by=by),
    ),
    TravelPolicy: (
        lambda policy, by: travel_services.travel_policy_save(policy=policy, by=by),
        lambda policy, by: travel_services.travel_policy_delete(policy=policy, by=by),
    ),
}


ZONES = {name for name, _label in TIMEZONE_CHOICES}


def venue_zone_view(view: Callable[[], HttpResponse], zone: str) -> HttpResponse:
    """Run an add or change view with `zone` active, so its forms read and show times in it; the page is
    rendered before the zone is let go."""
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        response = view()
        if hasattr(response, "render"):
            response.render()
    return response


@admin.display(description=_("starts (venue time)"), ordering="starts_at")
def venue_start(obj: Meeting | AgendaItem) -> str:
    meeting = obj if isinstance(obj, Meeting) else obj.meeting
    if isinstance(obj, AgendaItem) and obj.time_to_be_confirmed:
        return f"{times.venue_time(meeting, obj.starts_at, times.DATE)}, {times.agenda_item_time(obj, meeting)}"
    return f"{times.venue_time(meeting, obj.starts_at)} ({meeting.timezone})"


@admin.register(Meeting)
class MeetingAdmin(ScopedAdmin):
    form = MeetingAdminForm
    list_display = ["title", "partnership", "number", venue_start, "city", "state_label", "manage_link"]
    list_filter = ["partnership", "state", "kind", "format"]
    list_select_related = ["partnership"]
    search_fields = ["title", "city", "venue"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["host"]
    filter_horizontal = ["linked_meetings"]
    readonly_fields = ["state", "sequence"]
    inlines = [AgendaItemInline, ReminderRuleInline, MeetingDocumentInline, TravelPolicyInline]
    actions = ["announce", "open_registration", "close_registration", "mark_held"]
    fieldsets = [
        (None, {"fields": ["partnership", "number", "title", "kind", "description", "state", "is_public"]}),
        (
            _("Where and when"),
            {"fields": ["host", "venue", "address", "city", "country", "timezone", "starts_at", "ends_at"]},
        ),
        (
            _("Format and registration"),
            {"fields": ["format", "join_url", "capacity", "registration_deadline", "linked_meetings"]},
        ),
    ]

    class Media:
        js = ["meetings/venue_zone.js"]

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """The meeting's dates and times, and its agenda's, are read and shown in the venue's time zone
        (see `venue_zone`), on the add form as on the change form."""
        return venue_zone_view(
            lambda: super(MeetingAdmin, self).changeform_view(request, object_id, form_url, extra_context),
            self.venue_zone(request, object_id),
        )

    def venue_zone(self, request: HttpRequest, object_id: str | None) -> str:
        """The zone the page reads and shows times in: the zone field as posted, so the times typed are
        read in the zone chosen beside them (changing the zone converts nothing: 10:00 stays 10:00, now in
        the new zone); else the saved meeting's; else the one the address asks for, or the field's default."""
        if request.method == "POST" and request.POST.get("timezone") in ZONES:
            return request.POST["timezone"]
        meeting = self.get_object(request, unquote(object_id)) if object_id is not None else None
        if meeting is not None:
            return meeting.timezone
        asked = request.GET.get("timezone")
        return asked if asked in ZONES else str(Meeting._meta.get_field("timezone").default)

    @admin.display(description=_("state"), ordering="state")
    def state_label(self, obj: Meeting) -> str:
        return obj.get_state_display()

    @admin.display(description=_("manage"))
    def manage_link(self, obj: Meeting) -> str:
        return format_html('<a href="{}">{}</a>', reverse("meetings:manage", args=[obj.pk]), _("Manage"))

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        linked = form.base_fields.get("linked_meetings")
        if obj is not None and linked is not None:
            linked.queryset = linked.queryset.exclude(pk=obj.pk)  # a meeting is not linked to itself
        return form

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.meeting_save(meeting=obj, by=request.user, changed=form.changed_data if change else ())

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """The agenda, reminder rules and documents are saved and deleted through the services (audited)."""
        save, delete = INLINE_SERVICES[formset.model]
        saved = formset.save(commit=False)
        # Deletions first, so a row may take the room and time of one removed in the same edit.
        for part in formset.deleted_objects:
            delete(part, request.user)
        for part in saved:
            save(part, request.user)
        formset.save_m2m()

    def _transition(self, request: HttpRequest, queryset: QuerySet[Meeting], to_state: str) -> None:
        done = 0
        for meeting in queryset:
            try:
                services.meeting_transition(meeting=meeting, to_state=to_state, by=request.user)
                done += 1
            except ValidationError as error:
                self.message_user(request, f"{meeting}: {' '.join(error.messages)}", messages.ERROR)
        if done:
            self.message_user(
                request,
                ngettext("%(count)d meeting is now “%(state)s”.", "%(count)d meetings are now “%(state)s”.", done)
                % {"count": done, "state": Meeting.State(to_state).label},
                messages.SUCCESS,
            )

    @admin.action(description=_("Announce"), permissions=["change"])
    def announce(self, request: HttpRequest, queryset: QuerySet[Meeting]) -> None:
        self._transition(request, queryset, Meeting.State.ANNOUNCED)

    @admin.action(description=_("Open registration"), permissions=["change"])
    def open_registration(self, request: HttpRequest, queryset: QuerySet[Meeting]) -> None:
        self._transition(request, queryset, Meeting.State.REGISTRATION_OPEN)

    @admin.action(description=_("Close registration"), permissions=["change"])
    def close_registration(self, request: HttpRequest, queryset: QuerySet[Meeting]) -> None:
        self._transition(request, queryset, Meeting.State.REGISTRATION_CLOSED)

    @admin.action(description=_("Mark as held (derives no-shows)"), permissions=["change"])
    def mark_held(self, request: HttpRequest, queryset: QuerySet[Meeting]) -> HttpResponse | None:
        """As on the portal, after a page that names each meeting and the no-shows it will record."""
        if request.POST.get("confirm") == "yes":
            self._transition(request, queryset, Meeting.State.HELD)
            return None
        no_show = Q(registrations__state__in=workflow.NO_SHOW_FROM)
        chosen = queryset.annotate(no_shows=Count("registrations", filter=no_show)).order_by("starts_at")
        return render(
            request,
            "admin/meetings/confirm_held.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Mark as held?"),
                "meetings": [(meeting, workflow.has_ended(meeting)) for meeting in chosen],
                "opts": self.model._meta,
            },
        )


class ShiftForm(forms.Form):
    minutes = forms.IntegerField(
        label=_("Shift by minutes (negative moves earlier)"), min_value=-24 * 60, max_value=24 * 60
    )


@admin.register(AgendaItem)
class AgendaItemAdmin(ScopedAdmin):
    form = AgendaItemForm
    fields = ("meeting", *AGENDA_ITEM_FIELDS)
    list_display = ["title", "meeting", venue_start, "kind", "room", "position"]
    list_editable = ["position"]
    list_filter = ["meeting__partnership", "meeting", "kind"]
    list_select_related = ["meeting"]
    search_fields = ["title", "meeting__title"]
    autocomplete_fields = ["speakers", "speaker_organisations"]
    actions = ["shift_items"]

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """An item's times are read and shown in its meeting's zone, as on the meeting's page: the saved
        item's meeting, else the meeting posted or asked for in the address."""
        zone = self.meeting_zone(request, object_id)
        return venue_zone_view(
            lambda: super(AgendaItemAdmin, self).changeform_view(request, object_id, form_url, extra_context),
            zone or str(Meeting._meta.get_field("timezone").default),
        )

    def meeting_zone(self, request: HttpRequest, object_id: str | None) -> str | None:
        """The zone of the item's meeting, if the page knows the meeting yet (one the user coordinates)."""
        item = self.get_object(request, unquote(object_id)) if object_id is not None else None
        chosen = str(item.meeting_id) if item else request.POST.get("meeting") or request.GET.get("meeting") or ""
        meeting = meetings_coordinated(request.user).filter(pk=chosen) if chosen.isdigit() else Meeting.objects.none()
        return meeting.values_list("timezone", flat=True).first()

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None and self.meeting_zone(request, None) is None:
            return type(form.__name__, (form,), {"zone_known": False})
        return form

    @admin.action(description=_("Shift the selected items in time"), permissions=["change"])
    def shift_items(self, request: HttpRequest, queryset: QuerySet[AgendaItem]) -> HttpResponse | None:
        form = ShiftForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            try:
                count = services.agenda_shift(items=queryset, minutes=form.cleaned_data["minutes"], by=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join([str(_("Nothing moved.")), *error.messages]), messages.ERROR)
                return None
            self.message_user(
                request,
                ngettext("%(count)d agenda item moved.", "%(count)d agenda items moved.", count) % {"count": count},
                messages.SUCCESS,
            )
            return None
        return render(
            request,
            "admin/meetings/shift_items.html",
            {**self.admin_site.each_context(request), "items": queryset, "form": form, "opts": self.model._meta},
        )


@admin.register(Registration)
class RegistrationAdmin(ScopedAdmin):
    inlines = [TravelRequestInline]
    list_display = ["person", "organisation", "meeting", "state", "registered_at", "checked_in_at"]
    list_filter = ["meeting__partnership", "meeting", "state", "site_visit"]
    list_select_related = ["person", "person__organisation", "meeting"]
    search_fields = ["person__name", "person__email", "person__organisation__name"]
    readonly_fields = ["meeting", "person", "state", "invited_at", "registered_at", "checked_in_at", "days"]
    fields = [
        "meeting",
        "person",
        "state",
        "invited_at",
        "registered_at",
        "days",
        "site_visit",
        "dietary_needs",
        "accessibility_needs",
        "consent_participant_list",
        "checked_in_at",
    ]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("organisation"), ordering="person__organisation__name")
    def organisation(self, obj: Registration) -> Organisation:
        return obj.person.organisation
