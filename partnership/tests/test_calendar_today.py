"""Memberships begin and end by the portal's calendar, whatever zone a page shows times in: at 23:30 UTC it is
already tomorrow in Brussels, still today in Lisbon, where a meeting's admin page reads its times."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from partnership.models import Membership, calendar_today
from partnership.tests.factories import MembershipFactory

LATE_EVENING = dt.datetime(2026, 12, 5, 23, 30, tzinfo=dt.UTC)


@pytest.fixture
def late_evening(monkeypatch, settings):
    settings.TIME_ZONE = "Europe/Brussels"
    monkeypatch.setattr(timezone, "now", lambda: LATE_EVENING)


def test_today_is_the_portals_date_in_a_page_that_shows_another_zone(late_evening):
    with timezone.override(ZoneInfo("Europe/Lisbon")):
        assert timezone.localdate() == dt.date(2026, 12, 5)
        assert calendar_today() == dt.date(2026, 12, 6)


@pytest.mark.django_db
def test_a_membership_begun_today_is_active_in_a_page_in_the_venues_zone(late_evening):
    membership = MembershipFactory.create(since=dt.date(2026, 12, 6), role=Membership.Role.COORDINATOR)

    with timezone.override(ZoneInfo("Europe/Lisbon")):
        assert membership.is_active
