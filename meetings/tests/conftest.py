from __future__ import annotations

from typing import Any

import pytest

from partnership.models import Membership
from partnership.tests.factories import PartnershipFactory, member_user


@pytest.fixture(autouse=True)
def _fast_hashing_and_private_media(settings: Any, tmp_path: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def partnership():
    return PartnershipFactory(name="Partnership for Security in Public Spaces", slug="security", is_public=True)


@pytest.fixture
def coordinator(partnership):
    return member_user(partnership, Membership.Role.COORDINATOR)


@pytest.fixture
def partner(partnership):
    return member_user(partnership, Membership.Role.PARTNER)


@pytest.fixture
def outsider():
    """A member of another partnership only."""
    return member_user(PartnershipFactory(), Membership.Role.PARTNER)
