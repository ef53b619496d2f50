"""Agenda items whose time is to be confirmed, and speakers named in free text: stored, entered in the
admin, laid out on the meeting page (never as parallel with other items), left out of the room check."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from meetings import selectors
from meetings.models import AgendaItem, Meeting, MeetingDocument
from meetings.tests.factories import AgendaItemFactory, MeetingFactory
from meetings.tests.pages import agenda_text, form_fields, split
from partnership.tests.factories import OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db
HELSINKI = zoneinfo.ZoneInfo("Europe/Helsinki")
DAY_1, DAY_2 = dt.date(2031, 6, 5), dt.date(2031, 6, 6)
TO_CONFIRM_WITHOUT_A_TIME = "Give the time, or tick “time to be confirmed”."


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=HELSINKI)


@pytest.fixture
def meeting(partnership):
    """Two days in Helsinki, 5 and 6 June 2031, registration open."""
    return MeetingFactory(
        partnership=partnership,
        title="Partnership meeting, Helsinki",
        city="Helsinki",
        timezone="Europe/Helsinki",
        starts_at=at(DAY_1, 9),
        ends_at=at(DAY_2, 13),
        registration_deadline=at(DAY_1, 0) - dt.timedelta(days=7),
    )


def item(meeting: Meeting, title: str, start: dt.datetime, *, minutes: int = 60, **fields: object) -> AgendaItem:
    return AgendaItemFactory.create(
        meeting=meeting, title=title, starts_at=start, ends_at=start + dt.timedelta(minutes=minutes), **fields
    )


# The room check ----------------------------------------------------------------------------------


def test_an_item_to_be_confirmed_takes_no_room(meeting):
    timed = item(meeting, "Opening plenary", at(DAY_1, 10), room="Hall A")
    placeholder = AgendaItem(
        meeting=meeting,
        title="Site visit",
        room="Hall A",
        starts_at=timed.starts_at,
        ends_at=timed.ends_at,
        time_to_be_confirmed=True,
    )

    placeholder.full_clean()  # the timed item does not stop it
    placeholder.save()

    later = AgendaItem(
        meeting=meeting, title="Teaser Session", room="hall a", starts_at=at(DAY_1, 10, 30), ends_at=at(DAY_1, 12)
    )
    with pytest.raises(ValidationError) as error:
        later.full_clean()
    assert error.value.message_dict["room"] == ["hall a is already taken by “Opening plenary” at that time."]
    timed.delete()
    later.full_clean()  # nor does the item to be confirmed, once the room is otherwise free


# The agenda as the meeting page lays it out ------------------------------------------------------------


def test_items_to_be_confirmed_are_never_parallel_and_follow_their_days_timed_items(meeting):
    item(meeting, "Plenary", at(DAY_1, 10), room="Hall A")
    item(meeting, "Working group 1", at(DAY_1, 10), room="Hall B")
    item(meeting, "Lunch", at(DAY_1, 13))
    # Placeholder times: one at the parallel items' start, one at midnight; the order field orders them.
    item(meeting, "Press conference", at(DAY_1, 10), time_to_be_confirmed=True, position=2)
    item(meeting, "Site visit", at(DAY_1, 0), minutes=0, time_to_be_confirmed=True, position=1)
    item(meeting, "Closing", at(DAY_2, 0), minutes=0, time_to_be_confirmed=True)
    item(meeting, "Wrap-up", at(DAY_2, 11))

    days = selectors.agenda_rows(meeting=meeting, visibilities=[MeetingDocument.Visibility.PUBLIC])

    laid_out = [(day, [[(row.item.title, row.time) for row in slot] for slot in slots]) for day, slots in days]
    assert laid_out == [
        (
            DAY_1,
            [
                [("Plenary", "10:00–11:00"), ("Working group 1", "10:00–11:00")],
                [("Lunch", "13:00–14:00")],
                [("Site visit", "Time to be confirmed")],
                [("Press conference", "Time to be confirmed")],
            ],
        ),
        (DAY_2, [[("Wrap-up", "11:00–12:00")], [("Closing", "Time to be confirmed")]]),
    ]


def test_the_meeting_page_shows_items_to_be_confirmed_and_every_kind_of_speaker(client, meeting):
    helsinki = OrganisationFactory(name="City of Helsinki", short_name="Helsinki")
    speaker = PersonFactory(name="Aino Virtanen", organisation=helsinki)
    plenary = item(meeting, "Plenary", at(DAY_1, 10), room="Hall A")
    plenary.speakers.add(speaker)
    plenary.speaker_organisations.add(OrganisationFactory(name="Efus"))
    item(meeting, "Working group 1", at(DAY_1, 10), room="Hall B")
    item(
        meeting,
        "Press conference",
        at(DAY_1, 10),
        room="Hall A",
        time_to_be_confirmed=True,
        other_speakers="Jane Doe\nJohn Roe, Mayor of Espoo\n",
    )

    response = client.get(meeting.get_absolute_url())

    agenda = agenda_text(response)
    assert "10:00–11:00 · Plenary · in parallel Plenary Hall A" in agenda
    assert "Speakers: Aino Virtanen (Helsinki), Efus" in agenda
    assert "Time to be confirmed · Plenary Press conference Hall A" in agenda
    assert "Speakers: Jane Doe, John Roe, Mayor of Espoo" in agenda
    assert agenda.count("in parallel") == 2
    assert client.get(reverse("meetings:ics", args=[meeting.pk])).status_code == 200


def test_free_text_speakers_are_split_by_lines_and_commas():
    typed = AgendaItem(other_speakers=" Jane Doe ,John Roe\n\n Mayor of Espoo\n")

    assert typed.other_speaker_names == ["Jane Doe", "John Roe", "Mayor of Espoo"]


# Entering them in the admin -----------------------------------------------------------------------


def change_url(meeting: Meeting) -> str:
    return reverse("admin:meetings_meeting_change", args=[meeting.pk])


def test_an_item_to_be_confirmed_is_entered_with_its_day_alone_and_free_text_speakers(client, meeting, coordinator):
    client.force_login(coordinator)
    fields = form_fields(client.get(change_url(meeting)))
    fields.update(
        {
            "agenda_items-0-title": ["Site visit to the Kalasatama district"],
            "agenda_items-0-kind": [AgendaItem.Kind.SITE_VISIT],
            "agenda_items-0-time_to_be_confirmed": ["on"],
            "agenda_items-0-other_speakers": ["Jane Doe\nJohn Roe"],
            **split("agenda_items-0-starts_at", DAY_2.isoformat(), ""),
            **split("agenda_items-0-ends_at", "", ""),
        }
    )

    response = client.post(change_url(meeting), fields)

    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    saved = meeting.agenda_items.get()
    assert (saved.time_to_be_confirmed, saved.starts_at, saved.ends_at) == (True, at(DAY_2, 0), at(DAY_2, 0))
    assert saved.other_speaker_names == ["Jane Doe", "John Roe"]
    # The form shows the time empty again, and saving it unchanged changes nothing.
    fields = form_fields(client.get(change_url(meeting)))
    assert (fields["agenda_items-0-starts_at_0"], fields["agenda_items-0-starts_at_1"]) == (["2031-06-06"], [""])
    assert fields["agenda_items-0-time_to_be_confirmed"] == ["on"]
    assert client.post(change_url(meeting), fields).status_code == 302
    assert AgendaItem.objects.get(pk=saved.pk).updated_at == saved.updated_at
    assert "Time to be confirmed" in agenda_text(client.get(meeting.get_absolute_url()))


@pytest.mark.parametrize(
    ("day", "clock", "to_confirm", "message"),
    [
        (DAY_2.isoformat(), "", False, TO_CONFIRM_WITHOUT_A_TIME),
        ("", "", True, "Give the day, and the time unless it is to be confirmed."),
        ("", "10:00", True, "Enter a complete value."),
    ],
)
def test_an_item_missing_its_day_or_time_is_a_field_error_that_keeps_what_was_typed(
    client, meeting, coordinator, day, clock, to_confirm, message
):
    client.force_login(coordinator)
    fields = form_fields(client.get(change_url(meeting)))
    fields.update(
        {
            "agenda_items-0-title": ["Site visit"],
            **split("agenda_items-0-starts_at", day, clock),
            **split("agenda_items-0-ends_at", DAY_2.isoformat(), "12:00"),
            **({"agenda_items-0-time_to_be_confirmed": ["on"]} if to_confirm else {}),
        }
    )

    response = client.post(change_url(meeting), fields)

    assert response.status_code == 200
    (form, *_extra) = response.context["inline_admin_formsets"][0].formset.forms
    assert form.errors["starts_at"] == [message]
    typed = form_fields(response)
    assert (typed["agenda_items-0-starts_at_0"], typed["agenda_items-0-starts_at_1"]) == ([day], [clock])
    assert typed["agenda_items-0-title"] == ["Site visit"]
    assert not meeting.agenda_items.exists()


def test_rows_of_one_edit_share_a_room_when_one_of_them_is_to_be_confirmed(client, meeting, coordinator):
    client.force_login(coordinator)
    fields = form_fields(client.get(change_url(meeting)))
    fields["agenda_items-TOTAL_FORMS"] = ["2"]
    for n, title in enumerate(["Working group 1", "Working group 2"]):
        row = f"agenda_items-{n}"
        fields.update(
            {
                f"{row}-title": [title],
                f"{row}-kind": [AgendaItem.Kind.WORKING_GROUP],
                f"{row}-room": ["Hall A"],
                f"{row}-position": ["0"],
                **split(f"{row}-starts_at", DAY_1.isoformat(), "10:00"),
                **split(f"{row}-ends_at", DAY_1.isoformat(), "11:00"),
            }
        )
    fields["agenda_items-1-time_to_be_confirmed"] = ["on"]

    response = client.post(change_url(meeting), fields)

    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.non_form_errors()
    assert sorted(meeting.agenda_items.values_list("title", "time_to_be_confirmed")) == [
        ("Working group 1", False),
        ("Working group 2", True),
    ]


def test_a_new_meetings_agenda_is_checked_against_the_meeting_entered_beside_it(client, partnership, coordinator):
    """An item outside the days of a meeting being added is a field error, not a failure on saving."""
    client.force_login(coordinator)
    add = reverse("admin:meetings_meeting_add")
    fields = form_fields(client.get(add))
    fields.update(
        {
            "partnership": [str(partnership.pk)],
            "title": ["Partnership meeting, Helsinki"],
            "timezone": ["Europe/Helsinki"],
            **split("starts_at", DAY_1.isoformat(), "10:00"),
            **split("ends_at", DAY_1.isoformat(), "17:00"),
            "agenda_items-0-title": ["Site visit"],
            **split("agenda_items-0-starts_at", DAY_2.isoformat(), "10:00"),
            **split("agenda_items-0-ends_at", DAY_2.isoformat(), "11:00"),
        }
    )

    response = client.post(add, fields)

    assert response.status_code == 200
    (form, *_extra) = response.context["inline_admin_formsets"][0].formset.forms
    assert form.errors["starts_at"] == ["The item must take place on the meeting's days (2031-06-05 to 2031-06-05)."]
    assert not Meeting.objects.exists()
