from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from meetings.models import AgendaItem, Meeting, MeetingDocument, Registration
from partnership.documents import DocumentModelForm
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
    people = forms.ModelMultipleChoiceField(
        label=_("And these people"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people_field = self.fields["people"]
        assert isinstance(people_field, forms.ModelMultipleChoiceField)
        people_field.queryset = people
        self.helper = FormHelper()
        self.helper.add_input(Submit("invite", _("Send invitations")))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("roles") and not data.get("people"):
            raise forms.ValidationError(_("Choose at least one role or one person to invite."))
        return data


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
