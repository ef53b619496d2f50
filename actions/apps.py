from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    name = "actions"
    verbose_name = _("Actions")
    default_auto_field = "django.db.models.BigAutoField"

    # Coordinators run the action workflow and the Teaser import in the admin (scoped to their
    # partnerships there); partnership.services collects this from every app at start-up.
    coordinator_permissions = {
        "action": ("view", "add", "change"),
        "actionevent": ("view",),
        "fundingopportunity": ("view", "add", "change", "delete"),
        "workinggroup": ("view", "add", "change", "delete"),
        "groupoutcome": ("view", "add", "change", "delete"),
        "milestone": ("view", "add", "change", "delete"),
        "actiondocument": ("view", "add", "change", "delete"),
    }

    # Notifications about an action are shown to those who may see it now (partnership.notification_selectors).
    notification_visibility = {"actions.action": "actions.selectors.actions_visible"}
