"""Dates as each language writes them, where Django's own formats do not (FORMAT_MODULE_PATH).

Django's Italian writes "04 Gennaio 2027"; Italian writes "4 gennaio 2027". The month's name inside a date is
Django's "alt. month" text, and the weekday's its plain English name, which the portal's catalogues translate
(they come first): Croatian and Italian write both in lower case ("četvrtak, 6. lipnja 2019."). Each is declared
here for makemessages to keep it in them.
"""

from django.utils.translation import gettext_lazy, pgettext_lazy

MONTHS_IN_A_DATE = [
    pgettext_lazy("alt. month", "January"),
    pgettext_lazy("alt. month", "February"),
    pgettext_lazy("alt. month", "March"),
    pgettext_lazy("alt. month", "April"),
    pgettext_lazy("alt. month", "May"),
    pgettext_lazy("alt. month", "June"),
    pgettext_lazy("alt. month", "July"),
    pgettext_lazy("alt. month", "August"),
    pgettext_lazy("alt. month", "September"),
    pgettext_lazy("alt. month", "October"),
    pgettext_lazy("alt. month", "November"),
    pgettext_lazy("alt. month", "December"),
]

WEEKDAYS_IN_A_DATE = [
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
]
