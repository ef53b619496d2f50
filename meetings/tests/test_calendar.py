"""Calendar files and personal feeds, parsed back with icalendar."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
from django.urls import reverse
from icalendar import Calendar

from meetings import calendar, services
from meetings.models import Meeting, Registration
from meetings.tests.factories import MeetingFactory, RegistrationFactory, local_start
from partnership.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
JOIN = "https://meet.example.eu/security-partnership"


def parse(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


def only_event(cal: Calendar):
    (event,) = cal.walk("VEVENT")
    return event


def test_event_is_in_the_venue_time_zone_with_its_definition():
    meeting = MeetingFactory(title="Third partnership meeting, Florence")
    cal = parse(calendar.meeting_calendar(meetings=[meeting], include_join_url=False))

    event = only_event(cal)
    assert event["SUMMARY"] == "Third partnership meeting, Florence"
    assert event["DTSTART"].params["TZID"] == "Europe/Rome"
    assert event["DTEND"].params["TZID"] == "Europe/Rome"
    assert event.decoded("DTSTART") == meeting.starts_at
    assert event.decoded("DTSTART").strftime("%H:%M") == "09:30"
    assert event.decoded("DTEND") == meeting.ends_at
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Rome"]
    assert event["LOCATION"] == "Palazzo Strozzi Sacrati, Piazza del Duomo 10, Florence, Italy"
    assert event["URL"].endswith(f"/meetings/{meeting.pk}/")
    assert event["STATUS"] == "CONFIRMED"


def test_each_venue_zone_gets_its_own_definition():
    florence = MeetingFactory()
    helsinki = MeetingFactory(timezone="Europe/Helsinki", city="Helsinki", country="FI")
    cal = parse(calendar.meeting_calendar(meetings=[florence, helsinki], include_join_url=False))
    assert sorted(str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")) == ["Europe/Helsinki", "Europe/Rome"]


def test_uid_is_stable_and_sequence_rises_through_reschedule_and_cancel():
    meeting = MeetingFactory()
    first = only_event(parse(calendar.meeting_calendar(meetings=[meeting], include_join_url=False)))

    later = meeting.starts_at + dt.timedelta(days=7)
    meeting = services.meeting_reschedule(
        meeting=meeting, starts_at=later, ends_at=later + dt.timedelta(hours=5), by=None
    )
    moved = only_event(parse(calendar.meeting_calendar(meetings=[meeting], include_join_url=False)))
    meeting = services.meeting_cancel(meeting=meeting, by=None, reason="Postponed sine die")
    cancelled_cal = parse(calendar.meeting_calendar(meetings=[meeting], include_join_url=False, method="CANCEL"))
    cancelled = only_event(cancelled_cal)

    assert first["UID"] == moved["UID"] == cancelled["UID"]
    assert [first["SEQUENCE"], moved["SEQUENCE"], cancelled["SEQUENCE"]] == [0, 1, 2]
    assert moved.decoded("DTSTART") == later
    assert cancelled_cal["METHOD"] == "CANCEL"
    assert cancelled["STATUS"] == "CANCELLED"


def test_join_link_only_when_asked_for():
    meeting = MeetingFactory(format=Meeting.Format.HYBRID, join_url=JOIN)
    hidden = parse(calendar.meeting_calendar(meetings=[meeting], include_join_url=False)).to_ical()
    shown = only_event(parse(calendar.meeting_calendar(meetings=[meeting], include_join_url=True)))
    assert JOIN.encode() not in hidden
    assert JOIN in shown["DESCRIPTION"]
    assert JOIN in shown["LOCATION"]


def test_join_link_per_meeting_when_given_ids():
    shown = MeetingFactory(format=Meeting.Format.ONLINE, join_url=JOIN + "/a")
    hidden = MeetingFactory(format=Meeting.Format.ONLINE, join_url=JOIN + "/b")
    body = calendar.meeting_calendar(meetings=[shown, hidden], include_join_url={shown.pk})
    assert (JOIN + "/a").encode() in body
    assert (JOIN + "/b").encode() not in body


# The personal feed ---------------------------------------------------------------------------


def test_feed_lists_the_persons_meetings_with_join_links_where_they_hold_a_place(client):
    person = PersonFactory()
    registered = MeetingFactory(format=Meeting.Format.ONLINE, join_url=JOIN + "/registered")
    invited = MeetingFactory(format=Meeting.Format.ONLINE, join_url=JOIN + "/invited")
    declined = MeetingFactory()
    draft = MeetingFactory(state=Meeting.State.DRAFT)
    cancelled = MeetingFactory(state=Meeting.State.CANCELLED)
    someone_elses = MeetingFactory()
    RegistrationFactory(meeting=registered, person=person, state=Registration.State.REGISTERED)
    RegistrationFactory(meeting=invited, person=person, state=Registration.State.INVITED)
    RegistrationFactory(meeting=declined, person=person, state=Registration.State.DECLINED)
    RegistrationFactory(meeting=draft, person=person, state=Registration.State.INVITED)
    RegistrationFactory(meeting=cancelled, person=person, state=Registration.State.REGISTERED)
    RegistrationFactory(meeting=someone_elses)
    token = services.calendar_feed_create(person=person, by=None)

    response = client.get(reverse("meetings:feed", kwargs={"token": token}))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = {str(event["UID"]): event for event in parse(response.content).walk("VEVENT")}
    assert set(events) == {calendar.meeting_uid(m) for m in (registered, invited, cancelled)}
    assert events[calendar.meeting_uid(cancelled)]["STATUS"] == "CANCELLED"
    assert (JOIN + "/registered").encode() in response.content
    assert (JOIN + "/invited").encode() not in response.content


def test_revoked_or_guessed_feed_token_is_not_found(client):
    person = PersonFactory()
    RegistrationFactory(person=person)
    token = services.calendar_feed_create(person=person, by=None)
    feed = person.calendar_feeds.get()
    url = reverse("meetings:feed", kwargs={"token": token})
    assert client.get(url).status_code == 200

    services.calendar_feed_revoke(feed=feed, by=None)

    assert client.get(url).status_code == 404
    guessed = reverse("meetings:feed", kwargs={"token": secrets.token_urlsafe(32)})
    assert client.get(guessed).status_code == 404
    assert feed.token_hash != token and token not in feed.token_hash


def test_meeting_ics_download_is_the_same_event(client):
    meeting = MeetingFactory(starts_at=local_start(days_ahead=40))
    response = client.get(reverse("meetings:ics", kwargs={"pk": meeting.pk}))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    event = only_event(parse(response.content))
    assert event["UID"] == calendar.meeting_uid(meeting)
    assert event.decoded("DTSTART") == meeting.starts_at
