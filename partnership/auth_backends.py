"""The portal's authentication backend: Django's own, reading the signed-in user's person with the user."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class PortalBackend(ModelBackend):
    """Django's `ModelBackend`, whose `get_user` reads the user's person in the partner records and its
    organisation in the same query: nearly every page a signed-in user opens asks who they are in the partner
    records (`selectors.person_for`, their roles), and this spares each of those pages that query."""

    def get_user(self, user_id: Any) -> Any:
        user = get_user_model()._default_manager.select_related("person__organisation").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
