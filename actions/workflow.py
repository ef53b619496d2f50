"""The action workflow as tables: where an action may go from each state, who moves it, and what each
state allows (editing, comments, support, progress, publication)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from actions.models import Action

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

State = Action.State

# Coordinators drive the workflow; the proposing organisation submits its draft and may withdraw it
# until it is selected.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    State.DRAFT: (State.PROPOSED, State.WITHDRAWN),
    State.PROPOSED: (State.LONG_LISTED, State.DROPPED, State.WITHDRAWN),
    State.LONG_LISTED: (State.UNDER_DISCUSSION, State.DROPPED, State.WITHDRAWN),
    State.UNDER_DISCUSSION: (State.SELECTED, State.DROPPED, State.WITHDRAWN),
    State.SELECTED: (State.DRAFTING, State.DROPPED),
    State.DRAFTING: (State.PUBLIC_FEEDBACK, State.ADOPTED, State.DROPPED),
    State.PUBLIC_FEEDBACK: (State.DRAFTING, State.ADOPTED),
    State.ADOPTED: (State.IN_IMPLEMENTATION,),
    State.IN_IMPLEMENTATION: (State.COMPLETED,),
    State.COMPLETED: (),
    State.MERGED: (),
    State.WITHDRAWN: (),
    State.DROPPED: (),
}
OWNER_TRANSITIONS = {State.PROPOSED, State.WITHDRAWN}
NEEDS_REASON = {State.DROPPED, State.WITHDRAWN}
# The moves the admin offers as bulk actions on the selected actions.
ADMIN_MOVES = (
    State.LONG_LISTED,
    State.UNDER_DISCUSSION,
    State.SELECTED,
    State.DRAFTING,
    State.PUBLIC_FEEDBACK,
    State.ADOPTED,
    State.IN_IMPLEMENTATION,
    State.COMPLETED,
)

# States in which the proposing organisation may still edit the text.
OWNER_EDITABLE = (State.DRAFT, State.PROPOSED, State.LONG_LISTED, State.UNDER_DISCUSSION)
# States in which the leader may edit (drafting the final text, implementation).
LEADER_EDITABLE = (State.SELECTED, State.DRAFTING, State.PUBLIC_FEEDBACK, State.ADOPTED, State.IN_IMPLEMENTATION)
CLOSED = (State.MERGED, State.WITHDRAWN, State.DROPPED, State.COMPLETED)
# Closed without a result: nothing more is added, not even documents.
ENDED = (State.MERGED, State.WITHDRAWN, State.DROPPED)
PUBLISHED = (State.PUBLIC_FEEDBACK, State.ADOPTED, State.IN_IMPLEMENTATION, State.COMPLETED)
# A draft is not yet read by the partnership; a merged action is discussed where it went.
CLOSED_TO_COMMENTS = (State.DRAFT, State.MERGED, State.WITHDRAWN, State.DROPPED)
# The leader reports progress once the action is adopted; the plan shows it from implementation on.
PROGRESS_REPORTED = (State.ADOPTED, State.IN_IMPLEMENTATION)
PROGRESS_SHOWN = (State.IN_IMPLEMENTATION, State.COMPLETED)
IN_PLAN = (State.ADOPTED, State.IN_IMPLEMENTATION, State.COMPLETED)
# Not on the long list unless asked for by state.
OFF_THE_LIST = (State.MERGED, State.WITHDRAWN, State.DROPPED)


def owner_may_edit(state: str) -> bool:
    """Whether the proposing organisation may edit an action in this state."""
    return state in OWNER_EDITABLE


def leader_may_edit(state: str) -> bool:
    """Whether the leading organisation may edit an action in this state."""
    return state in LEADER_EDITABLE


def moves(state: str) -> list[tuple[str, StrOrPromise]]:
    """The states an action may go to from `state`, with their labels: the choices of the move form."""
    return [(target, State(target).label) for target in TRANSITIONS[state]]


def coordinator_moves(state: str) -> list[tuple[str, StrOrPromise]]:
    """The moves the action page offers coordinators: all but the submission, which is the proposer's."""
    return [(target, label) for target, label in moves(state) if target != State.PROPOSED]
