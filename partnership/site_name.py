"""The portal's name as a reader sees it: in the active language.

`settings.SITE_NAME` is what a deployment calls its portal (`SITE_NAME` in the environment). Its default is marked
here for translation, so the header, page titles, mails and calendars show it in Croatian or Italian; a name a
deployment sets of its own is shown as set, unless the catalogues translate it too.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext, gettext_noop

DEFAULT_SITE_NAME = gettext_noop("Urban Agenda Partnership Portal")


def site_name() -> str:
    """`settings.SITE_NAME` in the active language, where the catalogues translate it."""
    return gettext(settings.SITE_NAME)
