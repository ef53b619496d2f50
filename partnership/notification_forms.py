"""Forms of the notification pages: how each kind is mailed, and an announcement."""

from __future__ import annotations

import datetime
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partnership.models import Membership, Notification, NotificationPreference
from partnership.notification_models import ANNOUNCEMENT_LONGEST


class NotificationPreferencesForm(forms.Form):
    """One choice per kind: at once, in the daily digest, or not by e-mail."""

    def __init__(self, *args: Any, deliveries: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in Notification.Kind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label, choices=NotificationPreference.Delivery.choices, initial=deliveries[kind.value]
            )
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save my choices")))


class AnnouncementForm(forms.Form):
    """What a coordinator writes to the members of a partnership, or to one role of them."""

    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))
    role = forms.ChoiceField(label=_("To"), choices=[("", _("All members")), *Membership.Role.choices], required=False)
    expires_on = forms.DateField(
        label=_("Shown until"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The announcement shows on their home pages until the end of this day."),
    )

    def __init__(self, *args: Any, with_role: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_role:
            del self.fields["role"]
        self.fields["expires_on"].initial = timezone.localdate() + datetime.timedelta(days=14)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page's form tag carries the one-time token (partnership.once)
        self.helper.add_input(Submit("send", _("Publish the announcement")))

    def clean_expires_on(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["expires_on"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day."))
        if day >= timezone.localdate() + ANNOUNCEMENT_LONGEST:
            raise forms.ValidationError(_("An announcement shows for at most a year after it is written."))
        return day

    def expires_at(self) -> datetime.datetime:
        day = self.cleaned_data["expires_on"] + datetime.timedelta(days=1)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
