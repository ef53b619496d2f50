"""Meetings in the coordinators' admin, scoped to their partnerships; writes go through services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from meetings import services
from meetings.models import AgendaItem, Meeting, MeetingDocument, Registration, ReminderRule
from partnership.admin import ScopedAdmin
from partnership.documents import document_file_clean
from partnership.models import Organisation


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 1
    fields = ["starts_at", "ends_at", "title", "kind", "room", "speakers", "speaker_organisations", "position"]
    autocomplete_fields = ["speakers", "speaker_organisations"]


class ReminderRuleInline(admin.TabularInline):
    model = ReminderRule
    extra = 0
    fields = ["days_before", "anchor", "audience"]


class MeetingDocumentForm(forms.ModelForm):
    class Meta:
        model = MeetingDocument
        fields = ["title", "kind", "visibility", "agenda_item", "file"]

    def clean_file(self) -> Any:
        return document_file_clean(self.cleaned_data["file"])


class MeetingDocumentInline(admin.TabularInline):
    model = MeetingDocument
    form = MeetingDocumentForm
    extra = 0
    fields = ["title", "kind", "visibility", "agenda_item", "file"]


class TransitionForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False)


@admin.register(Meeting)
class MeetingAdmin(ScopedAdmin):
    list_display = ["title", "partnership", "number", "starts_at", "city", "state_label", "manage_link"]
    list_filter = ["partnership", "state", "kind", "format"]
    list_select_related = ["partnership"]
    search_fields = ["title", "city", "venue"]
    date_hierarchy = "starts_at"
    autocomplete_fields = ["host"]
    filter_horizontal = ["linked_meetings"]
    readonly_fields = ["state", "sequence"]
    inlines = [AgendaItemInline, ReminderRuleInline, MeetingDocumentInline]
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

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Dates and agenda times are entered and shown in the venue's time zone, as on the agenda."""
        meeting = self.get_object(request, object_id)
        if meeting is None:
            return super().change_view(request, object_id, form_url, extra_context)
        with timezone.override(meeting.zone):
            response = super().change_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()
        return response

    @admin.display(description=_("state"), ordering="state")
    def state_label(self, obj: Meeting) -> str:
        return obj.get_state_display()

    @admin.display(description=_("manage"))
    def manage_link(self, obj: Meeting) -> str:
        return format_html('<a href="{}">{}</a>', reverse("meetings:manage", args=[obj.pk]), _("Manage"))

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "linked_meetings" and not request.user.is_superuser:
            kwargs["queryset"] = self.scope(Meeting.objects.all(), request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        moved = change and {"starts_at", "ends_at"} & set(form.changed_data) and obj.state != Meeting.State.DRAFT
        if not moved:
            super().save_model(request, obj, form, change)
            if not change:
                services.reminder_rules_ensure_defaults(meeting=obj)
            return
        # A published meeting moved in time is rescheduled: agenda, reminders and calendar entries follow.
        starts_at, ends_at, deadline = obj.starts_at, obj.ends_at, obj.registration_deadline
        original = Meeting.objects.get(pk=obj.pk)
        obj.starts_at, obj.ends_at, obj.registration_deadline = (
            original.starts_at,
            original.ends_at,
            original.registration_deadline,
        )
        super().save_model(request, obj, form, change)
        services.meeting_reschedule(
            meeting=obj,
            starts_at=starts_at,
            ends_at=ends_at,
            registration_deadline=deadline if "registration_deadline" in form.changed_data else None,
            reason=str(_("Changed by the coordinators.")),
            by=request.user,
        )
        obj.refresh_from_db()

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
                _("%(count)d meetings are now “%(state)s”.") % {"count": done, "state": Meeting.State(to_state).label},
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
    def mark_held(self, request: HttpRequest, queryset: QuerySet[Meeting]) -> None:
        self._transition(request, queryset, Meeting.State.HELD)


class ShiftForm(forms.Form):
    minutes = forms.IntegerField(
        label=_("Shift by minutes (negative moves earlier)"), min_value=-24 * 60, max_value=24 * 60
    )


@admin.register(AgendaItem)
class AgendaItemAdmin(ScopedAdmin):
    partnership_path = "meeting__partnership"
    list_display = ["title", "meeting", "starts_at", "ends_at", "kind", "room", "position"]
    list_editable = ["position"]
    list_filter = ["meeting__partnership", "meeting", "kind"]
    list_select_related = ["meeting"]
    search_fields = ["title", "meeting__title"]
    autocomplete_fields = ["speakers", "speaker_organisations"]
    actions = ["shift_items"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "meeting" and not request.user.is_superuser:
            kwargs["queryset"] = Meeting.objects.filter(partnership__in=self.coordinated(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.action(description=_("Shift the selected items in time"), permissions=["change"])
    def shift_items(self, request: HttpRequest, queryset: QuerySet[AgendaItem]) -> HttpResponse | None:
        form = ShiftForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            count = services.agenda_shift(items=queryset, minutes=form.cleaned_data["minutes"], by=request.user)
            self.message_user(request, _("%(count)d agenda items moved.") % {"count": count}, messages.SUCCESS)
            return None
        return render(
            request,
            "admin/meetings/shift_items.html",
            {**self.admin_site.each_context(request), "items": queryset, "form": form, "opts": self.model._meta},
        )


@admin.register(Registration)
class RegistrationAdmin(ScopedAdmin):
    partnership_path = "meeting__partnership"
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
