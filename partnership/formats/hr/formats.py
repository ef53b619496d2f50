"""Croatian dates: Django's ("4. siječnja 2027."), with the short ones as Croatian writes them ("4. 1. 2027. 14:30")."""

from django.conf.locale.hr.formats import *  # noqa: F403

SHORT_DATE_FORMAT = "j. n. Y."
SHORT_DATETIME_FORMAT = "j. n. Y. H:i"
