"""One time zone rule for meetings: the admin's add and change forms, the meeting page, the agenda and the
`.ics` all read and show times in the venue's zone, labelled with it; changing the zone field keeps the
times as typed (10:00 stays 10:00, now in the new zone), never converting a time twice.

The admin's pages are posted back as a browser would: every field with the value the page rendered,
so what the page shows is what is tested.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from meetings import times
from meetings.models import Meeting, Registration
from meetings.tests.factories import AgendaItemFactory, MeetingFactory, RegistrationFactory
from meetings.tests.pages import agenda_text, form_fields, page_text, split
from partnership.models import OutboundMessage

pytestmark = pytest.mark.django_db

HELSINKI = zoneinfo.ZoneInfo("Europe/Helsinki")  # the server's zone is Europe/Brussels, an hour behind
LISBON = zoneinfo.ZoneInfo("Europe/Lisbon")  # and Lisbon an hour behind Brussels
ADD = "admin:meetings_meeting_add"


def ics_event(client: Any, meeting: Meeting) -> Any:
    response = client.get(reverse("meetings:ics", args=[meeting.pk]))
    assert response.status_code == 200
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    return event


def change_url(meeting: Meeting) -> str:
    return reverse("admin:meetings_meeting_change", args=[meeting.pk])


def add_helsinki_meeting(client: Any, partnership: Any) -> Meeting:
    """Enter a meeting in Helsinki on Thursday 5 June 2031, 10:00 to 17:00, with a first agenda item at
    10:00, on the admin's add form."""
    data = form_fields(client.get(reverse(ADD)))
    data.update(
        {
            "partnership": [str(partnership.pk)],
            "title": ["Partnership meeting, Helsinki"],
            "city": ["Helsinki"],
            "timezone": ["Europe/Helsinki"],
            "is_public": ["on"],
            **split("starts_at", "2031-06-05", "10:00"),
            **split("ends_at", "2031-06-05", "17:00"),
            "agenda_items-0-title": ["Welcome by the City of Helsinki"],
            "agenda_items-0-room": ["Hall A"],
            **split("agenda_items-0-starts_at", "2031-06-05", "10:00"),
            **split("agenda_items-0-ends_at", "2031-06-05", "11:00"),
        }
    )
    response = client.post(reverse(ADD), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return Meeting.objects.get(title="Partnership meeting, Helsinki")


# Entered in Helsinki, read back everywhere -------------------------------------------------------------


def test_a_meeting_entered_in_helsinki_at_10_reads_10_on_every_page_and_after_its_zone_changes(
    client, partnership, coordinator
):
    client.force_login(coordinator)

    meeting = add_helsinki_meeting(client, partnership)

    assert meeting.starts_at == dt.datetime(2031, 6, 5, 10, 0, tzinfo=HELSINKI)
    assert meeting.ends_at == dt.datetime(2031, 6, 5, 17, 0, tzinfo=HELSINKI)
    item = meeting.agenda_items.get()
    assert item.starts_at == dt.datetime(2031, 6, 5, 10, 0, tzinfo=HELSINKI)
    # The change form shows what was typed, labelled with the zone.
    change = client.get(change_url(meeting))
    fields = form_fields(change)
    assert (fields["starts_at_1"], fields["ends_at_1"]) == (["10:00:00"], ["17:00:00"])
    assert fields["agenda_items-0-starts_at_1"] == ["10:00:00"]
    assert 'Starts at (<span class="venue-zone">Europe/Helsinki</span>)' in change.content.decode()
    # The meeting page, its agenda and its calendar file.
    page = client.get(meeting.get_absolute_url())
    text = page_text(page.content.decode())
    assert "When Thursday 5 June 2031, 10:00 – 17:00 (times in Europe/Helsinki" in text
    assert "times in Europe/Helsinki, the venue's time zone" in text
    agenda = agenda_text(page)
    assert "10:00–11:00" in agenda
    assert "All times are in Europe/Helsinki." in agenda
    event = ics_event(client, meeting)
    assert event["DTSTART"].params["TZID"] == "Europe/Helsinki"
    assert event.decoded("DTSTART").replace(tzinfo=None) == dt.datetime(2031, 6, 5, 10, 0)

    # The zone was wrong: the meeting is in Lisbon. The times typed stay as typed, now in Lisbon.
    fields["timezone"] = ["Europe/Lisbon"]
    response = client.post(change_url(meeting), fields)

    assert response.status_code == 302, response.context["adminform"].form.errors
    meeting.refresh_from_db()
    item.refresh_from_db()
    assert meeting.starts_at == dt.datetime(2031, 6, 5, 10, 0, tzinfo=LISBON)
    assert meeting.ends_at == dt.datetime(2031, 6, 5, 17, 0, tzinfo=LISBON)
    assert item.starts_at == dt.datetime(2031, 6, 5, 10, 0, tzinfo=LISBON)
    change = client.get(change_url(meeting))
    fields = form_fields(change)
    assert (fields["starts_at_1"], fields["agenda_items-0-starts_at_1"]) == (["10:00:00"], ["10:00:00"])
    assert 'Starts at (<span class="venue-zone">Europe/Lisbon</span>)' in change.content.decode()
    page = client.get(meeting.get_absolute_url())
    assert "Thursday 5 June 2031, 10:00 – 17:00" in page_text(page.content.decode())
    assert "10:00–11:00" in agenda_text(page)
    event = ics_event(client, meeting)
    assert event["DTSTART"].params["TZID"] == "Europe/Lisbon"
    assert event.decoded("DTSTART").replace(tzinfo=None) == dt.datetime(2031, 6, 5, 10, 0)

    # Saving the page again as it shows converts nothing either.
    assert client.post(change_url(meeting), fields).status_code == 302
    meeting.refresh_from_db()
    assert meeting.starts_at == dt.datetime(2031, 6, 5, 10, 0, tzinfo=LISBON)


def test_the_add_form_keeps_what_was_typed_in_the_chosen_zone_when_it_reports_an_error(
    client, partnership, coordinator
):
    client.force_login(coordinator)
    data = form_fields(client.get(reverse(ADD)))
    data.update(
        {
            "partnership": [str(partnership.pk)],
            "title": ["Partnership meeting, Helsinki"],
            "timezone": ["Europe/Helsinki"],
            **split("starts_at", "2031-06-05", "10:00"),
            **split("ends_at", "2031-06-05", "09:00"),
        }
    )

    response = client.post(reverse(ADD), data)

    assert response.status_code == 200
    assert "A meeting cannot end before it starts." in page_text(response.content.decode())
    fields = form_fields(response)
    assert (fields["starts_at_1"], fields["ends_at_1"]) == (["10:00"], ["09:00"])
    assert 'Ends at (<span class="venue-zone">Europe/Helsinki</span>)' in response.content.decode()
    assert not Meeting.objects.exists()


def test_the_add_form_starts_in_the_zone_the_address_asks_for(client, coordinator):
    client.force_login(coordinator)

    page = client.get(reverse(ADD), {"timezone": "Europe/Helsinki"}).content.decode()

    assert 'Starts at (<span class="venue-zone">Europe/Helsinki</span>)' in page
    assert 'Starts at (<span class="venue-zone">Europe/Brussels</span>)' in client.get(reverse(ADD)).content.decode()


def test_moving_a_published_meeting_to_another_zone_keeps_its_agenda_as_typed(client, partnership, coordinator):
    """Two items back to back in one room stay so: each is checked against the other's new time, not its
    saved one, and the registered are told of the new time."""
    day = timezone.localdate() + dt.timedelta(days=40)
    start = dt.datetime(day.year, day.month, day.day, 9, 0, tzinfo=LISBON)
    meeting = MeetingFactory(
        partnership=partnership,
        timezone="Europe/Lisbon",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=8),
        state=Meeting.State.REGISTRATION_OPEN,
    )
    first = AgendaItemFactory(
        meeting=meeting, title="Plenary", room="Hall A", starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )
    second = AgendaItemFactory(
        meeting=meeting,
        title="Teaser Session",
        room="Hall A",
        starts_at=start + dt.timedelta(hours=1),
        ends_at=start + dt.timedelta(hours=2),
    )
    registration = RegistrationFactory(meeting=meeting, state=Registration.State.REGISTERED)
    client.force_login(coordinator)
    fields = form_fields(client.get(change_url(meeting)))
    fields["timezone"] = ["Europe/Helsinki"]

    response = client.post(change_url(meeting), fields)

    assert response.status_code == 302, [f.errors for f in response.context["inline_admin_formsets"][0].formset]
    meeting.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    at = dt.datetime(day.year, day.month, day.day, 9, 0, tzinfo=HELSINKI)
    assert (meeting.starts_at, meeting.sequence) == (at, 1)
    assert (first.starts_at, first.ends_at) == (at, at + dt.timedelta(hours=1))
    assert (second.starts_at, second.ends_at) == (at + dt.timedelta(hours=1), at + dt.timedelta(hours=2))
    assert OutboundMessage.objects.filter(
        key__startswith=f"meeting:{meeting.pk}:rescheduled:", to_email=registration.person.email
    ).exists()


def test_an_agenda_item_on_its_own_admin_page_is_in_its_meetings_zone(client, partnership, coordinator):
    start = dt.datetime(2031, 6, 5, 10, 0, tzinfo=HELSINKI)
    meeting = MeetingFactory(
        partnership=partnership, timezone="Europe/Helsinki", starts_at=start, ends_at=start + dt.timedelta(hours=7)
    )
    item = AgendaItemFactory(meeting=meeting, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    client.force_login(coordinator)
    url = reverse("admin:meetings_agendaitem_change", args=[item.pk])
    fields = form_fields(client.get(url))
    assert fields["starts_at_1"] == ["10:00:00"]
    fields.update(split("ends_at", "2031-06-05", "11:30"))

    response = client.post(url, fields)

    assert response.status_code == 302, response.context["adminform"].form.errors
    item.refresh_from_db()
    assert (item.starts_at, item.ends_at) == (start, start + dt.timedelta(hours=1, minutes=30))
    listed = page_text(client.get(reverse("admin:meetings_agendaitem_changelist")).content.decode())
    assert "Thursday 5 June 2031, 10:00 (Europe/Helsinki)" in listed


def test_a_new_agenda_item_is_in_the_zone_of_the_meeting_chosen_for_it(client, partnership, coordinator):
    start = dt.datetime(2031, 6, 5, 10, 0, tzinfo=HELSINKI)
    meeting = MeetingFactory(
        partnership=partnership, timezone="Europe/Helsinki", starts_at=start, ends_at=start + dt.timedelta(hours=7)
    )
    client.force_login(coordinator)
    add = reverse("admin:meetings_agendaitem_add")
    page = client.get(add)
    assert "Starts at (the meeting's time zone)" in page_text(page.content.decode())
    fields = form_fields(page)
    fields.update(
        {
            "meeting": [str(meeting.pk)],
            "title": ["Welcome"],
            **split("starts_at", "2031-06-05", "10:00"),
            **split("ends_at", "2031-06-05", "11:00"),
        }
    )

    response = client.post(add, fields)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert meeting.agenda_items.get().starts_at == start
    asked = client.get(add, {"meeting": meeting.pk}).content.decode()
    assert 'Starts at (<span class="venue-zone">Europe/Helsinki</span>)' in asked


def test_the_meeting_and_registration_pages_show_the_venues_time(client, partnership, partner):
    start = dt.datetime(2031, 6, 5, 10, 0, tzinfo=HELSINKI)
    meeting = MeetingFactory(
        partnership=partnership,
        timezone="Europe/Helsinki",
        starts_at=start,
        ends_at=start + dt.timedelta(days=1, hours=3),
        registration_deadline=dt.datetime(2031, 5, 20, 23, 59, tzinfo=HELSINKI),
    )

    text = page_text(client.get(meeting.get_absolute_url()).content.decode())

    assert "Thursday 5 June 2031, 10:00 – Friday 6 June 2031, 13:00" in text
    assert "Tuesday 20 May 2031, 23:59 (Europe/Helsinki)" in text
    listed = page_text(client.get(reverse("meetings:list")).content.decode())
    assert "Thursday 5 June 2031" in listed
    client.force_login(partner)
    register = page_text(client.get(reverse("meetings:register", args=[meeting.pk])).content.decode())
    assert "Thursday 5 June 2031, 10:00 – Friday 6 June 2031, 13:00 (Europe/Helsinki time)" in register


def test_the_formatter_shows_the_venues_clock_under_any_active_zone():
    start = dt.datetime(2031, 6, 5, 23, 30, tzinfo=HELSINKI)
    meeting = Meeting(timezone="Europe/Helsinki", starts_at=start, ends_at=start + dt.timedelta(hours=1))

    with timezone.override(zoneinfo.ZoneInfo("America/New_York")):
        assert times.meeting_when(meeting) == "Thursday 5 June 2031, 23:30 – Friday 6 June 2031, 00:30"
        assert times.meeting_when_labelled(meeting).endswith("(Europe/Helsinki time)")
        assert times.venue_time(meeting, start, times.CLOCK) == "23:30"
