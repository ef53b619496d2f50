"""The portal's authentication backend: Django's own, reading the signed-in user's person with the user."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from partnership import notification_selectors, selectors, viewers


class PortalBackend(ModelBackend):
    """Django's `ModelBackend`, whose `get_user` reads the user's person in the partner records and its
    organisation in the same query: nearly every page a signed-in user opens asks who they are in the partner
    records (`selectors.person_for`, their roles), and this spares each of those pages that query. With a shared
    cache, the user and their roles are kept there between requests (`viewers`)."""

    def get_user(self, user_id: Any) -> Any:
        # The bell's count comes with the user from the cache (notification_selectors.unread_count).
        also = [notification_selectors.unread_key(user_id)]
        user = viewers.account(user_id, lambda: self._read(user_id), selectors.roles_on, also)
        return user if user is not None and self.user_can_authenticate(user) else None

    @staticmethod
    def _read(user_id: Any) -> Any:
        return get_user_model()._default_manager.select_related("person__organisation").filter(pk=user_id).first()
