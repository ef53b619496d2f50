from __future__ import annotations

import pytest

from partnership.models import Membership
from partnership.tests.factories import PillarFactory, PriorityAreaFactory, member_user


@pytest.fixture
def area(partnership):
    return PriorityAreaFactory(partnership=partnership, name="Urban planning and design", position=0)


@pytest.fixture
def pillar(partnership):
    return PillarFactory(partnership=partnership, name="Better knowledge")


@pytest.fixture
def other_partner(partnership):
    """A partner of the same partnership, from another organisation."""
    return member_user(partnership, Membership.Role.PARTNER)
