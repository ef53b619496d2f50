"""The meetings services: workflow, invitations, registrations and waitlist, reminders, minutes, documents."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from icalendar import Calendar

from meetings import services
from meetings.models import (
    AgendaItem,
    Meeting,
    MeetingDocument,
    MeetingTransition,
    Minutes,
    Registration,
    RegistrationChange,
)
from meetings.tests.factories import AgendaItemFactory, MeetingFactory, RegistrationFactory, ended_meeting
from partnership import documents
from partnership.models import OutboundMessage
from partnership.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
State = Meeting.State
RegState = Registration.State
Status = OutboundMessage.Status

# The meeting workflow of the design: every other move (and staying put) is refused.
ALLOWED = {
    (State.DRAFT, State.ANNOUNCED),
    (State.DRAFT, State.REGISTRATION_OPEN),
    (State.DRAFT, State.CANCELLED),
    (State.ANNOUNCED, State.REGISTRATION_OPEN),
    (State.ANNOUNCED, State.CANCELLED),
    (State.REGISTRATION_OPEN, State.REGISTRATION_CLOSED),
    (State.REGISTRATION_OPEN, State.HELD),
    (State.REGISTRATION_OPEN, State.CANCELLED),
    (State.REGISTRATION_CLOSED, State.REGISTRATION_OPEN),
    (State.REGISTRATION_CLOSED, State.HELD),
    (State.REGISTRATION_CLOSED, State.CANCELLED),
    (State.HELD, State.MINUTES_PUBLISHED),
}


def mails(meeting: Meeting, kind: str = "") -> list[OutboundMessage]:
    prefix = f"meeting:{meeting.pk}:" + (f"{kind}:" if kind else "")
    return list(OutboundMessage.objects.filter(key__startswith=prefix).order_by("id"))


def calendar_of(message: OutboundMessage) -> Calendar:
    (attachment,) = [a for a in message.attachments if a["filename"].endswith(".ics")]
    return Calendar.from_ical(base64.b64decode(attachment["content"]))


def all_days(meeting: Meeting) -> list[str]:
    return [day.isoformat() for day in meeting.days]


def submit(registration: Registration, *, by=None, days: list[str] | None = None, **fields) -> Registration:
    data = {
        "site_visit": False,
        "dietary_needs": "",
        "accessibility_needs": "",
        "consent_participant_list": True,
        **fields,
    }
    return services.registration_submit(
        registration=registration, by=by, days=days if days is not None else all_days(registration.meeting), **data
    )


def invite_one(meeting: Meeting, *, by=None, **person_fields) -> Registration:
    person = PersonFactory.create(**person_fields)
    assert services.meeting_invite(meeting=meeting, people=[person], by=by) == 1
    return Registration.objects.get(meeting=meeting, person=person)


def personal_token(registration: Registration) -> str:
    message = OutboundMessage.objects.get(key=f"meeting:{registration.meeting_id}:invitation:{registration.pk}")
    match = re.search(r"/meetings/r/([A-Za-z0-9_-]+)/", message.body_text)
    assert match, message.body_text
    return match.group(1)


# The workflow -------------------------------------------------------------------------------


@pytest.mark.parametrize("from_state", State.values)
def test_meeting_workflow_allows_exactly_the_designed_moves(from_state, partnership, coordinator):
    for to_state in State.values:
        # Ended an hour ago: a meeting may be marked held only once it has ended.
        meeting = ended_meeting(partnership=partnership, state=from_state, reminders=False)
        Minutes.objects.create(meeting=meeting, body="<p>Decisions were taken.</p>")
        if (from_state, to_state) in ALLOWED:
            services.meeting_transition(meeting=meeting, to_state=to_state, by=coordinator, reason="as agreed")
            meeting.refresh_from_db()
            assert meeting.state == to_state
            transition = MeetingTransition.objects.get(meeting=meeting)
            assert (transition.from_state, transition.to_state) == (from_state, to_state)
            assert transition.by == coordinator
            assert transition.reason == "as agreed"
        else:
            with pytest.raises(ValidationError):
                services.meeting_transition(meeting=meeting, to_state=to_state, by=coordinator, reason="as agreed")
            meeting.refresh_from_db()
            assert meeting.state == from_state, to_state
            assert not MeetingTransition.objects.filter(meeting=meeting).exists()


def test_unknown_state_is_refused_as_a_validation_error(coordinator):
    meeting = MeetingFactory(state=State.ANNOUNCED)
    with pytest.raises(ValidationError):
        services.meeting_transition(meeting=meeting, to_state="postponed", by=coordinator)
    meeting.refresh_from_db()
    assert meeting.state == State.ANNOUNCED


def test_cancelling_needs_a_reason(coordinator):
    meeting = MeetingFactory(state=State.REGISTRATION_OPEN)
    with pytest.raises(ValidationError, match="why"):
        services.meeting_cancel(meeting=meeting, by=coordinator, reason="   ")
    meeting.refresh_from_db()
    assert meeting.state == State.REGISTRATION_OPEN


JOIN = "https://meet.example.eu/security-partnership"


@pytest.mark.parametrize("fmt", [Meeting.Format.ONLINE, Meeting.Format.HYBRID])
@pytest.mark.parametrize("to_state", [State.ANNOUNCED, State.REGISTRATION_OPEN])
def test_an_online_or_hybrid_meeting_is_announced_only_once_it_has_its_join_link(fmt, to_state, coordinator):
    meeting = MeetingFactory(state=State.DRAFT, format=fmt, join_url="", title="Online meeting")

    with pytest.raises(ValidationError) as error:
        services.meeting_transition(meeting=meeting, to_state=to_state, by=coordinator)

    assert error.value.message_dict == {
        "join_url": ["“Online meeting” is an online or hybrid meeting: add its join link before it is announced."]
    }
    meeting.refresh_from_db()
    assert meeting.state == State.DRAFT
    assert not meeting.transitions.exists()
    meeting.join_url = JOIN
    services.meeting_save(meeting=meeting, by=coordinator, changed=["join_url"])
    services.meeting_transition(meeting=meeting, to_state=to_state, by=coordinator)
    meeting.refresh_from_db()
    assert meeting.state == to_state


def test_an_online_draft_is_saved_without_its_join_link_and_may_be_cancelled(partnership, coordinator):
    start = timezone.now() + dt.timedelta(days=30)
    meeting = services.meeting_create(
        by=coordinator,
        partnership=partnership,
        title="Online meeting",
        format=Meeting.Format.ONLINE,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
    )

    assert (meeting.state, meeting.join_url) == (State.DRAFT, "")
    services.meeting_cancel(meeting=meeting, by=coordinator, reason="No date suits the partners.")
    meeting.refresh_from_db()
    assert meeting.state == State.CANCELLED


def test_publishing_minutes_needs_minutes(coordinator):
    meeting = MeetingFactory(state=State.HELD)
    with pytest.raises(ValidationError, match="minutes"):
        services.minutes_publish(meeting=meeting, by=coordinator)
    meeting.refresh_from_db()
    assert meeting.state == State.HELD


def test_publishing_minutes_stamps_them_and_tells_the_attendees(coordinator):
    meeting = MeetingFactory(state=State.HELD)
    attendee = RegistrationFactory(meeting=meeting, state=RegState.ATTENDED)
    RegistrationFactory(meeting=meeting, state=RegState.NO_SHOW)
    services.minutes_save(meeting=meeting, body="<p>Notes</p>", decisions="", follow_ups="", by=coordinator)

    services.minutes_publish(meeting=meeting, by=coordinator)

    assert Minutes.objects.get(meeting=meeting).published_at is not None
    assert [m.to_email for m in mails(meeting, "minutes")] == [attendee.person.email]


def test_minutes_published_through_the_generic_transition_are_stamped_too(coordinator):
    meeting = MeetingFactory(state=State.HELD)
    services.minutes_save(meeting=meeting, body="<p>Notes</p>", decisions="", follow_ups="", by=coordinator)
    services.meeting_transition(meeting=meeting, to_state=State.MINUTES_PUBLISHED, by=coordinator)
    assert Minutes.objects.get(meeting=meeting).published_at is not None


# Invitations --------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [State.DRAFT, State.HELD, State.MINUTES_PUBLISHED, State.CANCELLED])
def test_invitations_only_while_the_meeting_is_active(state, coordinator):
    meeting = MeetingFactory(state=state)
    with pytest.raises(ValidationError):
        services.meeting_invite(meeting=meeting, people=[PersonFactory()], by=coordinator)
    assert not meeting.registrations.exists()
    assert not mails(meeting)


@pytest.mark.parametrize("state", [State.ANNOUNCED, State.REGISTRATION_OPEN, State.REGISTRATION_CLOSED])
def test_invitation_queues_one_mail_with_a_personal_link_kept_only_as_a_hash(state, coordinator):
    meeting = MeetingFactory(state=state)
    person = PersonFactory()

    assert services.meeting_invite(meeting=meeting, people=[person], by=coordinator) == 1
    assert services.meeting_invite(meeting=meeting, people=[person], by=coordinator) == 0

    registration = Registration.objects.get(meeting=meeting, person=person)
    assert registration.state == RegState.INVITED
    (message,) = mails(meeting)
    assert message.key == f"meeting:{meeting.pk}:invitation:{registration.pk}"
    assert message.to_email == person.email
    assert message.status == Status.PENDING
    token = personal_token(registration)
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    assert registration.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = [str(value) for value in Registration.objects.filter(pk=registration.pk).values().get().values()]
    assert not any(token in value for value in stored)
    assert RegistrationChange.objects.get(registration=registration).by == coordinator


def test_invitation_subject_and_text_are_not_html_escaped(coordinator):
    meeting = MeetingFactory(title="Women's safety walk & workshop")
    registration = invite_one(meeting, name="Siobhán O'Brien")
    message = OutboundMessage.objects.get(key=f"meeting:{meeting.pk}:invitation:{registration.pk}")
    assert message.subject == "Invitation: Women's safety walk & workshop"
    assert "Dear Siobhán O'Brien," in message.body_text
    assert "Women's safety walk & workshop" in message.body_text
    assert "O&#x27;Brien" in message.body_html
    assert "walk &amp; workshop" in message.body_html
    link = re.search(r"http\S+/meetings/r/[A-Za-z0-9_-]+/", message.body_text)
    assert link and f'<a href="{link.group(0)}"' in message.body_html


def test_invitation_html_escapes_what_people_typed(coordinator):
    meeting = MeetingFactory(title="<b>Bold</b> meeting")
    invite_one(meeting)
    (message,) = mails(meeting, "invitation")
    assert "<b>" not in message.body_html
    assert "&lt;b&gt;Bold&lt;/b&gt; meeting" in message.body_html


# Registrations and the waitlist --------------------------------------------------------------


def test_registration_within_capacity_confirms_with_a_calendar_entry():
    meeting = MeetingFactory(capacity=2)
    registration = invite_one(meeting)

    registration = submit(registration, dietary_needs=" vegetarian ", days=all_days(meeting)[:1])

    assert registration.state == RegState.REGISTERED
    assert registration.registered_at is not None
    assert registration.dietary_needs == "vegetarian"
    assert registration.days == all_days(meeting)[:1]
    (message,) = mails(meeting, "confirmation")
    assert message.to_email == registration.person.email
    assert message.attachments[0]["mimetype"].startswith("text/calendar")
    event = calendar_of(message).walk("VEVENT")[0]
    assert str(event["UID"]).startswith(str(meeting.uid))


def test_registration_beyond_capacity_waitlists():
    meeting = MeetingFactory(capacity=2)
    first, second, third = (invite_one(meeting) for _ in range(3))
    assert submit(first).state == RegState.REGISTERED
    assert submit(second).state == RegState.REGISTERED

    third = submit(third)

    assert third.state == RegState.WAITLISTED
    assert [m.to_email for m in mails(meeting, "waitlisted")] == [third.person.email]
    assert meeting.registrations.filter(state__in=Registration.HOLDS_PLACE).count() == 2


def test_registration_needs_a_day_of_the_meeting():
    meeting = MeetingFactory()
    registration = invite_one(meeting)
    with pytest.raises(ValidationError) as raised:
        submit(registration, days=[])
    assert "days" in raised.value.message_dict
    with pytest.raises(ValidationError):
        submit(registration, days=["1999-01-01"])
    registration.refresh_from_db()
    assert registration.state == RegState.INVITED


def test_registration_is_closed_after_the_deadline():
    meeting = MeetingFactory(registration_deadline=timezone.now() - dt.timedelta(hours=1))
    registration = invite_one(meeting)
    with pytest.raises(ValidationError, match="closed"):
        submit(registration)
    with pytest.raises(ValidationError, match="deadline"):
        services.registration_decline(registration=registration, by=None)
    registration.refresh_from_db()
    assert registration.state == RegState.INVITED
    assert not mails(meeting, "confirmation")


@pytest.mark.parametrize("state", [State.ANNOUNCED, State.REGISTRATION_CLOSED, State.CANCELLED])
def test_registration_only_while_open(state):
    meeting = MeetingFactory(state=state)
    registration = RegistrationFactory(meeting=meeting, state=RegState.INVITED, registered_at=None)
    with pytest.raises(ValidationError, match="closed"):
        submit(registration)


def test_a_freed_place_goes_to_the_first_on_the_waitlist_who_is_told_once():
    meeting = MeetingFactory(capacity=1)
    now = timezone.now()
    holder = RegistrationFactory(meeting=meeting, state=RegState.REGISTERED)
    # Created first but joined the waitlist later: order is by registered_at, not by row.
    later = RegistrationFactory(meeting=meeting, state=RegState.WAITLISTED, registered_at=now)
    earlier = RegistrationFactory(meeting=meeting, state=RegState.WAITLISTED, registered_at=now - dt.timedelta(hours=1))

    services.registration_decline(registration=holder, by=None, reason="cannot travel")
    # Cancelling again changes nothing and promotes nobody more.
    services.registration_decline(registration=holder, by=None)

    states = dict(meeting.registrations.values_list("pk", "state"))
    assert states == {holder.pk: RegState.CANCELLED, earlier.pk: RegState.REGISTERED, later.pk: RegState.WAITLISTED}
    (promoted,) = mails(meeting, "promoted")
    assert promoted.to_email == earlier.person.email
    assert calendar_of(promoted).walk("VEVENT")


def test_declining_an_invitation_or_leaving_the_waitlist_promotes_nobody():
    meeting = MeetingFactory(capacity=1)
    RegistrationFactory(meeting=meeting, state=RegState.REGISTERED)
    invited = RegistrationFactory(meeting=meeting, state=RegState.INVITED, registered_at=None)
    waiting = RegistrationFactory(meeting=meeting, state=RegState.WAITLISTED)
    other = RegistrationFactory(meeting=meeting, state=RegState.WAITLISTED)

    assert services.registration_decline(registration=invited, by=None).state == RegState.DECLINED
    assert services.registration_decline(registration=waiting, by=None).state == RegState.CANCELLED

    other.refresh_from_db()
    assert other.state == RegState.WAITLISTED
    assert not mails(meeting, "promoted")


def _in_threads(*calls) -> list[BaseException]:
    """Run the calls at the same moment, each in its own thread and database connection."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call) -> None:
        try:
            barrier.wait(timeout=30)
            call()
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_cancellations_do_not_over_promote(uses_postgres):
    meeting = MeetingFactory(capacity=2)
    now = timezone.now()
    first, second = (RegistrationFactory(meeting=meeting, state=RegState.REGISTERED) for _ in range(2))
    waiting = [
        RegistrationFactory(meeting=meeting, state=RegState.WAITLISTED, registered_at=now + dt.timedelta(minutes=n))
        for n in range(3)
    ]

    errors = _in_threads(
        lambda: services.registration_decline(registration=first, by=None),
        lambda: services.registration_decline(registration=second, by=None),
    )

    assert errors == []
    assert meeting.registrations.filter(state__in=Registration.HOLDS_PLACE).count() == 2
    states = dict(meeting.registrations.values_list("pk", "state"))
    assert [states[r.pk] for r in waiting] == [RegState.REGISTERED, RegState.REGISTERED, RegState.WAITLISTED]
    assert sorted(m.to_email for m in mails(meeting, "promoted")) == sorted(r.person.email for r in waiting[:2])


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_for_the_last_place_waitlist_one(uses_postgres):
    meeting = MeetingFactory(capacity=1)
    one, two = (RegistrationFactory(meeting=meeting, state=RegState.INVITED, registered_at=None) for _ in range(2))

    errors = _in_threads(lambda: submit(one), lambda: submit(two))

    assert errors == []
    assert sorted(meeting.registrations.values_list("state", flat=True)) == [RegState.REGISTERED, RegState.WAITLISTED]


# Check-in and no-shows --------------------------------------------------------------------------


def test_marking_held_turns_registered_people_not_checked_in_into_no_shows(coordinator):
    meeting = ended_meeting(state=State.REGISTRATION_CLOSED)
    came = RegistrationFactory(meeting=meeting, state=RegState.REGISTERED)
    stayed_home = RegistrationFactory(meeting=meeting, state=RegState.CONFIRMED)
    waiting = RegistrationFactory(meeting=meeting, state=RegState.WAITLISTED)
    never_answered = RegistrationFactory(meeting=meeting, state=RegState.INVITED, registered_at=None)
    declined = RegistrationFactory(meeting=meeting, state=RegState.DECLINED)

    services.registration_check_in(registration=came, by=coordinator)
    services.registration_check_in(registration=came, by=coordinator)  # a double tap changes nothing
    services.meeting_transition(meeting=meeting, to_state=State.HELD, by=coordinator)

    states = dict(meeting.registrations.values_list("pk", "state"))
    assert states == {
        came.pk: RegState.ATTENDED,
        stayed_home.pk: RegState.NO_SHOW,
        waiting.pk: RegState.WAITLISTED,
        never_answered.pk: RegState.INVITED,
        declined.pk: RegState.DECLINED,
    }
    came.refresh_from_db()
    assert came.checked_in_at is not None
    assert list(came.changes.values_list("to_state", "by")) == [(RegState.ATTENDED, coordinator.pk)]
    assert stayed_home.changes.get().to_state == RegState.NO_SHOW


def test_check_in_can_be_undone_and_refuses_people_who_declined(coordinator):
    meeting = ended_meeting()
    registration = RegistrationFactory(meeting=meeting, state=RegState.REGISTERED)
    services.registration_check_in(registration=registration, by=coordinator)
    registration = services.registration_undo_check_in(registration=registration, by=coordinator)
    assert (registration.state, registration.checked_in_at) == (RegState.REGISTERED, None)

    declined = RegistrationFactory(meeting=meeting, state=RegState.DECLINED)
    with pytest.raises(ValidationError):
        services.registration_check_in(registration=declined, by=coordinator)


# Rescheduling and cancelling -------------------------------------------------------------------


def test_reschedule_moves_agenda_and_reminders_and_tells_the_registered(coordinator):
    meeting = MeetingFactory()
    start = meeting.starts_at
    item = AgendaItemFactory(meeting=meeting, starts_at=start + dt.timedelta(hours=1))
    registered = RegistrationFactory(meeting=meeting, state=RegState.REGISTERED)
    waiting = RegistrationFactory(meeting=meeting, state=RegState.WAITLISTED)
    RegistrationFactory(meeting=meeting, state=RegState.DECLINED)
    assert services.reminders_sweep(now=start - dt.timedelta(days=13)) == 1
    (old_reminder,) = mails(meeting, "reminder")

    moved = start + dt.timedelta(days=7, hours=1)
    meeting = services.meeting_reschedule(
        meeting=meeting, starts_at=moved, ends_at=moved + dt.timedelta(hours=8), by=coordinator, reason="strike"
    )

    meeting.refresh_from_db()
    assert (meeting.starts_at, meeting.sequence) == (moved, 1)
    assert meeting.registration_deadline == moved - dt.timedelta(days=10)
    item.refresh_from_db()
    assert item.starts_at == moved + dt.timedelta(hours=1)
    old_reminder.refresh_from_db()
    assert old_reminder.status == Status.CANCELLED
    rescheduled = mails(meeting, "rescheduled")
    assert sorted(m.to_email for m in rescheduled) == sorted([registered.person.email, waiting.person.email])
    assert all(m.status == Status.PENDING for m in rescheduled)
    assert "strike" in rescheduled[0].body_text
    event = calendar_of(rescheduled[0]).walk("VEVENT")[0]
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == moved


@pytest.mark.parametrize("state", [State.CANCELLED, State.HELD, State.MINUTES_PUBLISHED])
def test_a_cancelled_or_past_meeting_cannot_be_rescheduled(state, coordinator):
    meeting = MeetingFactory(state=state)
    with pytest.raises(ValidationError):
        services.meeting_reschedule(
            meeting=meeting, starts_at=meeting.starts_at, ends_at=meeting.ends_at, by=coordinator
        )


def test_cancelling_tells_everyone_holding_or_awaiting_a_place_and_stops_reminders(coordinator):
    meeting = MeetingFactory()
    registered = RegistrationFactory(meeting=meeting, state=RegState.REGISTERED)
    waiting = RegistrationFactory(meeting=meeting, state=RegState.WAITLISTED)
    RegistrationFactory(meeting=meeting, state=RegState.DECLINED)
    invitation = invite_one(meeting)
    # The registered and the one who has not answered are reminded.
    assert services.reminders_sweep(now=meeting.starts_at - dt.timedelta(days=13)) == 2

    services.meeting_cancel(meeting=meeting, by=coordinator, reason="The venue is closed for works.")

    assert {m.key.split(":")[2]: m.status for m in mails(meeting) if m.status != Status.PENDING} == {
        "reminder": Status.CANCELLED,
        "invitation": Status.CANCELLED,
    }
    assert invitation.person.email not in [m.to_email for m in mails(meeting, "cancelled")]
    cancelled = mails(meeting, "cancelled")
    assert sorted(m.to_email for m in cancelled) == sorted([registered.person.email, waiting.person.email])
    assert "The venue is closed for works." in cancelled[0].body_text
    assert "method=CANCEL" in cancelled[0].attachments[0]["mimetype"]
    ics = calendar_of(cancelled[0])
    assert ics["METHOD"] == "CANCEL"
    assert ics.walk("VEVENT")[0]["STATUS"] == "CANCELLED"
    for days in (14, 7, 2, 1):
        assert services.reminders_sweep(now=meeting.starts_at - dt.timedelta(days=days)) == 0
    assert len(mails(meeting, "reminder")) == 2


# Reminders ---------------------------------------------------------------------------------------


def reminder_recipients(meeting: Meeting) -> list[str]:
    return sorted(m.to_email for m in mails(meeting, "reminder") if m.status == Status.PENDING)


def test_default_reminders_are_queued_only_when_due_and_only_once():
    meeting = MeetingFactory()
    start, deadline = meeting.starts_at, meeting.registration_deadline
    registered = RegistrationFactory(meeting=meeting, state=RegState.REGISTERED).person.email
    silent = RegistrationFactory(meeting=meeting, state=RegState.INVITED, registered_at=None).person.email
    RegistrationFactory(meeting=meeting, state=RegState.DECLINED)
    RegistrationFactory(meeting=meeting, state=RegState.WAITLISTED)

    # Before anything is due.
    assert services.reminders_sweep(now=deadline - dt.timedelta(days=7, minutes=1)) == 0
    # 7 days before the deadline: those who have not answered.
    for _ in range(2):
        services.reminders_sweep(now=deadline - dt.timedelta(days=7) + dt.timedelta(minutes=1))
    assert reminder_recipients(meeting) == [silent]
    # 14 days before the start: the registered (the not-answered one is not repeated).
    for _ in range(2):
        services.reminders_sweep(now=start - dt.timedelta(days=14) + dt.timedelta(minutes=1))
    assert reminder_recipients(meeting) == sorted([silent, registered])
    # Nothing new in between.
    assert services.reminders_sweep(now=start - dt.timedelta(days=5)) == 0
    # 2 days before the start: the registered again, once.
    for _ in range(2):
        services.reminders_sweep(now=start - dt.timedelta(days=2) + dt.timedelta(minutes=1))
    assert reminder_recipients(meeting) == sorted([silent, registered, registered])
    # After the start, nothing.
    assert services.reminders_sweep(now=start + dt.timedelta(minutes=1)) == 0
    assert len(mails(meeting, "reminder")) == 3


def test_reminder_is_once_per_recipient_rule_and_anchor_even_if_the_rule_is_reset():
    meeting = MeetingFactory()
    RegistrationFactory(meeting=meeting, state=RegState.REGISTERED)
    when = meeting.starts_at - dt.timedelta(days=13)
    assert services.reminders_sweep(now=when) == 1
    meeting.reminder_rules.update(done_for_anchor=None)
    services.reminders_sweep(now=when)
    assert len(mails(meeting, "reminder")) == 1


@pytest.mark.parametrize("state", [State.CANCELLED, State.DRAFT, State.HELD])
def test_no_reminders_for_meetings_that_are_not_active(state):
    meeting = MeetingFactory(state=state)
    RegistrationFactory(meeting=meeting, state=RegState.REGISTERED)
    RegistrationFactory(meeting=meeting, state=RegState.INVITED, registered_at=None)
    assert services.reminders_sweep(now=meeting.starts_at - dt.timedelta(days=1)) == 0
    assert not mails(meeting)


def test_after_a_reschedule_the_new_anchor_gets_fresh_reminders(coordinator):
    meeting = MeetingFactory()
    person = RegistrationFactory(meeting=meeting, state=RegState.REGISTERED).person.email
    old_start = meeting.starts_at
    services.reminders_sweep(now=old_start - dt.timedelta(days=13))
    (old,) = mails(meeting, "reminder")

    new_start = old_start + dt.timedelta(days=21)
    services.meeting_reschedule(
        meeting=meeting, starts_at=new_start, ends_at=new_start + dt.timedelta(hours=6), by=coordinator
    )
    # At the time the old reminder was due, nothing is due for the new date.
    assert services.reminders_sweep(now=old_start - dt.timedelta(days=13)) == 0
    assert services.reminders_sweep(now=new_start - dt.timedelta(days=13)) == 1
    services.reminders_sweep(now=new_start - dt.timedelta(days=13))

    old.refresh_from_db()
    assert old.status == Status.CANCELLED
    fresh = [m for m in mails(meeting, "reminder") if m.status == Status.PENDING]
    assert [m.to_email for m in fresh] == [person]
    assert fresh[0].key != old.key


def test_changing_only_the_end_keeps_unsent_reminders(coordinator):
    meeting = MeetingFactory()
    RegistrationFactory(meeting=meeting, state=RegState.REGISTERED)
    services.reminders_sweep(now=meeting.starts_at - dt.timedelta(days=13))
    services.meeting_reschedule(
        meeting=meeting, starts_at=meeting.starts_at, ends_at=meeting.ends_at + dt.timedelta(hours=2), by=coordinator
    )
    services.reminders_sweep(now=meeting.starts_at - dt.timedelta(days=12))
    assert [m.status for m in mails(meeting, "reminder")] == [Status.PENDING]


# Minutes and documents ------------------------------------------------------------------------------


def test_minutes_are_sanitised(coordinator):
    meeting = MeetingFactory(state=State.HELD)
    minutes = services.minutes_save(
        meeting=meeting,
        body='<p onclick="steal()">Opened by <strong>Tuscany</strong></p><script>alert("x")</script>',
        decisions='<ul><li><a href="javascript:alert(1)">link</a></li></ul><style>p{}</style>',
        follow_ups="<h2>Next</h2><iframe src='https://evil.example'></iframe>",
        by=coordinator,
    )
    minutes.refresh_from_db()
    assert minutes.body == "<p>Opened by <strong>Tuscany</strong></p>"
    assert "<script" not in minutes.body and "alert" not in minutes.body
    assert "javascript:" not in minutes.decisions and "<style" not in minutes.decisions
    assert minutes.follow_ups == "<h2>Next</h2>"


def test_minutes_that_are_empty_once_cleaned_are_refused(coordinator):
    meeting = MeetingFactory(state=State.HELD)
    with pytest.raises(ValidationError):
        services.minutes_save(meeting=meeting, body="<script>x()</script>", decisions="", follow_ups="", by=coordinator)
    assert not Minutes.objects.filter(meeting=meeting).exists()


@pytest.mark.parametrize("name", ["setup.exe", "notes", "slides.pdf.js", "page.html"])
def test_document_of_a_wrong_type_is_refused_with_a_clear_message(name):
    with pytest.raises(ValidationError) as raised:
        documents.document_validate(SimpleUploadedFile(name, b"data"))
    (message,) = raised.value.message_dict["file"]
    assert "are not accepted" in message
    assert "pdf, ppt" in message


def test_oversize_document_is_refused_with_a_clear_message():
    big = SimpleUploadedFile("report.pdf", b"0" * (documents.MAX_DOCUMENT_BYTES + 1))
    with pytest.raises(ValidationError) as raised:
        documents.document_validate(big)
    (message,) = raised.value.message_dict["file"]
    assert "25 MB" in message
    assert "too large" in message


def test_document_add_keeps_size_type_and_uploader(coordinator):
    meeting = MeetingFactory()
    document = services.document_add(
        meeting=meeting,
        by=coordinator,
        title="EIB funding",
        kind=MeetingDocument.Kind.PRESENTATION,
        visibility=MeetingDocument.Visibility.PUBLIC,
        file=SimpleUploadedFile("eib.pdf", b"%PDF-1.4 eib", content_type="application/pdf"),
    )
    document.refresh_from_db()
    assert (document.size, document.content_type, document.uploaded_by) == (12, "application/pdf", coordinator)
    with document.file.open("rb") as stored:
        assert stored.read() == b"%PDF-1.4 eib"


def test_agenda_shift_moves_only_the_chosen_items(coordinator):
    meeting = MeetingFactory()
    moved, kept = AgendaItemFactory(meeting=meeting), AgendaItemFactory(meeting=meeting)
    assert services.agenda_shift(items=[moved], minutes=-30, by=coordinator) == 1
    assert AgendaItem.objects.get(pk=moved.pk).starts_at == moved.starts_at - dt.timedelta(minutes=30)
    assert AgendaItem.objects.get(pk=kept.pk).starts_at == kept.starts_at
