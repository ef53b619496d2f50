from typing import Any

from django.conf import settings
from django.http import HttpRequest

from partnership import selectors


def portal(request: HttpRequest) -> dict[str, Any]:
    """Site name and the navigation the user's role calls for, computed once per request lazily."""
    user = getattr(request, "user", None)

    def can_coordinate() -> bool:
        return bool(user and user.is_staff and selectors.partnerships_coordinated(user).exists())

    # portal_name, because Django's login and logout views put the request's host in site_name.
    return {"site_name": settings.SITE_NAME, "portal_name": settings.SITE_NAME, "can_coordinate": can_coordinate}
