"""Invariants of meetings (an announced online meeting has its join link) and of agenda items: inside the
meeting's days, and no double-booked room."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from meetings.models import AgendaItem, Meeting
from meetings.tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db


def _item(meeting, start, end, room="Sala Pegaso", title="Session"):
    return AgendaItem(meeting=meeting, starts_at=start, ends_at=end, room=room, title=title)


def test_item_outside_the_meetings_days_is_refused_with_the_days_named():
    meeting = MeetingFactory()
    day_after = meeting.ends_at + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        _item(meeting, day_after, day_after + dt.timedelta(hours=1)).full_clean()
    assert "meeting's days" in str(error.value)


def test_two_items_in_the_same_room_at_the_same_time_are_refused():
    meeting = MeetingFactory()
    start = meeting.starts_at
    _item(meeting, start, start + dt.timedelta(hours=1), title="Opening").save()
    with pytest.raises(ValidationError) as error:
        _item(meeting, start + dt.timedelta(minutes=30), start + dt.timedelta(hours=2), room="sala pegaso").full_clean()
    assert "Opening" in str(error.value)


def test_parallel_items_in_different_rooms_and_back_to_back_items_are_fine():
    meeting = MeetingFactory()
    start = meeting.starts_at
    _item(meeting, start, start + dt.timedelta(hours=1), room="Room A").save()
    _item(meeting, start, start + dt.timedelta(hours=1), room="Room B").full_clean()
    _item(meeting, start + dt.timedelta(hours=1), start + dt.timedelta(hours=2), room="Room A").full_clean()


@pytest.mark.parametrize(
    "state", ["announced", "registration_open", "registration_closed", "held", "minutes_published"]
)
def test_an_announced_online_meeting_keeps_its_join_link(state):
    meeting = MeetingFactory(state=state, format=Meeting.Format.HYBRID, join_url="https://meet.example.eu/a")
    meeting.full_clean()
    meeting.join_url = ""

    with pytest.raises(ValidationError) as error:
        meeting.full_clean()

    assert error.value.message_dict["join_url"] == [
        "An online or hybrid meeting needs its join link once it is announced."
    ]
    meeting.state = Meeting.State.DRAFT
    meeting.full_clean()


def test_the_place_names_only_the_parts_given():
    assert Meeting(city="Helsinki").place == "Helsinki"
    assert Meeting(venue="City Hall", city="Helsinki").place == "City Hall, Helsinki"
    assert Meeting(venue="City Hall", address="Pohjoisesplanadi 11", city="Helsinki").place == (
        "City Hall, Pohjoisesplanadi 11, Helsinki"
    )
