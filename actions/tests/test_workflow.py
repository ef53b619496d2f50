"""The workflow tables read as the pages and services use them."""

from actions import workflow
from actions.models import Action

State = Action.State


def test_coordinators_are_offered_every_move_but_the_submission():
    assert [state for state, _label in workflow.coordinator_moves(State.DRAFT)] == [State.WITHDRAWN]
    assert [state for state, _label in workflow.coordinator_moves(State.PROPOSED)] == [
        State.LONG_LISTED,
        State.DROPPED,
        State.WITHDRAWN,
    ]
    assert workflow.moves(State.DRAFT) == [(State.PROPOSED, State.PROPOSED.label), (State.WITHDRAWN, "Withdrawn")]


def test_the_admin_moves_and_the_states_that_allow_editing_are_reachable_moves():
    reachable = {target for targets in workflow.TRANSITIONS.values() for target in targets}
    assert set(workflow.ADMIN_MOVES) <= reachable
    assert not set(workflow.OWNER_EDITABLE) & set(workflow.CLOSED)
    assert not set(workflow.LEADER_EDITABLE) & set(workflow.CLOSED)
    assert all(workflow.owner_may_edit(state) for state in workflow.OWNER_EDITABLE)
    assert not workflow.leader_may_edit(State.PROPOSED)
