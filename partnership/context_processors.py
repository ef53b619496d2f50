from typing import Any

from django.conf import settings
from django.http import HttpRequest

from partnership import notification_selectors, selectors, two_factor
from partnership.site_name import site_name


def portal(request: HttpRequest) -> dict[str, Any]:
    """Site name, the navigation the user's role calls for (computed once per request, lazily), and who answers for
    the portal's data and accessibility."""
    user = getattr(request, "user", None)

    def can_coordinate() -> bool:
        return bool(user and user.is_staff and selectors.partnerships_coordinated(user).exists())

    counted: list[int] = []

    def unread_notifications() -> int:
        """The bell's number, read once per request and only by a page that shows the bell."""
        if not counted:
            counted.append(notification_selectors.unread_count(user))
        return counted[0]

    # portal_name, because Django's login and logout views put the request's host in site_name.
    name = site_name()
    return {
        "site_name": name,
        "portal_name": name,
        "can_coordinate": can_coordinate,
        "unread_notifications": unread_notifications,
        # Signed in but still owing the second factor: the menu offers only the way out.
        "second_factor_owed": bool(
            user and two_factor.must_pass(user, request.session) and not two_factor.passed(request)
        ),
        # Named by the privacy notice and the accessibility statement (and the footer's links to them).
        "data_controller": {
            "name": settings.DATA_CONTROLLER,
            "email": settings.DATA_CONTROLLER_EMAIL,
            "privacy_date": settings.PRIVACY_NOTICE_DATE,
            "accessibility_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
            "accessibility_date": settings.ACCESSIBILITY_STATEMENT_DATE,
        },
    }
