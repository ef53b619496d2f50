"""A travel request's dates read as the reader's language writes them, on the participant's page, the
secretariat's list and request page, and the mail acknowledging it: fixed English formats wrote "4 June 2031"
and "4 Jun – 6 Jun 2031" in Croatian and Italian too (only the month's name translated)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from meetings.models import Meeting, TravelPolicy, TravelRequest
from meetings.services import travel as travel_services
from meetings.tests.factories import MeetingFactory, RegistrationFactory
from partnership.models import Membership, OutboundMessage
from partnership.tests.factories import member_user

pytestmark = pytest.mark.django_db
Role = Membership.Role
ROME = zoneinfo.ZoneInfo("Europe/Rome")

# Per language: the arrival and departure as days on the pages, the two in the mail, the list's dates and the
# day the history says the request was approved.
EXPECTED = {
    "hr": (
        ("Srijeda, 4. lipnja 2031.", "Petak, 6. lipnja 2031."),
        ("4. lipnja 2031.", "6. lipnja 2031."),
        "4. 6. 2031. – 6. 6. 2031.",
        "20. 5. 2031.",
    ),
    "it": (
        ("Mercoledì 4 giugno 2031", "Venerdì 6 giugno 2031"),
        ("4 giugno 2031", "6 giugno 2031"),
        "04/06/2031 – 06/06/2031",
        "20/05/2031",
    ),
    "en": (
        ("Wednesday 4 June 2031", "Friday 6 June 2031"),
        ("4 June 2031", "6 June 2031"),
        "4 Jun 2031 – 6 Jun 2031",
        "20 May 2031",
    ),
}


@pytest.fixture
def meeting(partnership: Any) -> Meeting:
    """Thursday 5 and Friday 6 June 2031 in Florence, travel support for partners."""
    meeting = MeetingFactory.create(
        partnership=partnership,
        starts_at=dt.datetime(2031, 6, 5, 10, 0, tzinfo=ROME),
        ends_at=dt.datetime(2031, 6, 6, 17, 0, tzinfo=ROME),
        registration_deadline=dt.datetime(2031, 5, 27, 23, 59, tzinfo=ROME),
    )
    TravelPolicy.objects.create(meeting=meeting, offered=True, roles=[Role.PARTNER], cap_eur=Decimal("800.00"))
    return meeting


@pytest.mark.parametrize("language", list(EXPECTED))
def test_travel_dates_read_in_the_readers_language(client, meeting, language):
    days, in_mail, in_list, decided = EXPECTED[language]
    partner = member_user(meeting.partnership, Role.PARTNER, language=language)
    registration = RegistrationFactory.create(meeting=meeting, person=partner.person)
    travel = travel_services.travel_request_submit(
        registration=registration,
        by=None,
        travelling_from="Zadar",
        arrival=dt.date(2031, 6, 4),
        departure=dt.date(2031, 6, 6),
        nights=2,
        notes="",
    )
    secretariat = member_user(meeting.partnership, Role.SECRETARIAT)
    travel_services.travel_request_move(
        travel=travel, to_state=TravelRequest.Status.APPROVED, by=secretariat, amount=Decimal("400")
    )
    travel.changes.update(at=dt.datetime(2031, 5, 20, 12, 30, tzinfo=dt.UTC))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    mail = OutboundMessage.objects.get(key__startswith=f"meeting:{meeting.pk}:travel_requested")
    assert all(f": {day}\n" in mail.body_text for day in in_mail), mail.body_text

    client.force_login(partner)
    own = client.get(reverse("meetings:travel", kwargs={"pk": meeting.pk})).text
    assert all(day in own for day in days) and decided in own

    client.force_login(secretariat)
    listed = client.get(reverse("meetings:travel_list", kwargs={"pk": meeting.pk})).text
    assert in_list in listed
    detail = reverse("meetings:travel_detail", kwargs={"pk": meeting.pk, "travel_pk": travel.pk})
    desk = client.get(detail).text
    assert all(day in desk for day in days) and decided in desk
