from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from partnership.models import Membership
from partnership.tests.factories import PartnershipFactory, PillarFactory, PriorityAreaFactory, member_user


@pytest.fixture(autouse=True)
def _fast_hashing_and_clean_cache(settings: Any) -> Any:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def partnership():
    return PartnershipFactory(name="Partnership for Security in Public Spaces", slug="security", is_public=True)


@pytest.fixture
def area(partnership):
    return PriorityAreaFactory(partnership=partnership, name="Urban planning and design", position=0)


@pytest.fixture
def pillar(partnership):
    return PillarFactory(partnership=partnership, name="Better knowledge")


@pytest.fixture
def coordinator(partnership):
    return member_user(partnership, Membership.Role.COORDINATOR)


@pytest.fixture
def partner(partnership):
    return member_user(partnership, Membership.Role.PARTNER)


@pytest.fixture
def other_partner(partnership):
    """A partner of the same partnership, from another organisation."""
    return member_user(partnership, Membership.Role.PARTNER)


@pytest.fixture
def outsider():
    """A partner of another partnership only."""
    return member_user(PartnershipFactory(), Membership.Role.PARTNER)
