"""Travel support for a meeting: who the technical secretariat books or reimburses, and each participant's
request with its history. The models name the meeting and the registration by label, so this module is
imported at the end of `meetings.models` without importing it back."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from partnership.models import Membership, Organisation, StateChange

# How far around the meeting's days a trip may start or end: travel to a meeting, not a holiday.
TRAVEL_MARGIN_DAYS = 7
MAX_NIGHTS = 30
MAX_AMOUNT = Decimal("100000")


class TravelPolicy(models.Model):
    """Whether a meeting offers travel support, to which roles and organisations, up to how much per person."""

    partnership_path = "meeting__partnership"

    meeting = models.OneToOneField("meetings.Meeting", on_delete=models.CASCADE, related_name="travel_policy")
    offered = models.BooleanField(_("travel support offered"), default=False)
    roles = models.JSONField(
        _("for organisations with these roles"),
        default=list,
        blank=True,
        help_text=_("People of organisations holding one of these roles in the partnership are eligible."),
    )
    organisations = models.ManyToManyField(
        Organisation,
        verbose_name=_("and for these organisations"),
        blank=True,
        related_name="travel_policies",
    )
    cap_eur = models.DecimalField(
        _("cap per person (EUR)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Leave empty for no cap."),
    )
    conditions = models.TextField(
        _("conditions"), blank=True, help_text=_("What is covered and how, shown to participants.")
    )

    class Meta:
        verbose_name = _("travel support")
        verbose_name_plural = _("travel support")

    def __str__(self) -> str:
        return str(_("Travel support for %(meeting)s") % {"meeting": self.meeting})

    def clean(self) -> None:
        known = set(Membership.Role.values)
        if not isinstance(self.roles, list) or not set(self.roles) <= known:
            raise ValidationError({"roles": _("Choose roles among the membership roles.")})


class TravelRequest(models.Model):
    """One registration's request for travel support; the secretariat moves it through its statuses."""

    partnership_path = "registration__meeting__partnership"

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        BOOKED = "booked", _("Booked")
        REIMBURSED = "reimbursed", _("Reimbursed")
        REFUSED = "refused", _("Refused")

    registration = models.OneToOneField("meetings.Registration", on_delete=models.CASCADE, related_name="travel")
    travelling_from = models.CharField(_("travelling from"), max_length=200)
    arrival = models.DateField(_("arrival"))
    departure = models.DateField(_("departure"))
    nights = models.PositiveSmallIntegerField(
        _("nights of accommodation"), default=0, validators=[MaxValueValidator(MAX_NIGHTS)]
    )
    notes = models.CharField(_("notes for the secretariat"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REQUESTED, editable=False
    )
    # None: the meeting's rule decides; True or False: the secretariat decided, with a reason.
    eligibility_override = models.BooleanField(_("eligibility set by the secretariat"), null=True, editable=False)
    eligibility_reason = models.TextField(_("reason for the eligibility"), blank=True, editable=False)
    amount_eur = models.DecimalField(
        _("amount (EUR)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_AMOUNT)],
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["registration__person__name", "pk"]
        verbose_name = _("travel request")
        verbose_name_plural = _("travel requests")
        indexes = [models.Index(fields=["status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(departure__gte=models.F("arrival")),
                name="travel_departure_after_arrival",
                violation_error_message=_("The departure cannot be before the arrival."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.travelling_from} · {self.get_status_display()}"

    def clean(self) -> None:
        """The trip surrounds the meeting's days (a week either side at most), and the nights fit in it."""
        errors: dict[str, object] = {}
        if self.arrival and self.departure:
            if self.departure < self.arrival:
                errors["departure"] = _("The departure cannot be before the arrival.")
            elif self.nights > (self.departure - self.arrival).days:
                errors["nights"] = _("No more nights than between arrival and departure (%(n)d).") % {
                    "n": (self.departure - self.arrival).days
                }
            meeting = self.registration.meeting if self.registration_id else None
            if meeting is not None:
                days = meeting.days
                margin = timedelta(days=TRAVEL_MARGIN_DAYS)
                if not days[0] - margin <= self.arrival <= days[-1]:
                    errors["arrival"] = _("Arrive between %(first)s and the meeting's last day, %(last)s.") % {
                        "first": date_format(days[0] - margin),
                        "last": date_format(days[-1]),
                    }
                # A departure before the arrival is told first: that is the slip to mend.
                if not days[0] <= self.departure <= days[-1] + margin and "departure" not in errors:
                    errors["departure"] = _("Leave between the meeting's first day, %(first)s, and %(last)s.") % {
                        "first": date_format(days[0]),
                        "last": date_format(days[-1] + margin),
                    }
        if errors:
            raise ValidationError(errors)


class TravelChange(StateChange):
    """A step of a travel request: a status change, or the secretariat setting its eligibility (then the
    status stays and `eligibility` says what was set: "eligible", "not_eligible" or "rule")."""

    partnership_path = "travel__registration__meeting__partnership"

    travel = models.ForeignKey(TravelRequest, on_delete=models.CASCADE, related_name="changes")
    eligibility = models.CharField(max_length=20, blank=True)
    amount_eur = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.travel_id}: {self.from_state} → {self.to_state}"
