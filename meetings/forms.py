"""The meetings' forms: the portal's pages and the admin's meeting and agenda forms."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import ValidationError
from django.forms.utils import from_current_timezone
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from meetings import workflow
from meetings.models import AgendaItem, Meeting, MeetingDocument, Registration
from partnership.documents import DocumentModelForm
from partnership.fields import ModelMultipleChoiceField
from partnership.models import Membership, Person


class RegistrationForm(forms.Form):
    days = forms.MultipleChoiceField(
        label=_("Days you will attend"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one day of the meeting.")},
    )
    site_visit = forms.BooleanField(label=_("I will join the site visit"), required=False)
    dietary_needs = forms.CharField(label=_("Dietary needs"), max_length=300, required=False)
    accessibility_needs = forms.CharField(label=_("Accessibility needs"), max_length=300, required=False)
    consent_participant_list = forms.BooleanField(
        label=_("Show my name and organisation on the participant list shared with the partnership"), required=False
    )

    def __init__(self, *args: Any, meeting: Meeting, registration: Registration | None = None, **kwargs: Any) -> None:
        if registration is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "days": registration.days or [day.isoformat() for day in meeting.days],
                "site_visit": registration.site_visit,
                "dietary_needs": registration.dietary_needs,
                "accessibility_needs": registration.accessibility_needs,
                "consent_participant_list": registration.consent_participant_list,
            }
        elif "initial" not in kwargs:
            kwargs["initial"] = {"days": [day.isoformat() for day in meeting.days]}
        super().__init__(*args, **kwargs)
        if meeting.format == Meeting.Format.ONLINE:
            del self.fields["dietary_needs"]
        days_field = self.fields["days"]
        assert isinstance(days_field, forms.MultipleChoiceField)
        days_field.choices = [(day.isoformat(), formats.date_format(day, "l j F Y")) for day in meeting.days]
        if not meeting.agenda_items.filter(kind=AgendaItem.Kind.SITE_VISIT).exists():
            del self.fields["site_visit"]
        self.helper = FormHelper()
        self.helper.form_tag = False


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=300, required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the meeting cancelled?"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("cancel", _("Cancel the meeting and tell the registered"), css_class="btn-danger"))


class RescheduleForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("New start (venue time)"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("New end (venue time)"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    reason = forms.CharField(
        label=_("Reason, told to the registered"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "starts_at": meeting.local(meeting.starts_at).replace(tzinfo=None),
                "ends_at": meeting.local(meeting.ends_at).replace(tzinfo=None),
            },
        )
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.helper = FormHelper()
        self.helper.add_input(Submit("reschedule", _("Reschedule")))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        zone = self.meeting.zone
        for name in ("starts_at", "ends_at"):
            if data.get(name):
                data[name] = data[name].replace(tzinfo=None).replace(tzinfo=zone)
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] < data["starts_at"]:
            self.add_error("ends_at", _("The end must be after the start."))
        return data


class InviteForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Invite everyone of organisations with these roles"),
        choices=Membership.Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    people = ModelMultipleChoiceField(
        label=_("And these people"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("People of the partnership's organisations who are not invited yet."),
    )
    guest_name = forms.CharField(label=_("Guest's name"), max_length=200, required=False)
    guest_email = forms.EmailField(label=_("Guest's e-mail"), max_length=254, required=False)
    guest_organisation = forms.CharField(label=_("Guest's organisation"), max_length=200, required=False)
    message = forms.CharField(
        label=_("Message (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Added to the invitation, above the personal link."),
    )

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people_field = self.fields["people"]
        assert isinstance(people_field, forms.ModelMultipleChoiceField)
        people_field.queryset = people
        people_field.label_from_instance = lambda obj: f"{obj.name} ({obj.organisation.name})"  # type: ignore[method-assign]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "roles",
            Div(
                "people",
                css_id="invite-people",
                data_filter_label=_("Filter people by name or organisation"),
                data_filter_status=_("{shown} of {total} people shown"),
            ),
            Fieldset(_("An outside guest (no account needed)"), "guest_name", "guest_email", "guest_organisation"),
            "message",
        )
        self.helper.add_input(Submit("invite", _("Send invitations")))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # What was typed, valid or not: a guest's bad address still asks for their name.
        guest = any(
            str(self.data.get(name, "")).strip() for name in ("guest_name", "guest_email", "guest_organisation")
        )
        if guest and not data.get("guest_name") and "guest_name" not in self.errors:
            self.add_error("guest_name", _("Give the guest's name."))
        if guest and not data.get("guest_email") and "guest_email" not in self.errors:
            self.add_error("guest_email", _("Give the guest's e-mail address."))
        if not data.get("roles") and not data.get("people") and not guest and not self.errors:
            raise forms.ValidationError(_("Choose at least one role or one person to invite, or give a guest."))
        return data


class LetterForm(forms.Form):
    """ "Write to participants": to whom (each group with how many are in it), a subject and the text."""

    audience = forms.ChoiceField(label=_("To"), widget=forms.RadioSelect)
    subject = forms.CharField(label=_("Subject"), max_length=150)
    body = forms.CharField(
        label=_("Text"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Each mail begins with the person's name and ends with the meeting's title, time, place and page."),
    )

    def __init__(self, *args: Any, audiences: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        audience = self.fields["audience"]
        assert isinstance(audience, forms.ChoiceField)
        audience.choices = audiences
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page's form tag carries the one-time token (partnership.once)
        self.helper.add_input(Submit("write", _("Send the letter")))


class DocumentForm(DocumentModelForm):
    class Meta:
        model = MeetingDocument
        fields = ["title", "kind", "visibility", "agenda_item", "file"]

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        item_field = self.fields["agenda_item"]
        assert isinstance(item_field, forms.ModelChoiceField)
        item_field.queryset = meeting.agenda_items.all()
        self.helper = FormHelper()
        self.helper.add_input(Submit("upload", _("Upload")))


class MinutesForm(forms.Form):
    body = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 12}))
    decisions = forms.CharField(label=_("Decisions"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    follow_ups = forms.CharField(label=_("Follow-ups"), widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save the minutes")))


# The admin's meeting and agenda forms -------------------------------------------------------------
# The admin's meeting pages make the venue's time zone the active one (MeetingAdmin.changeform_view), so
# these forms read and show every date and time in it, and say so in each label.


def venue_zone_label(label: Any, *, zone_known: bool = True) -> SafeString:
    """A date-time field's label naming the zone its value is read and shown in: the active one. The
    zone is in a span that meetings/static/meetings/venue_zone.js keeps in step with the zone field.
    While the meeting is not chosen yet, the label says its zone will be the meeting's."""
    if not zone_known:
        return format_html("{} ({})", capfirst(label), _("the meeting's time zone"))
    return format_html('{} (<span class="venue-zone">{}</span>)', capfirst(label), timezone.get_current_timezone_name())


class VenueTimesMixin:
    """Labels every date-time field of the form with the zone it is read and shown in."""

    fields: dict[str, forms.Field]
    zone_known = True  # False on a page where the meeting, and so its zone, is still to be chosen

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateTimeField | forms.SplitDateTimeField):
                field.label = venue_zone_label(field.label, zone_known=self.zone_known)


class MeetingAdminForm(VenueTimesMixin, forms.ModelForm):
    """The meeting in the admin; its fieldsets choose the fields."""

    class Meta:
        model = Meeting
        fields = [
            "partnership",
            "number",
            "title",
            "kind",
            "description",
            "is_public",
            "host",
            "venue",
            "address",
            "city",
            "country",
            "timezone",
            "starts_at",
            "ends_at",
            "format",
            "join_url",
            "capacity",
            "registration_deadline",
            "linked_meetings",
        ]
        help_texts = {
            "timezone": _(
                "The venue's time zone. Every date and time of this meeting, the agenda's too, is read and shown "
                "in it. Changing it keeps the times as typed: 10:00 stays 10:00, now in the new zone."
            )
        }

    def clean(self) -> dict[str, Any] | None:
        """A meeting that is held or cancelled keeps its times: only a planned one is rescheduled."""
        cleaned = super().clean()
        moved = {"starts_at", "ends_at"} & set(self.changed_data)
        if self.instance.pk is not None and moved and self.instance.state not in workflow.PLANNED:
            message = _("A held or cancelled meeting keeps its times; only a planned meeting can be rescheduled.")
            for name in sorted(moved):
                self.add_error(name, message)
        return cleaned


class DateWithOptionalTimeField(forms.SplitDateTimeField):
    """A date and a time, where the time may be left empty: the value is then the date alone, for the
    form to decide what that means."""

    widget = AdminSplitDateTime

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(require_all_fields=False, **kwargs)
        self.fields[1].required = False

    def compress(self, data_list: Any) -> Any:
        if data_list and data_list[0] and data_list[1] in self.empty_values:
            return data_list[0]
        return super().compress(data_list)


def _date_only(value: Any) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


# The agenda item's fields in the admin, in the order of the agenda inline's columns.
AGENDA_ITEM_FIELDS = (
    "starts_at",
    "ends_at",
    "time_to_be_confirmed",
    "title",
    "kind",
    "room",
    "speakers",
    "speaker_organisations",
    "other_speakers",
    "position",
)


class AgendaItemForm(VenueTimesMixin, forms.ModelForm):
    """An agenda item in the admin, its times in the venue's zone (the active one).

    The day is always needed. An item whose time is to be confirmed may leave its times empty: it is
    kept at midnight of its day, ending when it starts, and the form shows those times empty again.
    """

    starts_at = DateWithOptionalTimeField(label=_("starts at"), required=False)
    ends_at = DateWithOptionalTimeField(label=_("ends at"), required=False)

    class Meta:
        model = AgendaItem
        fields = AGENDA_ITEM_FIELDS
        widgets = {"other_speakers": forms.Textarea(attrs={"rows": 2, "cols": 24})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        item = self.instance
        if item.pk and item.time_to_be_confirmed:
            starts = timezone.localtime(item.starts_at)
            if starts.time() == time.min:
                self.initial["starts_at"] = [starts.date(), None]
                if item.ends_at == item.starts_at:
                    self.initial["ends_at"] = [starts.date(), None]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        to_confirm = data.get("time_to_be_confirmed", False)
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if "starts_at" not in self.errors:
            if starts is None:
                self.add_error("starts_at", _("Give the day, and the time unless it is to be confirmed."))
            elif _date_only(starts) and to_confirm:
                data["starts_at"] = starts = from_current_timezone(datetime.combine(starts, time.min))
            elif _date_only(starts):
                self.add_error("starts_at", _("Give the time, or tick “time to be confirmed”."))
        if "ends_at" not in self.errors:
            if to_confirm and (ends is None or _date_only(ends)):
                data["ends_at"] = starts if isinstance(starts, datetime) else None
            elif ends is None:
                self.add_error("ends_at", _("Give the end's day and time, or tick “time to be confirmed”."))
            elif _date_only(ends):
                self.add_error("ends_at", _("Give the time, or tick “time to be confirmed”."))
        return data


class AgendaItemFormSet(forms.BaseInlineFormSet):
    """The agenda edited with its meeting. Its rows' new times are checked against one another here, so
    each row's own room check leaves the other rows of the edit out (their saved times are stale)."""

    def add_fields(self, form: Any, index: Any) -> None:
        super().add_fields(form, index)
        form.instance.edited_together = self._edited_ids

    @cached_property
    def _edited_ids(self) -> frozenset[int]:
        return frozenset(item.pk for item in self.get_queryset())

    def clean(self) -> None:
        """Rows of one edit, with a time (not to be confirmed), may not share a room at the same time."""
        super().clean()
        rows = [
            form.cleaned_data
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and not form.cleaned_data.get("DELETE")
            and not form.cleaned_data.get("time_to_be_confirmed")
            and form.cleaned_data.get("room")
            and isinstance(form.cleaned_data.get("starts_at"), datetime)
            and isinstance(form.cleaned_data.get("ends_at"), datetime)
        ]
        for index, row in enumerate(rows):
            for other in rows[index + 1 :]:
                same_room = row["room"].lower() == other["room"].lower()
                if same_room and row["starts_at"] < other["ends_at"] and other["starts_at"] < row["ends_at"]:
                    raise ValidationError(
                        _("%(room)s is already taken by “%(title)s” at that time.")
                        % {"room": other["room"], "title": row["title"]}
                    )
