"""Partner records: partnerships, organisations, people and their memberships, consent, audit, outbox."""

from __future__ import annotations

import datetime
import hashlib

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class Partnership(models.Model):
    """An Urban Agenda partnership; everything in meetings, actions and surveys belongs to one."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("short address"), max_length=60, unique=True)
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    is_public = models.BooleanField(
        _("public"), default=True, help_text=_("Visitors who are not members can see a public partnership.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="partnership_ends_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("partnership_detail", kwargs={"slug": self.slug})


class PriorityArea(models.Model):
    partnership_path = "partnership"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="priority_areas")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["partnership", "position", "name"]
        verbose_name = _("priority area")
        verbose_name_plural = _("priority areas")
        constraints = [models.UniqueConstraint(fields=["partnership", "name"], name="priority_area_unique_name")]

    def __str__(self) -> str:
        return self.name


class Pillar(models.Model):
    """A pillar of the Urban Agenda: Better regulation, Better funding, Better knowledge."""

    partnership_path = "partnership"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="pillars")
    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["partnership", "position", "name"]
        verbose_name = _("pillar")
        verbose_name_plural = _("pillars")
        constraints = [models.UniqueConstraint(fields=["partnership", "name"], name="pillar_unique_name")]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    class Kind(models.TextChoices):
        CITY = "city", _("City")
        REGION = "region", _("Metropolitan area or region")
        MINISTRY = "ministry", _("National ministry")
        EU_BODY = "eu_body", _("EU institution or body")
        NETWORK = "network", _("Network or association")
        OTHER = "other", _("Research or other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    country = CountryField(_("country"), blank=True, help_text=_("Leave empty for EU bodies and European networks."))
    website = models.URLField(_("website"), blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organisation_detail", kwargs={"pk": self.pk})

    @property
    def display_country(self) -> str:
        """EU usage: Greece is EL and the United Kingdom UK, whatever ISO says."""
        code = self.country.code if self.country else ""
        return {"GR": "EL", "GB": "UK"}.get(code, code)


class Person(models.Model):
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), max_length=254)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="people"
    )
    role_title = models.CharField(_("role title"), max_length=200, blank=True)
    language = models.CharField(_("preferred language"), max_length=10, choices=settings.LANGUAGES, default="en")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
    )
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="person_unique_email_ci",
                violation_error_message=_("A person with this e-mail address already exists."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.email = (self.email or "").strip().lower()
        self.name = (self.name or "").strip()


def calendar_today() -> datetime.date:
    """Today by the portal's calendar (TIME_ZONE): memberships begin and end on its dates, whatever zone a page
    shows times in (a meeting's admin page reads them in the venue's, where it may still be yesterday)."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


class Membership(models.Model):
    """An organisation's membership of a partnership; people take the role of their organisation."""

    partnership_path = "partnership"

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Coordinator")
        SECRETARIAT = "secretariat", _("Technical secretariat")
        PARTNER = "partner", _("Partner")
        EXPERT = "expert", _("Expert")
        OBSERVER = "observer", _("Observer")

    # Roles that run the partnership: staff users who work in the admin.
    MANAGING_ROLES = (Role.COORDINATOR, Role.SECRETARIAT)

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.PARTNER)
    since = models.DateField(_("since"), default=timezone.localdate)
    until = models.DateField(_("until"), null=True, blank=True)
    contacts = models.ManyToManyField(Person, verbose_name=_("contact persons"), blank=True, related_name="contact_for")

    class Meta:
        ordering = ["partnership", "organisation__name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "organisation"],
                name="membership_unique",
                violation_error_message=_("This organisation is already a member of this partnership."),
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("since")),
                name="membership_until_after_since",
                violation_error_message=_("A membership cannot end before it starts."),
            ),
        ]
        indexes = [models.Index(fields=["partnership", "role"])]

    def __str__(self) -> str:
        return f"{self.organisation} – {self.partnership} ({self.get_role_display()})"

    @property
    def is_active(self) -> bool:
        today = calendar_today()
        return self.since <= today and (self.until is None or self.until >= today)


class ConsentRecord(models.Model):
    """One decision of a person about one purpose, with the version of the text they saw."""

    class Purpose(models.TextChoices):
        DIRECTORY = "directory", _("Show my name and e-mail to members in the partner directory")
        PARTICIPANT_LIST = "participant_list", _("Show my name on meeting participant lists")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=30, choices=Purpose.choices)
    text_version = models.CharField(_("text version"), max_length=20)
    given = models.BooleanField(_("given"))
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        indexes = [models.Index(fields=["person", "purpose", "-at"])]

    def __str__(self) -> str:
        verb = _("given") if self.given else _("withdrawn")
        return f"{self.person}: {self.get_purpose_display()} {verb}"


class StateChange(models.Model):
    """A workflow step of some record: from which state to which, who, when, why. Apps add the FK."""

    from_state = models.CharField(max_length=30)
    to_state = models.CharField(max_length=30)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]


def document_upload_to(instance: Document, filename: str) -> str:
    """Each app's documents under their own folder, by year: `meetings/2019/agenda.pdf`."""
    return f"{instance.upload_folder}/{timezone.now():%Y}/{filename}"


class Document(models.Model):
    """An uploaded file of limited visibility, streamed through its app's permission check and never
    served as public media; stored through Django's storage API. Apps add the owner's FK."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        MEMBERS = "members", _("Members of the partnership")
        COORDINATORS = "coordinators", _("Coordinators only")

    upload_folder = "documents"

    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=document_upload_to)
    content_type = models.CharField(max_length=100, blank=True, editable=False)
    size = models.PositiveBigIntegerField(default=0, editable=False)
    visibility = models.CharField(
        _("visibility"), max_length=20, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    # Unknown for documents that came with imported or demo data.
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title


class AuditLog(models.Model):
    """Who changed what, when; written by services and the admin, never edited."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    verb = models.CharField(max_length=40)
    model = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    changes = models.JSONField(default=dict, blank=True)
    # The partnership the record belonged to when it changed (none for shared organisations and people),
    # so an entry about a deleted record stays with its partnership's coordinators.
    partnership = models.ForeignKey(
        Partnership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["model", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor or '-'} {self.verb} {self.model} {self.object_repr}"


class OutboundMessage(models.Model):
    """An e-mail in the outbox: written in the transaction that causes it, sent by a Celery task."""

    partnership_path = "partnership"

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    key = models.CharField(max_length=255, unique=True)
    partnership = models.ForeignKey(
        Partnership, on_delete=models.SET_NULL, null=True, blank=True, related_name="outbound_messages"
    )
    to_email = models.EmailField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(validators=[MaxLengthValidator(200_000)])
    body_html = models.TextField(blank=True)
    attachments = models.JSONField(default=list, blank=True)
    # Further headers of this mail (List-Unsubscribe for a notification), beside the Message-ID every mail has.
    headers = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    send_after = models.DateTimeField(_("send after"), default=timezone.now)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        indexes = [
            models.Index(fields=["send_after"], name="outbox_pending_due", condition=Q(status="pending")),
            models.Index(fields=["claimed_at"], name="outbox_sending", condition=Q(status="sending")),
            models.Index(fields=["status", "-created_at"], name="outbox_status_created"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to_email}"

    @property
    def message_id(self) -> str:
        digest = hashlib.sha256(self.key.encode()).hexdigest()[:40]
        return f"<{digest}@{settings.MESSAGE_ID_DOMAIN}>"


class Job(models.Model):
    """A request for background work (send invitations, an export, an import), written with the click.

    Celery only carries it: a worker claims the row with a lease that it renews while it reports progress,
    and the sweep hands a job that no worker took, or whose lease ran out, to a task again.
    """

    partnership_path = "partnership"

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=200)
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="jobs")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    key = models.CharField(_("key"), max_length=200, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True)
    result_file = models.FileField(_("result file"), upload_to="jobs/%Y/%m/", blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        constraints = [
            # A repeated click finds the open job of its key instead of starting a second one.
            models.UniqueConstraint(
                fields=["key"], condition=Q(state__in=["queued", "running"]) & ~Q(key=""), name="job_open_key_unique"
            )
        ]
        indexes = [
            models.Index(fields=["enqueued_at"], name="job_queued", condition=Q(state="queued")),
            models.Index(fields=["claimed_until"], name="job_running", condition=Q(state="running")),
            models.Index(fields=["key", "-created_at"], name="job_key_created"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    @property
    def percent(self) -> int:
        return min(100, self.done * 100 // self.total) if self.total else 0


class SpentFormToken(models.Model):
    """The one-time token of a create form, spent in the same transaction as what the form created, with the
    address the form went to: a repeat of the post (a double click, a resent request) finds it and goes there
    instead of creating a second row (partnership.once)."""

    token_hash = models.CharField(max_length=64, unique=True)
    url = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("spent form token")
        verbose_name_plural = _("spent form tokens")

    def __str__(self) -> str:
        return f"Form token spent for {self.url}"


# Notifications live in their own module; importing it here registers their models with the app.
from partnership.notification_models import Announcement, Follow, Notification, NotificationPreference  # noqa: E402, F401
