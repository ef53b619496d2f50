"""Announcements in the admin: a coordinator writes to the members of a partnership they run, to one role of
them, or to one of its meetings' participants, through the same service as the portal's announcement pages
(recipients chosen and notified once); afterwards only the text and how long it shows can change. It lives
here, not in `partnership`, because a meeting's participants are the meetings app's to name."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetings import selectors
from meetings.models import Meeting
from partnership import notifications
from partnership.admin import ScopedAdmin
from partnership.admin_scoping import CoordinatedPartnershipFilter, coordinated_ids, reachable
from partnership.models import Announcement, Membership


class AnnouncementAdminForm(forms.ModelForm):
    """On adding, whom it goes to: all members, one role, or one meeting's participants."""

    to_role = forms.ChoiceField(
        label=_("To"), choices=[("", _("All members")), *Membership.Role.choices], required=False
    )
    meeting = forms.ModelChoiceField(
        label=_("Or to the participants of the meeting"),
        queryset=Meeting.objects.none(),
        required=False,
        help_text=_("Everyone invited who has not declined or cancelled. Leave empty to write to the members."),
    )

    class Meta:
        model = Announcement
        fields = ["partnership", "title", "body", "expires_at"]

    def clean_expires_at(self) -> datetime.datetime:
        """A new or changed end lies in the future; an announcement that has ended can still be corrected."""
        expires_at: datetime.datetime = self.cleaned_data["expires_at"]
        if (self.instance.pk is None or "expires_at" in self.changed_data) and expires_at <= timezone.now():
            raise ValidationError(_("Choose a moment in the future."))
        return expires_at

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        meeting, partnership = data.get("meeting"), data.get("partnership")
        if meeting is not None and data.get("to_role"):
            self.add_error("meeting", _("Write to one role or to one meeting's participants, not both."))
        elif meeting is not None and partnership is not None and meeting.partnership_id != partnership.pk:
            self.add_error("meeting", _("Choose a meeting of this partnership."))
        return data


@admin.register(Announcement)
class AnnouncementAdmin(ScopedAdmin):
    form = AnnouncementAdminForm
    list_display = ["title", "partnership", "audience", "created_at", "expires_at", "recipient_count"]
    list_filter = [("partnership", CoordinatedPartnershipFilter)]
    list_select_related = ["partnership"]
    search_fields = ["title", "body"]
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).annotate(recipients_counted=Count("recipients"))

    @admin.display(description=_("recipients"), ordering="recipients_counted")
    def recipient_count(self, obj: Any) -> int:
        return int(getattr(obj, "recipients_counted", 0))

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ("partnership", "to_role", "meeting", "title", "body", "expires_at")
        return ("partnership", "audience", "author", "created_at", "title", "body", "expires_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Who it went to is decided once, when it is published; the text and its end can be corrected.
        return () if obj is None else ("partnership", "audience", "author", "created_at")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        reached = reachable(Meeting, request)
        meetings = (Meeting.objects.all() if reached is None else reached).order_by("-starts_at")

        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            form.__init__(self, *args, **kwargs)
            if "meeting" in self.fields:
                self.fields["meeting"].queryset = meetings  # only the meetings of partnerships the user runs

        return type(form.__name__, (form,), {"__init__": __init__})

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """The partnership, when the user runs only one, and two weeks on the home pages, as on the portal."""
        initial: dict[str, Any] = {"expires_at": timezone.now() + datetime.timedelta(days=14)}
        ids = coordinated_ids(request)
        if len(ids) == 1:
            initial["partnership"] = ids[0]
        return {**initial, **super().get_changeform_initial_data(request)}

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        partnership, meeting, role = data["partnership"], data.get("meeting"), data.get("to_role") or ""
        if meeting is not None:
            recipients = notifications.users_of_people_accounts(selectors.participant_user_ids(meeting))
            audience = str(_("the participants of %(meeting)s") % {"meeting": meeting.title})
        else:
            recipients = notifications.members_of(partnership.pk, roles=[role] if role else None)
            audience = str(Membership.Role(role).label if role else _("All members"))
        published = notifications.announcement_publish(
            partnership=partnership,
            by=request.user,
            title=data["title"],
            body=data["body"],
            expires_at=data["expires_at"],
            recipients=recipients,
            audience=audience,
            role=role,
        )
        obj.pk, obj.author, obj.audience, obj.role = published.pk, published.author, published.audience, role
        obj._state.adding = False

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The recipients are the service's to set; the form names none."""
