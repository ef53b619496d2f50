"""Meetings of a partnership: agenda, registrations, documents, minutes, reminders, calendar feeds."""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_countries.fields import CountryField

from partnership.models import Document, Organisation, Partnership, Person, StateChange

TIMEZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones()) if "/" in name]


class Meeting(models.Model):
    partnership_path = "partnership"

    class Kind(models.TextChoices):
        PARTNERSHIP_MEETING = "partnership_meeting", _("Partnership meeting")
        WORKSHOP = "workshop", _("Workshop")
        WEBINAR = "webinar", _("Webinar")

    class Format(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")
        HYBRID = "hybrid", _("Hybrid")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ANNOUNCED = "announced", _("Announced")
        REGISTRATION_OPEN = "registration_open", _("Registration open")
        REGISTRATION_CLOSED = "registration_closed", _("Registration closed")
        HELD = "held", _("Held")
        MINUTES_PUBLISHED = "minutes_published", _("Minutes published")
        CANCELLED = "cancelled", _("Cancelled")

    # An online or hybrid meeting in these states has a join link: a draft may wait for it, a cancelled
    # meeting no longer needs it (the workflow's tables re-export this one).
    NEEDS_JOIN_LINK = (
        State.ANNOUNCED,
        State.REGISTRATION_OPEN,
        State.REGISTRATION_CLOSED,
        State.HELD,
        State.MINUTES_PUBLISHED,
    )

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="meetings")
    number = models.PositiveSmallIntegerField(_("number"), null=True, blank=True, help_text=_("3 for the 3rd meeting"))
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, default=Kind.PARTNERSHIP_MEETING)
    description = models.TextField(_("description"), blank=True)
    host = models.ForeignKey(
        Organisation,
        verbose_name=_("host organisation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="hosted_meetings",
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = CountryField(_("country"), blank=True)
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        choices=TIMEZONE_CHOICES,
        default="Europe/Brussels",
        help_text=_("The venue's time zone; agenda times are local to it."),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    format = models.CharField(_("format"), max_length=20, choices=Format.choices, default=Format.IN_PERSON)
    join_url = models.URLField(
        _("join link"),
        blank=True,
        help_text=_(
            "Shown only to registered people. An online or hybrid meeting may be saved without it while it is a "
            "draft, and needs it before it is announced."
        ),
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Leave empty for no limit; beyond it people are waitlisted.")
    )
    registration_deadline = models.DateTimeField(_("registration deadline"), null=True, blank=True)
    linked_meetings = models.ManyToManyField("self", verbose_name=_("linked meetings"), blank=True, symmetrical=True)
    is_public = models.BooleanField(_("public page"), default=False)
    state = models.CharField(_("state"), max_length=30, choices=State.choices, default=State.DRAFT, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False, help_text="iCalendar SEQUENCE")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        indexes = [models.Index(fields=["partnership", "starts_at"]), models.Index(fields=["state", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")),
                name="meeting_ends_after_start",
                violation_error_message=_("A meeting cannot end before it starts."),
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        errors = {}
        if self.state in self.NEEDS_JOIN_LINK and self.lacks_join_link:
            errors["join_url"] = _("An online or hybrid meeting needs its join link once it is announced.")
        if self.registration_deadline and self.starts_at and self.registration_deadline > self.starts_at:
            errors["registration_deadline"] = _("The registration deadline must be before the meeting starts.")
        if errors:
            raise ValidationError(errors)

    @property
    def place(self) -> str:
        """Venue, address and city, those given, in that order."""
        return ", ".join(part for part in (self.venue, self.address, self.city) if part)

    @property
    def lacks_join_link(self) -> bool:
        """Online or hybrid, and no join link yet."""
        return self.format in (self.Format.ONLINE, self.Format.HYBRID) and not self.join_url

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def local(self, moment: datetime) -> datetime:
        return timezone.localtime(moment, self.zone)

    @property
    def days(self) -> list[date]:
        first, last = self.local(self.starts_at).date(), self.local(self.ends_at).date()
        return [date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)]

    @property
    def registration_is_open(self) -> bool:
        if self.state != self.State.REGISTRATION_OPEN:
            return False
        return self.registration_deadline is None or timezone.now() <= self.registration_deadline

    @property
    def is_cancelled(self) -> bool:
        return self.state == self.State.CANCELLED


class MeetingTransition(StateChange):
    """A state change of a meeting: who, when, why."""

    partnership_path = "meeting__partnership"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="transitions")

    def __str__(self) -> str:
        return f"{self.meeting}: {self.from_state} → {self.to_state}"


class AgendaItem(models.Model):
    partnership_path = "meeting__partnership"

    class Kind(models.TextChoices):
        PLENARY = "plenary", _("Plenary")
        TEASER = "teaser", _("Teaser session")
        WORKING_GROUP = "working_group", _("Working group")
        PRESENTATION = "presentation", _("Presentation")
        SITE_VISIT = "site_visit", _("Site visit")
        BREAK = "break", _("Break")
        SOCIAL = "social", _("Social")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PLENARY)
    room = models.CharField(_("room or place"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    speakers = models.ManyToManyField(Person, verbose_name=_("speakers"), blank=True, related_name="agenda_items")
    speaker_organisations = models.ManyToManyField(
        Organisation, verbose_name=_("speaking organisations"), blank=True, related_name="agenda_items"
    )
    other_speakers = models.TextField(
        _("other speakers"),
        blank=True,
        help_text=_("Speakers not in the partner records, by name: one per line or separated by commas."),
    )
    time_to_be_confirmed = models.BooleanField(
        _("time to be confirmed"),
        default=False,
        help_text=_(
            "The agenda shows “Time to be confirmed” on the item's day, after the items with a time; "
            "the time may be left empty."
        ),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "position", "id"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")),
                name="agenda_item_ends_after_start",
                violation_error_message=_("An agenda item cannot end before it starts."),
            )
        ]

    def __str__(self) -> str:
        return self.title

    # The ids of other items of the meeting edited together with this one (the admin's agenda formset sets
    # them): their saved times are about to change, so the room check leaves them to the formset, which
    # checks the edited rows' new times among themselves.
    edited_together: frozenset[int] = frozenset()

    @property
    def other_speaker_names(self) -> list[str]:
        """The free-text speakers, one name each, as typed (lines and commas both separate)."""
        return [name.strip() for line in self.other_speakers.splitlines() for name in line.split(",") if name.strip()]

    def clean(self) -> None:
        """An item lies within the meeting's days, and two items with a time do not share a room at the
        same time (an item whose time is to be confirmed has only a placeholder time, which clashes with
        nothing)."""
        # A new meeting's agenda is checked against the meeting as entered beside it, before either is saved.
        meeting = self.meeting if self.meeting_id or AgendaItem.meeting.is_cached(self) else None
        if not (meeting and meeting.starts_at and meeting.ends_at and self.starts_at and self.ends_at):
            return
        zone = meeting.zone
        first, last = meeting.local(meeting.starts_at).date(), meeting.local(meeting.ends_at).date()
        if not (
            first <= self.starts_at.astimezone(zone).date() <= last
            and first <= self.ends_at.astimezone(zone).date() <= last
        ):
            raise ValidationError(
                {
                    "starts_at": _("The item must take place on the meeting's days (%(first)s to %(last)s).")
                    % {"first": first.isoformat(), "last": last.isoformat()}
                }
            )
        if self.room and not self.time_to_be_confirmed and self.meeting_id:
            clash = (
                AgendaItem.objects.filter(meeting_id=self.meeting_id, room__iexact=self.room)
                .exclude(time_to_be_confirmed=True)
                .exclude(pk=self.pk)
                .exclude(pk__in=self.edited_together)
                .filter(starts_at__lt=self.ends_at, ends_at__gt=self.starts_at)
                .first()
            )
            if clash is not None:
                raise ValidationError(
                    {
                        "room": _("%(room)s is already taken by “%(title)s” at that time.")
                        % {"room": self.room, "title": clash.title}
                    }
                )


class Registration(models.Model):
    """One person's invitation to and registration for a meeting."""

    partnership_path = "meeting__partnership"

    class State(models.TextChoices):
        INVITED = "invited", _("Invited")
        REGISTERED = "registered", _("Registered")
        WAITLISTED = "waitlisted", _("Waitlisted")
        CONFIRMED = "confirmed", _("Confirmed")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("No-show")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    # States that hold a place at the meeting (count against capacity).
    HOLDS_PLACE = (State.REGISTERED, State.CONFIRMED, State.ATTENDED)

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="registrations")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="registrations")
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.INVITED)
    token_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # The QR ticket's token, hashed: the token itself is derived with the secret key (meetings/services/tickets.py).
    check_in_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    days = models.JSONField(_("days attending"), default=list, blank=True)
    site_visit = models.BooleanField(_("joins the site visit"), default=False)
    dietary_needs = models.CharField(_("dietary needs"), max_length=300, blank=True)
    accessibility_needs = models.CharField(_("accessibility needs"), max_length=300, blank=True)
    consent_participant_list = models.BooleanField(_("appears on the participant list"), default=False)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["meeting", "person__name"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [models.UniqueConstraint(fields=["meeting", "person"], name="registration_unique")]
        indexes = [models.Index(fields=["meeting", "state", "registered_at"])]

    def __str__(self) -> str:
        return f"{self.person} – {self.meeting} ({self.get_state_display()})"

    @property
    def holds_place(self) -> bool:
        return self.state in self.HOLDS_PLACE

    # One state each, for templates; the workflow's tables of states are in meetings/workflow.py.

    @property
    def is_invited(self) -> bool:
        """Invited and not yet answered."""
        return self.state == self.State.INVITED

    @property
    def is_registered(self) -> bool:
        """Registered, whether or not the organisers have confirmed it."""
        return self.state in (self.State.REGISTERED, self.State.CONFIRMED)

    @property
    def is_waitlisted(self) -> bool:
        return self.state == self.State.WAITLISTED

    @property
    def is_attended(self) -> bool:
        return self.state == self.State.ATTENDED

    @property
    def is_no_show(self) -> bool:
        return self.state == self.State.NO_SHOW

    @property
    def is_declined(self) -> bool:
        return self.state == self.State.DECLINED

    @property
    def is_cancelled(self) -> bool:
        return self.state == self.State.CANCELLED


class ReminderLink(models.Model):
    """A personal link sent in a reminder to answer. Each reminder gets its own, and every one keeps
    working as the invitation's own link does, until the registration deadline."""

    partnership_path = "registration__meeting__partnership"

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="reminder_links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return f"{self.registration_id} {self.created_at:%Y-%m-%d}"


class RegistrationChange(StateChange):
    partnership_path = "registration__meeting__partnership"

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="changes")

    def __str__(self) -> str:
        return f"{self.registration_id}: {self.from_state} → {self.to_state}"


class ReminderRule(models.Model):
    """Send a reminder so many days before the meeting start or the registration deadline."""

    partnership_path = "meeting__partnership"

    class Audience(models.TextChoices):
        REGISTERED = "registered", _("Registered people")
        NOT_ANSWERED = "not_answered", _("Invitees who have not answered")

    class Anchor(models.TextChoices):
        START = "start", _("Meeting start")
        DEADLINE = "deadline", _("Registration deadline")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="reminder_rules")
    days_before = models.PositiveSmallIntegerField(_("days before"), validators=[MaxValueValidator(365)])
    done_for_anchor = models.DateTimeField(null=True, blank=True, editable=False)
    anchor = models.CharField(_("before"), max_length=10, choices=Anchor.choices, default=Anchor.START)
    audience = models.CharField(_("to"), max_length=20, choices=Audience.choices, default=Audience.REGISTERED)

    class Meta:
        ordering = ["meeting", "anchor", "-days_before"]
        verbose_name = _("reminder rule")
        verbose_name_plural = _("reminder rules")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "days_before", "anchor", "audience"], name="reminder_rule_unique"
            )
        ]

    def __str__(self) -> str:
        return ngettext(
            "%(days)d day before %(anchor)s, to %(audience)s",
            "%(days)d days before %(anchor)s, to %(audience)s",
            self.days_before,
        ) % {
            "days": self.days_before,
            "anchor": self.get_anchor_display().lower(),
            "audience": self.get_audience_display().lower(),
        }

    def anchor_time(self) -> datetime | None:
        return self.meeting.starts_at if self.anchor == self.Anchor.START else self.meeting.registration_deadline


class MeetingDocument(Document):
    partnership_path = "meeting__partnership"

    class Kind(models.TextChoices):
        AGENDA = "agenda", _("Agenda")
        PRESENTATION = "presentation", _("Presentation")
        MINUTES = "minutes", _("Minutes")
        REPORT = "report", _("Report")
        OTHER = "other", _("Other")

    upload_folder = "meetings"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="documents")
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PRESENTATION)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["meeting", "kind", "title"]
        verbose_name = _("meeting document")
        verbose_name_plural = _("meeting documents")

    def get_absolute_url(self) -> str:
        return reverse("meetings:document", kwargs={"pk": self.pk})


class Minutes(models.Model):
    partnership_path = "meeting__partnership"

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    body = models.TextField(_("minutes"), help_text=_("Formatted text; scripts and styles are removed."))
    decisions = models.TextField(_("decisions"), blank=True)
    follow_ups = models.TextField(_("follow-ups"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")

    def __str__(self) -> str:
        return _("Minutes of %(meeting)s") % {"meeting": self.meeting}


class CalendarFeed(models.Model):
    """A personal calendar-feed address; the token is hashed, never expires, and can be revoked."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="calendar_feeds")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Calendar feed of {self.person}"


# Travel support lives in its own module; importing it here registers its models with the app.
from meetings.travel_models import TravelChange, TravelPolicy, TravelRequest  # noqa: E402

__all__ = [
    "AgendaItem",
    "CalendarFeed",
    "Meeting",
    "MeetingDocument",
    "MeetingTransition",
    "Minutes",
    "Registration",
    "RegistrationChange",
    "ReminderLink",
    "ReminderRule",
    "TravelChange",
    "TravelPolicy",
    "TravelRequest",
]
