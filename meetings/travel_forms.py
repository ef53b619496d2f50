"""The travel support forms: a participant's request, the secretariat's decisions, the admin's policy."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from meetings import travel as rules
from meetings.models import Meeting, TravelPolicy, TravelRequest
from meetings.travel_models import MAX_AMOUNT, MAX_NIGHTS
from partnership.models import Membership


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class TravelRequestForm(forms.Form):
    travelling_from = forms.CharField(
        label=_("Travelling from"), max_length=200, help_text=_("City and country you travel from.")
    )
    arrival = forms.DateField(label=_("Arrival"), widget=DateInput())
    departure = forms.DateField(label=_("Departure"), widget=DateInput())
    nights = forms.IntegerField(
        label=_("Nights of accommodation"), min_value=0, max_value=MAX_NIGHTS, initial=0, required=False
    )
    notes = forms.CharField(
        label=_("Notes for the secretariat"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, meeting: Meeting, travel: TravelRequest | None = None, **kwargs: Any) -> None:
        if "initial" not in kwargs:
            days = meeting.days
            kwargs["initial"] = (
                {
                    "travelling_from": travel.travelling_from,
                    "arrival": travel.arrival,
                    "departure": travel.departure,
                    "nights": travel.nights,
                    "notes": travel.notes,
                }
                if travel is not None
                else {"arrival": days[0], "departure": days[-1], "nights": len(days) - 1}
            )
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_nights(self) -> int:
        return self.cleaned_data.get("nights") or 0


class TravelMoveForm(forms.Form):
    to_state = forms.ChoiceField(label=_("New status"))
    amount = forms.DecimalField(
        label=_("Amount (EUR)"),
        required=False,
        min_value=Decimal("0"),
        max_value=MAX_AMOUNT,
        max_digits=8,
        decimal_places=2,
        help_text=_("Approved, booked or reimbursed; within the meeting's cap."),
    )
    reason = forms.CharField(
        label=_("Reason or note, told to the participant"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, travel: TravelRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(TravelRequest.Status.choices)
        to_state = self.fields["to_state"]
        assert isinstance(to_state, forms.ChoiceField)
        to_state.choices = [(state, labels[state]) for state in rules.moves(travel)]
        self.helper = FormHelper()
        self.helper.form_tag = False


class EligibilityForm(forms.Form):
    # Shown beside TravelMoveForm, which has a "reason" too: the prefix keeps each label on its own field.
    prefix = "eligibility"

    eligibility = forms.ChoiceField(
        label=_("Eligibility"),
        choices=[
            (rules.ELIGIBILITY_RULE, _("As the meeting's rule says")),
            (rules.ELIGIBLE, _("Eligible")),
            (rules.NOT_ELIGIBLE, _("Not eligible")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Why"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class TravelPolicyForm(forms.ModelForm):
    """The policy in the meeting's admin: roles as checkboxes."""

    roles = forms.MultipleChoiceField(
        label=_("For organisations with these roles"),
        choices=Membership.Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = TravelPolicy
        fields = ["offered", "roles", "organisations", "cap_eur", "conditions"]
        widgets = {"conditions": forms.Textarea(attrs={"rows": 2})}
