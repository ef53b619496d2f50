from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnershipConfig(AppConfig):
    name = "partnership"
    verbose_name = _("Partner records")
    default_auto_field = "django.db.models.BigAutoField"

    # What coordinators may do in the admin, where their querysets are scoped to their partnerships;
    # every app declares its own, and partnership.services collects them at start-up.
    coordinator_permissions = {
        "partnership": ("view", "change"),
        "priorityarea": ("view", "add", "change", "delete"),
        "pillar": ("view", "add", "change", "delete"),
        "organisation": ("view", "add", "change"),
        "person": ("view", "add", "change"),
        "membership": ("view", "add", "change", "delete"),
        "consentrecord": ("view",),
        "auditlog": ("view",),
        "outboundmessage": ("view",),
        "job": ("view",),
        "announcement": ("view", "add", "change", "delete"),
    }

    # The selector of the objects of each model a user may see now, by which notifications about them are shown
    # (partnership.notification_selectors); every app names its own.
    notification_visibility = {
        "partnership.announcement": "partnership.notification_selectors.announcements_received",
    }

    def ready(self) -> None:
        from partnership import (
            checks,  # noqa: F401  # registers the system checks
            records_cache,
        )

        records_cache.connect()
