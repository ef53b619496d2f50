"""English dates as the partnership's European readers write them: "4 January 2027", "4 Jan 2027 14:30" (Django's
English formats are American: "Jan. 4, 2027", "01/04/2027 2:30 p.m.")."""

from django.conf.locale.en.formats import *  # noqa: F403

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y H:i"
MONTH_DAY_FORMAT = "j F"
TIME_FORMAT = "H:i"
