"""One time for a meeting wherever it is shown: every meeting mail and page reads the venue's clock.

The server's zone is Europe/Brussels, an hour behind Riga and Helsinki: a time formatted in the server's
zone reads 09:00 where the venue's clock says 10:00, so each assertion below fails on such a rendering.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from email import message_from_string
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from icalendar import Calendar

from meetings import services
from meetings.models import Meeting, Registration
from meetings.tests.factories import MeetingFactory, RegistrationFactory
from meetings.tests.pages import page_text
from partnership.models import Membership, OutboundMessage
from partnership.outbox import build_email
from partnership.tests.factories import PersonFactory, member_user

pytestmark = pytest.mark.django_db

ZONES = ["Europe/Riga", "Europe/Helsinki"]
DAY = dt.date(2031, 6, 5)  # a Thursday


@pytest.fixture(params=ZONES)
def meeting(request: Any, partnership: Any) -> Meeting:
    """Thursday 5 June 2031, 10:00 to 17:00 on the venue's clock, answers by 27 May, 23:59."""
    zone = zoneinfo.ZoneInfo(request.param)
    return MeetingFactory.create(
        partnership=partnership,
        timezone=request.param,
        city=request.param.split("/")[1],
        starts_at=dt.datetime(2031, 6, 5, 10, 0, tzinfo=zone),
        ends_at=dt.datetime(2031, 6, 5, 17, 0, tzinfo=zone),
        registration_deadline=dt.datetime(2031, 5, 27, 23, 59, tzinfo=zone),
        capacity=1,
    )


def assert_venue_time(mail: OutboundMessage, *expected: str) -> None:
    """Each expected text is in the plain and the HTML body; the server's clock (09:00) is in neither."""
    assert settings.TIME_ZONE == "Europe/Brussels"
    for body in (mail.body_text, page_text(mail.body_html)):
        for text in expected:
            assert text in body, f"{text!r} not in {mail.key}:\n{body}"
        assert "09:00" not in body and "08:59" not in body


def when(meeting: Meeting) -> str:
    return f"When: Thursday 5 June 2031, 10:00 – 17:00 ({meeting.timezone} time)"


def mail(prefix: str) -> OutboundMessage:
    return OutboundMessage.objects.get(key__startswith=prefix)


def answers(meeting: Meeting) -> dict[str, Any]:
    return {
        "days": [day.isoformat() for day in meeting.days],
        "site_visit": False,
        "dietary_needs": "",
        "accessibility_needs": "",
        "consent_participant_list": True,
    }


def test_every_meeting_mail_reads_the_venues_clock(meeting, coordinator):
    first, second, late = PersonFactory.create_batch(3)
    services.meeting_invite(meeting=meeting, people=[first, second, late], by=coordinator)
    invitation = mail(f"meeting:{meeting.pk}:invitation:{meeting.registrations.get(person=first).pk}")
    assert_venue_time(
        invitation, when(meeting), f"Please answer by Tuesday 27 May 2031, 23:59 ({meeting.timezone} time)."
    )

    registrations = {r.person_id: r for r in meeting.registrations.all()}
    services.registration_submit(registration=registrations[first.pk], by=None, **answers(meeting))
    services.registration_submit(registration=registrations[second.pk], by=None, **answers(meeting))
    assert_venue_time(mail(f"meeting:{meeting.pk}:confirmation:{registrations[first.pk].pk}:"), when(meeting))
    assert_venue_time(mail(f"meeting:{meeting.pk}:waitlisted:{registrations[second.pk].pk}:"), when(meeting))

    services.registration_decline(registration=registrations[first.pk], by=None)
    assert_venue_time(mail(f"meeting:{meeting.pk}:promoted:{registrations[second.pk].pk}:"), when(meeting))

    # The 14-day reminder to the registered, and the one before the deadline to who has not answered.
    services.reminders_sweep(now=meeting.starts_at - dt.timedelta(days=13))
    assert_venue_time(
        mail(f"meeting:{meeting.pk}:reminder:{meeting.reminder_rules.get(days_before=14).pk}:"),
        f"starts on Thursday 5 June 2031, 10:00 ({meeting.timezone} time).",
    )
    assert_venue_time(
        mail(f"meeting:{meeting.pk}:reminder:{meeting.reminder_rules.get(anchor='deadline').pk}:"),
        f"Registration closes on Tuesday 27 May 2031, 23:59 ({meeting.timezone} time).",
    )

    zone = meeting.zone
    services.meeting_reschedule(
        meeting=meeting,
        starts_at=dt.datetime(2031, 6, 12, 11, 0, tzinfo=zone),
        ends_at=dt.datetime(2031, 6, 12, 18, 0, tzinfo=zone),
        by=coordinator,
    )
    rescheduled = mail(f"meeting:{meeting.pk}:rescheduled:{registrations[second.pk].pk}:")
    assert_venue_time(
        rescheduled,
        f"It was to start on Thursday 5 June 2031, 10:00 ({meeting.timezone} time); the new time is below.",
        f"When: Thursday 12 June 2031, 11:00 – 18:00 ({meeting.timezone} time)",
    )
    # The calendar entry attached says the same time, on the venue's clock.
    (attachment,) = rescheduled.attachments
    email = message_from_string(build_email(rescheduled).message().as_string())
    (part,) = [part for part in email.walk() if part.get_content_type() == "text/calendar"]
    assert part.get_filename() == attachment["filename"]
    (event,) = Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == meeting.timezone
    assert event.decoded("DTSTART").replace(tzinfo=None) == dt.datetime(2031, 6, 12, 11, 0)


def test_every_meeting_page_reads_the_venues_clock(client, meeting, coordinator, partner):
    registration = RegistrationFactory.create(meeting=meeting, person=partner.person)
    waiting = RegistrationFactory.create(
        meeting=meeting, state=Registration.State.WAITLISTED, registered_at=meeting.starts_at - dt.timedelta(days=20)
    )
    labelled = f"Thursday 5 June 2031, 10:00 – 17:00 ({meeting.timezone} time)"

    client.force_login(partner)
    detail = page_text(client.get(meeting.get_absolute_url()).content.decode())
    assert "When Thursday 5 June 2031, 10:00 – 17:00" in detail
    assert "Register by Tuesday 27 May 2031, 23:59" in detail
    assert labelled in page_text(client.get(reverse("meetings:register", args=[meeting.pk])).content.decode())

    client.force_login(coordinator)
    manage = page_text(client.get(reverse("meetings:manage", args=[meeting.pk])).content.decode())
    assert labelled in manage
    assert "Friday 16 May 2031, 10:00" in manage  # when the waitlisted person registered
    assert "09:00" not in manage
    reschedule = client.get(reverse("meetings:reschedule", args=[meeting.pk])).content.decode()
    assert labelled in page_text(reschedule)
    assert 'value="2031-06-05 10:00:00"' in reschedule or 'value="2031-06-05T10:00"' in reschedule

    # Checked in at the door twenty minutes before the start (the meeting is years away: the row is set as the
    # check-in leaves it, since check-in itself opens only on the meeting's first day).
    Registration.objects.filter(pk=registration.pk).update(
        state=Registration.State.ATTENDED, checked_in_at=meeting.starts_at - dt.timedelta(minutes=20)
    )
    check_in = page_text(client.get(reverse("meetings:check_in", args=[meeting.pk])).content.decode())
    assert labelled in check_in and "Checked in 09:40" in check_in
    assert waiting.person.name in manage


@pytest.mark.parametrize("zone", ZONES)
def test_the_home_page_dates_a_meeting_by_the_venues_calendar(client, partnership, zone):
    """Half past midnight in Riga or Helsinki is still the day before in Brussels."""
    user = member_user(partnership, Membership.Role.PARTNER)
    tz = zoneinfo.ZoneInfo(zone)
    meeting = MeetingFactory.create(
        partnership=partnership,
        timezone=zone,
        starts_at=dt.datetime(2031, 6, 5, 0, 30, tzinfo=tz),
        ends_at=dt.datetime(2031, 6, 5, 6, 0, tzinfo=tz),
        registration_deadline=None,
    )
    RegistrationFactory.create(meeting=meeting, person=user.person, state=Registration.State.INVITED)
    client.force_login(user)
    home = page_text(client.get(reverse("home")).content.decode())
    assert home.count("Thursday 5 June 2031") == 2, home  # the invitation and the upcoming meeting
    assert "4 June 2031" not in home
