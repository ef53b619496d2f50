"""Places and days kept as promised: a raised capacity promotes the waitlist in order, each told once; a
coordinator gives a place by hand with a reason; a reschedule moves the registered days; a mailed calendar
entry reads right in a mail client."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from icalendar import Calendar

from meetings import services
from meetings.models import Meeting, Registration, RegistrationChange
from meetings.tests.factories import MeetingFactory, RegistrationFactory
from meetings.tests.pages import form_fields, page_text
from partnership.models import Membership, OutboundMessage
from partnership.tests.factories import member_user

pytestmark = pytest.mark.django_db
RegState = Registration.State
RIGA = zoneinfo.ZoneInfo("Europe/Riga")


def waitlisted(meeting: Meeting, count: int) -> list[Registration]:
    """`count` people on the meeting's waitlist, registered a minute apart (the first first)."""
    start = meeting.starts_at - dt.timedelta(days=20)
    return [
        RegistrationFactory.create(
            meeting=meeting,
            state=RegState.WAITLISTED,
            registered_at=start + dt.timedelta(minutes=number),
            # Names no other text of the page contains (a random one may be part of another).
            person__name=f"Waitlisted person {number + 1:02d}",
        )
        for number in range(count)
    ]


def promoted_mails(meeting: Meeting) -> list[str]:
    return sorted(
        OutboundMessage.objects.filter(key__startswith=f"meeting:{meeting.pk}:promoted:").values_list(
            "to_email", flat=True
        )
    )


def states(registrations: list[Registration]) -> list[str]:
    return [Registration.objects.get(pk=r.pk).state for r in registrations]


# A raised capacity --------------------------------------------------------------------------------


def test_raising_the_capacity_in_the_admin_promotes_as_many_as_fit_in_order_each_told_once(client, coordinator):
    meeting = MeetingFactory.create(partnership=coordinator.person.organisation.memberships.get().partnership)
    meeting.capacity = 1
    meeting.save()
    RegistrationFactory.create(meeting=meeting)
    first, second, third = waitlisted(meeting, 3)
    client.force_login(coordinator)
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])

    fields = form_fields(client.get(url))
    fields["capacity"] = ["3"]
    response = client.post(url, fields)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert states([first, second, third]) == [RegState.REGISTERED, RegState.REGISTERED, RegState.WAITLISTED]
    assert promoted_mails(meeting) == sorted([first.person.email, second.person.email])
    # Saving again with the same capacity promotes nobody and tells nobody again.
    response = client.post(url, form_fields(client.get(url)))
    assert response.status_code == 302
    assert states([third]) == [RegState.WAITLISTED]
    assert len(promoted_mails(meeting)) == 2


def test_removing_the_capacity_promotes_everyone_waiting(coordinator):
    meeting = MeetingFactory.create(capacity=1)
    RegistrationFactory.create(meeting=meeting)
    people = waitlisted(meeting, 2)
    meeting.capacity = None
    services.meeting_save(meeting=meeting, by=coordinator, changed=["capacity"])
    assert states(people) == [RegState.REGISTERED, RegState.REGISTERED]
    assert len(promoted_mails(meeting)) == 2


# A place given by hand ----------------------------------------------------------------------------


def test_a_coordinator_gives_the_second_in_line_a_place_with_a_reason_kept_in_the_history(client, coordinator):
    partnership = coordinator.person.organisation.memberships.get().partnership
    meeting = MeetingFactory.create(partnership=partnership, capacity=1)
    RegistrationFactory.create(meeting=meeting)
    first, second = waitlisted(meeting, 2)
    client.force_login(coordinator)
    url = reverse("meetings:manage", args=[meeting.pk])
    html = client.get(url).content.decode()
    # The waitlist in its order (the participant list above it is by name).
    waitlist = page_text(html[html.index('id="waitlist-heading"') :])
    assert waitlist.index(first.person.name) < waitlist.index(second.person.name)

    response = client.post(url, {"promote": "1", "registration": second.pk, "reason": "Speaker in session 2"})

    assert response.status_code == 302
    assert states([first, second]) == [RegState.WAITLISTED, RegState.REGISTERED]
    change = RegistrationChange.objects.filter(registration=second).latest("pk")
    assert (change.from_state, change.to_state, change.reason, change.by) == (
        RegState.WAITLISTED,
        RegState.REGISTERED,
        "Speaker in session 2",
        coordinator,
    )
    assert promoted_mails(meeting) == [second.person.email]
    # A second click on the stale page gives no second place and no second mail.
    again = client.post(url, {"promote": "1", "registration": second.pk, "reason": "Speaker in session 2"})
    assert again.status_code == 200
    assert "Only someone on the waitlist can be given a place." in again.content.decode()
    assert promoted_mails(meeting) == [second.person.email]


def test_a_place_without_a_reason_is_refused_with_a_message_and_nothing_changes(client, coordinator):
    meeting = MeetingFactory.create(partnership=coordinator.person.organisation.memberships.get().partnership)
    (person,) = waitlisted(meeting, 1)
    client.force_login(coordinator)

    response = client.post(
        reverse("meetings:manage", args=[meeting.pk]), {"promote": "1", "registration": person.pk, "reason": "  "}
    )

    assert response.status_code == 200
    assert "Say why this person gets a place" in response.content.decode()
    assert states([person]) == [RegState.WAITLISTED]
    assert promoted_mails(meeting) == []


def test_only_the_partnerships_coordinators_give_places_and_never_on_another_meeting(client, coordinator, partner):
    partnership = coordinator.person.organisation.memberships.get().partnership
    meeting = MeetingFactory.create(partnership=partnership)
    (mine,) = waitlisted(meeting, 1)
    elsewhere = MeetingFactory.create()
    (theirs,) = waitlisted(elsewhere, 1)
    other_coordinator = member_user(elsewhere.partnership, Membership.Role.COORDINATOR)
    url = reverse("meetings:manage", args=[meeting.pk])
    post = {"promote": "1", "registration": mine.pk, "reason": "Host city"}

    assert client.post(url, post).status_code == 302  # a visitor is sent to log in
    assert client.post(url, post)["Location"].startswith(reverse("login"))
    client.force_login(partner)
    assert client.post(url, post).status_code == 403
    client.force_login(other_coordinator)  # the meeting's page is public: seen, not coordinated
    assert client.post(url, post).status_code == 403
    client.force_login(coordinator)
    forged = client.post(url, {**post, "registration": theirs.pk})
    assert forged.status_code == 404
    assert client.post(url, {**post, "registration": "x"}).status_code == 404
    assert states([mine, theirs]) == [RegState.WAITLISTED, RegState.WAITLISTED]
    assert OutboundMessage.objects.count() == 0


def test_the_manage_page_lists_the_waitlist_in_a_fixed_number_of_queries(
    client, coordinator, django_assert_max_num_queries
):
    meeting = MeetingFactory.create(partnership=coordinator.person.organisation.memberships.get().partnership)
    waitlisted(meeting, 25)
    client.force_login(coordinator)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("meetings:manage", args=[meeting.pk]))
    assert "And 5 more, in the registrations list." in page_text(response.content.decode())


def test_a_place_is_given_only_while_the_meeting_is_planned(coordinator):
    meeting = MeetingFactory.create()
    (person,) = waitlisted(meeting, 1)
    services.meeting_cancel(meeting=meeting, by=coordinator, reason="Strike")
    with pytest.raises(ValidationError):
        services.registration_promote(registration=person, by=coordinator, reason="Host")


# Days after a reschedule --------------------------------------------------------------------------


def test_a_reschedule_moves_each_registered_day_to_the_same_day_of_the_meeting_and_says_so(client, coordinator):
    partnership = coordinator.person.organisation.memberships.get().partnership
    meeting = MeetingFactory.create(
        partnership=partnership,
        timezone="Europe/Riga",
        starts_at=dt.datetime(2031, 6, 5, 10, 0, tzinfo=RIGA),
        ends_at=dt.datetime(2031, 6, 6, 13, 0, tzinfo=RIGA),
        registration_deadline=None,
    )
    both = RegistrationFactory.create(meeting=meeting)
    second_day = RegistrationFactory.create(meeting=meeting, days=["2031-06-06"])

    services.meeting_reschedule(
        meeting=meeting,
        starts_at=dt.datetime(2031, 9, 18, 10, 0, tzinfo=RIGA),
        ends_at=dt.datetime(2031, 9, 19, 13, 0, tzinfo=RIGA),
        by=coordinator,
    )

    both.refresh_from_db()
    second_day.refresh_from_db()
    assert both.days == ["2031-09-18", "2031-09-19"]
    assert second_day.days == ["2031-09-19"]
    body = OutboundMessage.objects.get(key__startswith=f"meeting:{meeting.pk}:rescheduled:{second_day.pk}:").body_text
    assert "Your registration moves with the meeting, day for day:\nFriday 6 June 2031 → Friday 19 September 2031" in (
        body
    )
    client.force_login(coordinator)
    response = client.get(reverse("meetings:participants", args=[meeting.pk]), {"format": "csv"})
    export = b"".join(response.streaming_content if response.streaming else [response.content]).decode()
    assert "2031-09-19" in export and "2031-06-0" not in export


def test_a_shorter_meeting_keeps_a_later_day_as_its_last(coordinator):
    meeting = MeetingFactory.create()  # two days
    registration = RegistrationFactory.create(meeting=meeting)
    services.meeting_reschedule(
        meeting=meeting, starts_at=meeting.starts_at, ends_at=meeting.starts_at + dt.timedelta(hours=6), by=coordinator
    )
    registration.refresh_from_db()
    assert registration.days == [meeting.starts_at.astimezone(meeting.zone).date().isoformat()]


# The calendar entry a mail client reads -----------------------------------------------------------


def test_mailed_calendar_entries_read_right_in_a_mail_client(
    smtp_settings, coordinator, django_capture_on_commit_callbacks
):
    meeting = MeetingFactory.create(timezone="Europe/Riga", city="Riga")
    registration = RegistrationFactory.create(meeting=meeting, state=RegState.INVITED)
    person = registration.person
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_submit(
            registration=registration,
            by=None,
            days=[day.isoformat() for day in meeting.days],
            site_visit=False,
            dietary_needs="",
            accessibility_needs="",
            consent_participant_list=False,
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(meeting=meeting, by=coordinator, reason="Strike")
    smtp_settings.wait_for(2)

    entries = {}
    with smtp_settings.lock:
        received = list(smtp_settings.messages)
    for message in received:
        (part,) = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
        content_type = part["Content-Type"]
        assert content_type.lower().count("charset") == 1, content_type
        assert part.get_content_charset() == "utf-8"
        assert part.get_filename() == "meeting.ics"
        calendar = Calendar.from_ical(part.get_payload(decode=True).decode(part.get_content_charset()))
        assert part.get_param("method") == str(calendar["METHOD"])
        (event,) = calendar.walk("VEVENT")
        assert str(event["ORGANIZER"]).startswith("mailto:")
        assert str(event["ATTENDEE"]).lower() == f"mailto:{person.email}".lower()
        assert event["ATTENDEE"].params["CN"] == person.name
        entries[str(calendar["METHOD"])] = event
    assert set(entries) == {"REQUEST", "CANCEL"}
    assert entries["REQUEST"]["UID"] == entries["CANCEL"]["UID"]
    assert int(entries["CANCEL"]["SEQUENCE"]) > int(entries["REQUEST"]["SEQUENCE"])
