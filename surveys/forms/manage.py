"""The owner's forms about running a survey: the new closing date."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class DeadlineForm(forms.Form):
    """A later closing date, typed in the portal's time zone (a browser's date and time picker)."""

    closes_at = forms.DateTimeField(
        label=_("New closing date and time"),
        input_formats=[LOCAL_INPUT, "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
        help_text=_("In the portal's time zone. Respondents who have not answered can use their link until then."),
    )

    def __init__(self, *args: Any, current: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if current is not None and not self.is_bound:
            self.initial["closes_at"] = timezone.localtime(current)
