from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")
    default_auto_field = "django.db.models.BigAutoField"

    # Coordinators edit meetings, agendas, reminder rules, documents and travel support in the admin (scoped to
    # their partnerships there); partnership.services collects this from every app at start-up.
    coordinator_permissions = {
        "meeting": ("view", "add", "change"),
        "agendaitem": ("view", "add", "change", "delete"),
        "reminderrule": ("view", "add", "change", "delete"),
        "meetingdocument": ("view", "add", "change", "delete"),
        "registration": ("view", "change"),
        "travelpolicy": ("view", "add", "change", "delete"),
        "travelrequest": ("view",),
    }

    # A guest (a person of an organisation in no partnership) is brought into the partnership of a meeting they
    # are invited to; other partnerships' coordinators do not see them (partnership.scoping.guests_of_others).
    person_partnership_paths = ("registrations__meeting__partnership",)

    # Notifications about a meeting are shown to those who may see it now (partnership.notification_selectors).
    notification_visibility = {"meetings.meeting": "meetings.selectors.meetings_visible"}
