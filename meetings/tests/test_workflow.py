"""The workflow tables agree with one another, and the pages offer what each state allows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from meetings import workflow
from meetings.models import Meeting, Registration

State = Meeting.State
RegState = Registration.State


def test_every_registration_step_is_a_move_of_the_registration_workflow():
    table = workflow.REGISTRATION_TRANSITIONS
    assert set(table) == set(RegState.values)
    for state in workflow.REGISTERS_ANEW:
        assert {RegState.REGISTERED, RegState.WAITLISTED} <= set(table[state])
    for state in set(RegState.values) - set(workflow.WITHDRAWN) - set(workflow.SETTLED):
        assert workflow.withdrawal(Registration(state=state)) in table[state]
    for state in set(workflow.AT_THE_DOOR) - {RegState.ATTENDED}:
        assert RegState.ATTENDED in table[state]
    for state in workflow.NO_SHOW_FROM:
        assert RegState.NO_SHOW in table[state]
    assert RegState.REGISTERED in table[RegState.WAITLISTED]  # promoted from the waitlist
    assert RegState.REGISTERED in table[RegState.ATTENDED]  # check-in undone


def test_withdrawing_declines_an_invitation_and_cancels_a_registration():
    assert workflow.withdrawal(Registration(state=RegState.INVITED)) == RegState.DECLINED
    assert workflow.withdrawal(Registration(state=RegState.WAITLISTED)) == RegState.CANCELLED


def test_every_meeting_state_is_in_the_tables():
    assert set(workflow.MEETING_TRANSITIONS) == set(State.values)
    assert set(workflow.PLANNED) | set(workflow.TAKEN_PLACE) | {State.CANCELLED} == set(State.values)


@pytest.mark.parametrize(
    ("state", "moves", "may_plan", "may_write_minutes", "may_publish_minutes"),
    [
        (State.DRAFT, [State.ANNOUNCED, State.REGISTRATION_OPEN], True, False, False),
        (State.REGISTRATION_OPEN, [State.REGISTRATION_CLOSED, State.HELD], True, False, False),
        (State.HELD, [], False, True, True),
        (State.MINUTES_PUBLISHED, [], False, True, False),
        (State.CANCELLED, [], False, False, False),
    ],
)
def test_the_coordinators_page_offers_what_the_state_allows(
    state, moves, may_plan, may_write_minutes, may_publish_minutes
):
    steps = workflow.meeting_steps(Meeting(state=state, ends_at=timezone.now() - dt.timedelta(hours=1)))
    assert [value for value, _label in steps.moves] == moves
    assert (steps.may_plan, steps.may_write_minutes, steps.may_publish_minutes) == (
        may_plan,
        may_write_minutes,
        may_publish_minutes,
    )


@pytest.mark.parametrize(
    ("state", "registers_anew", "may_withdraw"),
    [
        (None, True, False),
        (RegState.INVITED, True, True),
        (RegState.REGISTERED, False, True),
        (RegState.WAITLISTED, False, True),
        (RegState.DECLINED, True, False),
        (RegState.CANCELLED, True, False),
    ],
)
def test_the_registration_page_offers_what_the_registration_allows(state, registers_anew, may_withdraw):
    steps = workflow.registration_steps(None if state is None else Registration(state=state))
    assert (steps.registers_anew, steps.may_withdraw) == (registers_anew, may_withdraw)


def test_held_is_offered_only_once_the_meeting_has_ended():
    upcoming = Meeting(state=State.REGISTRATION_OPEN, ends_at=timezone.now() + dt.timedelta(days=30))
    steps = workflow.meeting_steps(upcoming)
    assert [value for value, _label in steps.moves] == [State.REGISTRATION_CLOSED]
    assert steps.held_waits_for_end
