from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")
    default_auto_field = "django.db.models.BigAutoField"

    # Coordinators build, clone and delete surveys in the admin (scoped to their partnerships there; a survey
    # with answers is never deleted); partnership.services collects this from every app at start-up.
    coordinator_permissions = {
        "survey": ("view", "add", "change", "delete"),
        "section": ("view", "add", "change", "delete"),
        "question": ("view", "add", "change", "delete"),
        "choice": ("view", "add", "change", "delete"),
        "respondent": ("view", "change"),
        "needlink": ("view", "add", "change", "delete"),
        "surveyexport": ("view", "delete"),
    }

    # Notifications about a survey's results are shown to those who may read them now.
    notification_visibility = {"surveys.survey": "surveys.selectors.access.surveys_visible"}
