"""Meetings in the coordinators' admin, scoped to their partnerships; writes go through services."""

from __future__ import annotations

from collections.abc import Callable
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
from partnership.admin import ScopedAdmin, ScopedTabularInline
from partnership.documents import DocumentModelForm
from partnership.models import Organisation


class AgendaItemFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        """Rows of one edit may not share a room at the same time either: the model checks each row against
        the saved agenda only, and the service that saves them checks again."""
        super().clean()
        rows = [
            form.cleaned_data
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("room")
            and form.cleaned_data.get("starts_at")
            and form.cleaned_data.get("ends_at")
        ]
        for index, row in enumerate(rows):
            for other in rows[index + 1 :]:
                same_room = row["room"].lower() == other["room"].lower()
                if same_room and row["starts_at"] < other["ends_at"] and other["starts_at"] < row["ends_at"]:
                    raise ValidationError(
                        _("%(room)s is already taken by “%(title)s” at that time.")
                        % {"room": other["room"], "title": row["title"]}
                    )


class AgendaItemInline(ScopedTabularInline):
    model = AgendaItem
    formset = AgendaItemFormSet
    extra = 1
    fields = ["starts_at", "ends_at", "title", "kind", "room", "speakers", "speaker_organisations", "position"]
    autocomplete_fields = ["speakers", "speaker_organisations"]


class ReminderRuleInline(ScopedTabularInline):
    model = ReminderRule
    extra = 0
    fields = ["days_before", "anchor", "audience"]


class MeetingDocumentForm(DocumentModelForm):
    class Meta:
        model = MeetingDocument
        fields = ["title", "kind", "visibility", "agenda_item", "file"]


class MeetingDocumentInline(ScopedTabularInline):
    model = MeetingDocument
    form = MeetingDocumentForm
    extra = 0
    fields = ["title", "kind", "visibility", "agenda_item", "file"]


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
}


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

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """Dates and agenda times are entered and shown in the venue's time zone, as on the agenda; a new
        meeting has no venue yet and uses the site's."""
        meeting = self.get_object(request, object_id) if object_id is not None else None
        if meeting is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        with timezone.override(meeting.zone):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()
        return response

    @admin.display(description=_("state"), ordering="state")
    def state_label(self, obj: Meeting) -> str:
        return obj.get_state_display()

    @admin.display(description=_("manage"))
    def manage_link(self, obj: Meeting) -> str:
        return format_html('<a href="{}">{}</a>', reverse("meetings:manage", args=[obj.pk]), _("Manage"))

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
    list_display = ["title", "meeting", "starts_at", "ends_at", "kind", "room", "position"]
    list_editable = ["position"]
    list_filter = ["meeting__partnership", "meeting", "kind"]
    list_select_related = ["meeting"]
    search_fields = ["title", "meeting__title"]
    autocomplete_fields = ["speakers", "speaker_organisations"]
    actions = ["shift_items"]

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
