"""The meeting's and the registration's workflows: which state may follow which, and what each state allows.

Services check moves against these tables, selectors scope their reads with them, and views hand what a
page needs of them to its template, so no template compares states itself. Every meeting move is made
by the partnership's coordinators (`selectors.meeting_access(..., need="coordinate")`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from meetings.models import Meeting, Registration

State = Meeting.State
RegState = Registration.State

# Meetings ------------------------------------------------------------------------------------

MEETING_TRANSITIONS: dict[str, tuple[str, ...]] = {
    State.DRAFT: (State.ANNOUNCED, State.REGISTRATION_OPEN, State.CANCELLED),
    State.ANNOUNCED: (State.REGISTRATION_OPEN, State.CANCELLED),
    State.REGISTRATION_OPEN: (State.REGISTRATION_CLOSED, State.HELD, State.CANCELLED),
    State.REGISTRATION_CLOSED: (State.REGISTRATION_OPEN, State.HELD, State.CANCELLED),
    State.HELD: (State.MINUTES_PUBLISHED,),
    State.MINUTES_PUBLISHED: (),
    State.CANCELLED: (),
}
# Seen by the partnership's coordinators only; every other state is published to its members (and to
# everyone when the meeting and its partnership are public), to invitees' links and to calendar feeds.
UNPUBLISHED = (State.DRAFT,)
# Invitations go out and invitees and registered people get mail (reminders) only in these states.
ACTIVE = (State.ANNOUNCED, State.REGISTRATION_OPEN, State.REGISTRATION_CLOSED)
# Still to take place: the meeting can be rescheduled or cancelled, and people invited from its page.
PLANNED = (State.DRAFT, *ACTIVE)
# Has taken place: its minutes can be written.
TAKEN_PLACE = (State.HELD, State.MINUTES_PUBLISHED)
# Registration is not open yet but will be (the meeting page says it opens soon).
REGISTRATION_TO_OPEN = (State.ANNOUNCED,)
# Closed to invitees: their personal links stop working and the home page no longer lists the invitation.
CLOSED_TO_INVITEES = (State.DRAFT, State.CANCELLED)
# An online or hybrid meeting needs its join link to be in these states (announced and after).
NEEDS_JOIN_LINK = Meeting.NEEDS_JOIN_LINK
# Moves that need a reason, which the registered people read.
NEEDS_REASON = (State.CANCELLED,)
# Moves made on a page of their own (a reason to give, minutes to write), not offered as plain buttons.
OWN_PAGE = (State.CANCELLED, State.MINUTES_PUBLISHED)
# States the meeting list marks with a badge (its colour; the text is the state's label).
LIST_BADGES: dict[str, str] = {State.CANCELLED: "danger", State.REGISTRATION_OPEN: "success"}


# Moves the coordinators confirm on a page that says what follows (marking held turns the registered who were
# not checked in into no-shows).
NEEDS_CONFIRMATION = (State.HELD,)
# Moves that wait for the meeting's end: a meeting is held once it has ended.
AFTER_THE_END = (State.HELD,)
# A check-in closes this long after the meeting's end (late arrivals recorded the next morning).
CHECK_IN_CLOSES_AFTER = timedelta(days=1)


def has_ended(meeting: Meeting, now: datetime | None = None) -> bool:
    return meeting.ends_at is not None and (now or timezone.now()) >= meeting.ends_at


def check_in_window(meeting: Meeting) -> tuple[datetime, datetime]:
    """When check-in opens (the first day of the meeting on the venue's clock, less the setting's hours) and
    when it closes (a day after the meeting ends)."""
    first_day = meeting.local(meeting.starts_at).date()
    opens = datetime.combine(first_day, time.min, tzinfo=meeting.zone)
    return opens - timedelta(hours=settings.MEETING_CHECK_IN_OPENS_HOURS), meeting.ends_at + CHECK_IN_CLOSES_AFTER


def check_in_is_open(meeting: Meeting, now: datetime | None = None) -> bool:
    opens, closes = check_in_window(meeting)
    return opens <= (now or timezone.now()) <= closes


def undo_period() -> timedelta:
    """How long a coordinator may undo a check-in, or a meeting marked held."""
    return timedelta(hours=settings.MEETING_UNDO_HOURS)


def meeting_moves(meeting: Meeting) -> list[tuple[str, str]]:
    """The moves the coordinators' page offers as buttons: (state, its label); "Held" once the meeting has ended."""
    ended = has_ended(meeting)
    return [
        (state, str(State(state).label))
        for state in MEETING_TRANSITIONS[meeting.state]
        if state not in OWN_PAGE and (ended or state not in AFTER_THE_END)
    ]


@dataclass(frozen=True)
class MeetingSteps:
    """What the coordinators' pages offer for a meeting in its state."""

    moves: list[tuple[str, str]]
    may_plan: bool  # invite people, reschedule, cancel
    may_write_minutes: bool
    may_publish_minutes: bool
    # "Held" is a move from here, but not before the meeting has ended.
    held_waits_for_end: bool = False


def meeting_steps(meeting: Meeting) -> MeetingSteps:
    return MeetingSteps(
        moves=meeting_moves(meeting),
        may_plan=meeting.state in PLANNED,
        may_write_minutes=meeting.state in TAKEN_PLACE,
        may_publish_minutes=State.MINUTES_PUBLISHED in MEETING_TRANSITIONS[meeting.state],
        held_waits_for_end=State.HELD in MEETING_TRANSITIONS[meeting.state] and not has_ended(meeting),
    )


# Registrations -------------------------------------------------------------------------------

REGISTRATION_TRANSITIONS: dict[str, tuple[str, ...]] = {
    RegState.INVITED: (RegState.REGISTERED, RegState.WAITLISTED, RegState.DECLINED),
    RegState.REGISTERED: (RegState.CANCELLED, RegState.ATTENDED, RegState.NO_SHOW),
    RegState.CONFIRMED: (RegState.CANCELLED, RegState.ATTENDED, RegState.NO_SHOW),
    RegState.WAITLISTED: (RegState.REGISTERED, RegState.CANCELLED, RegState.ATTENDED),
    RegState.ATTENDED: (RegState.REGISTERED,),
    RegState.NO_SHOW: (RegState.ATTENDED,),
    RegState.DECLINED: (RegState.REGISTERED, RegState.WAITLISTED),
    RegState.CANCELLED: (RegState.REGISTERED, RegState.WAITLISTED),
}
# The steps that make those moves.
# Registering from these states starts a registration (a place, or the waitlist when the meeting is
# full); from the others it only changes the answers given.
REGISTERS_ANEW = (RegState.INVITED, RegState.DECLINED, RegState.CANCELLED)
# Withdrawn: the person is not coming (an invitation declined, a registration cancelled).
WITHDRAWN = (RegState.DECLINED, RegState.CANCELLED)
# Settled once the meeting has taken place: no longer withdrawn.
SETTLED = (RegState.ATTENDED, RegState.NO_SHOW)
# Hold a place at the meeting and count against its capacity.
HOLDS_PLACE = Registration.HOLDS_PLACE
# Told of a reschedule or a cancellation: those with a place and those waiting for one.
KEPT_INFORMED = (*HOLDS_PLACE, RegState.WAITLISTED)
# On the check-in list, and may be checked in (checking in someone already in changes nothing).
AT_THE_DOOR = (*KEPT_INFORMED, RegState.NO_SHOW)
# Who neither came nor withdrew becomes a no-show once the meeting is marked held.
NO_SHOW_FROM = (RegState.REGISTERED, RegState.CONFIRMED)


# The manage page's filters of the participant list: its name in the address, its label, the states it shows.
PARTICIPANT_FILTERS: dict[str, tuple[Promise, tuple[str, ...]]] = {
    "registered": (_("Registered"), (RegState.REGISTERED, RegState.CONFIRMED)),
    "waitlist": (_("Waitlist"), (RegState.WAITLISTED,)),
    "declined": (_("Declined or cancelled"), WITHDRAWN),
    "not_answered": (_("Not answered"), (RegState.INVITED,)),
    "attended": (_("Attended"), (RegState.ATTENDED,)),
    "no_show": (_("No-show"), (RegState.NO_SHOW,)),
}


# Whom "Write to participants" may write to: its name, its label, the registrations' states.
LETTER_AUDIENCES: dict[str, tuple[Promise, tuple[str, ...]]] = {
    "all": (_("Everyone invited who has not withdrawn"), (RegState.INVITED, *KEPT_INFORMED, *SETTLED)),
    "registered": (_("The registered"), (RegState.REGISTERED, RegState.CONFIRMED, RegState.ATTENDED)),
    "waitlist": (_("The waitlist"), (RegState.WAITLISTED,)),
    "not_answered": (_("Those who have not answered"), (RegState.INVITED,)),
}


def withdrawal(registration: Registration) -> str:
    """The state withdrawing leads to: an invitation is declined, a registration cancelled."""
    return RegState.DECLINED if registration.state == RegState.INVITED else RegState.CANCELLED


@dataclass(frozen=True)
class RegistrationSteps:
    """What the registration page offers an invitee or member, given their registration (if any)."""

    registers_anew: bool  # the form registers, rather than saving changes to a registration
    may_withdraw: bool


def registration_steps(registration: Registration | None) -> RegistrationSteps:
    if registration is None:
        return RegistrationSteps(registers_anew=True, may_withdraw=False)
    return RegistrationSteps(
        registers_anew=registration.state in REGISTERS_ANEW, may_withdraw=registration.state not in WITHDRAWN
    )
