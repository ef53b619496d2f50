from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Coordinators build and clone surveys in the admin (scoped to their partnerships there);
        # the partner-records app grants what each app registers here.
        from partnership.services import COORDINATOR_PERMISSIONS

        COORDINATOR_PERMISSIONS["surveys"] = {
            "survey": ("view", "add", "change"),
            "section": ("view", "add", "change", "delete"),
            "question": ("view", "add", "change", "delete"),
            "choice": ("view", "add", "change", "delete"),
            "respondent": ("view", "change"),
            "needlink": ("view", "add", "change", "delete"),
            "surveyexport": ("view", "delete"),
        }
