"""Italian dates: "4 gennaio 2027", "4 gennaio 2027, 14:30"; the rest as Django's Italian formats."""

from django.conf.locale.it.formats import *  # noqa: F403

DATE_FORMAT = "j E Y"
DATETIME_FORMAT = "j E Y, H:i"
MONTH_DAY_FORMAT = "j E"
