"""Notifications: what happened to something a user takes part in or follows, their choice of e-mail per kind,
what they follow, and a coordinator's announcements. Apps write them through `partnership.notifications`.
The models name the partnership by label, so this module is imported at the end of `partnership.models`
without importing it back."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One thing that happened, for one recipient; the object it is about is checked again when it is shown."""

    partnership_path = "partnership"

    class Kind(models.TextChoices):
        ACTION_COMMENT = "action_comment", _("A comment on an action")
        ACTION_STATE = "action_state", _("An action changes state")
        ACTION_RATING = "action_rating", _("A rating of an action")
        ACTION_DOCUMENT = "action_document", _("A document on an action")
        ACTION_SUBMITTED = "action_submitted", _("A new action is submitted")
        ACTION_FEEDBACK = "action_feedback", _("Public feedback on an action")
        MEETING_ANNOUNCED = "meeting_announced", _("A meeting is announced")
        MEETING_RESCHEDULED = "meeting_rescheduled", _("A meeting is rescheduled")
        MEETING_CANCELLED = "meeting_cancelled", _("A meeting is cancelled")
        MEETING_DOCUMENT = "meeting_document", _("A meeting's document is published")
        MEETING_MINUTES = "meeting_minutes", _("A meeting's minutes are published")
        SURVEY_RESULTS = "survey_results", _("A survey's results are published")
        ANNOUNCEMENT = "announcement", _("An announcement from the coordinators")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    partnership = models.ForeignKey("partnership.Partnership", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    title = models.CharField(_("about"), max_length=300)
    url = models.CharField(max_length=500)
    # Unique per recipient: a service that runs twice (a retried request) writes one notification.
    key = models.CharField(max_length=200)
    at = models.DateTimeField(_("when"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # When it went out by mail, at once or in a digest; a kind the user does not want by mail is marked too.
    mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_unique_key")]
        indexes = [
            models.Index(fields=["recipient", "-at", "-id"], name="notification_recipient_at"),
            models.Index(fields=["recipient"], name="notification_unread", condition=Q(read_at__isnull=True)),
            models.Index(fields=["at"], name="notification_undigested", condition=Q(mailed_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"


class NotificationPreference(models.Model):
    """How a user wants one kind of notification by mail; without a row, the daily digest."""

    class Delivery(models.TextChoices):
        IMMEDIATE = "immediate", _("At once")
        DIGEST = "digest", _("In a daily digest")
        NEVER = "never", _("Not by e-mail")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Notification.Kind.choices)
    delivery = models.CharField(_("by e-mail"), max_length=10, choices=Delivery.choices, default=Delivery.DIGEST)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_kind_display()} {self.get_delivery_display()}"


class Follow(models.Model):
    """A user follows an action or a meeting: they are told what happens to it as if they took part."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    since = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.UniqueConstraint(fields=["user", "content_type", "object_id"], name="follow_unique"),
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="follow_object")]

    def __str__(self) -> str:
        return f"{self.user} follows {self.content_type.model} {self.object_id}"


# How long an announcement may show on the home pages: a year from when it is written, so that a day typed
# centuries ahead is caught as the slip it is.
ANNOUNCEMENT_LONGEST = datetime.timedelta(days=366)


class Announcement(models.Model):
    """A coordinator's message to the members of a partnership, one role of them, or one meeting's participants;
    shown on their home pages until it expires."""

    partnership_path = "partnership"

    partnership = models.ForeignKey("partnership.Partnership", on_delete=models.CASCADE, related_name="announcements")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", editable=False
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), max_length=5000)
    # A membership role (partnership.models.Membership.Role), or all members when blank.
    role = models.CharField(_("only to the role"), max_length=20, blank=True, default="")
    audience = models.CharField(_("audience"), max_length=300, editable=False)
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="announcements_received", blank=True)
    created_at = models.DateTimeField(_("written"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("shown until"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        indexes = [models.Index(fields=["expires_at"], name="announcement_expires")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.expires_at is not None and self.expires_at > self.created_at + ANNOUNCEMENT_LONGEST:
            raise ValidationError({"expires_at": _("An announcement shows for at most a year after it is written.")})
