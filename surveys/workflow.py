"""The surveys' state machines as tables: which state may follow which, what the buttons that move a survey
say, what each state allows, and the stages of the invitation funnel.

Services, selectors, views and the admin read them here; templates get them through the views' context.
`Survey.is_open` keeps its own test of the open state (and the dates), as models import nothing of this.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from surveys.models import Invitation, Survey, SurveyExport

State = Survey.State
InvState = Invitation.State
ExportState = SurveyExport.State

# Surveys ------------------------------------------------------------------------------------

TRANSITIONS: dict[str, tuple[str, ...]] = {
    State.DRAFT: (State.OPEN,),
    State.OPEN: (State.CLOSED,),
    State.CLOSED: (State.OPEN, State.RESULTS_PUBLISHED),
    State.RESULTS_PUBLISHED: (),
}

# The buttons that move a survey on say what they do, not the state they lead to.
TRANSITION_ACTIONS: dict[tuple[str, str], Promise] = {
    (State.DRAFT, State.OPEN): gettext_lazy("Open the survey"),
    (State.CLOSED, State.OPEN): gettext_lazy("Reopen the survey"),
    (State.OPEN, State.CLOSED): gettext_lazy("Close the survey"),
    (State.CLOSED, State.RESULTS_PUBLISHED): gettext_lazy("Publish the results"),
}

# These moves are confirmed on a page of their own first: closing ends every personal link not yet used, and
# publishing shows the results to every member of the partnership and to the other countries' comparison.
ASKS_FIRST: tuple[tuple[str, str], ...] = ((State.OPEN, State.CLOSED), (State.CLOSED, State.RESULTS_PUBLISHED))

# Invitations, resends and reminders go out only while the survey is open; answers are taken only then too,
# and only between its dates (`Survey.is_open`).
INVITING: tuple[str, ...] = (State.OPEN,)
# Members of the partnership may read the results of these.
PUBLISHED: tuple[str, ...] = (State.RESULTS_PUBLISHED,)
# Surveys that have ended: their respondents' personal data is erased some months later.
ENDED: tuple[str, ...] = (State.CLOSED, State.RESULTS_PUBLISHED)


def transition_allowed(from_state: str, to_state: str) -> bool:
    return to_state in TRANSITIONS[from_state]


def transitions_offered(state: str) -> list[tuple[str, str | Promise]]:
    """The states a survey in this state may move to, each with the label of its button."""
    return [
        (to_state, TRANSITION_ACTIONS.get((state, to_state), State(to_state).label)) for to_state in TRANSITIONS[state]
    ]


# Invitations --------------------------------------------------------------------------------

# Following the personal link marks an invitation opened from these; starting to answer marks it started.
OPENS_FROM: tuple[str, ...] = (InvState.PENDING, InvState.SENT, InvState.BOUNCED)
STARTS_FROM: tuple[str, ...] = (InvState.PENDING, InvState.SENT, InvState.OPENED, InvState.BOUNCED)
# Still get reminders: not answered, not bounced, not opted out.
REMINDABLE: tuple[str, ...] = (InvState.SENT, InvState.OPENED, InvState.STARTED)
# Never sent again: the respondent has answered or asked for no more mail.
NO_RESEND: tuple[str, ...] = (InvState.SUBMITTED, InvState.OPTED_OUT)
# Closing the survey leaves these as they are; every other invitation expires.
KEPT_AT_CLOSE: tuple[str, ...] = (InvState.SUBMITTED, InvState.OPTED_OUT, InvState.BOUNCED)

# The stages of the funnel in order, each with the invitation states it counts: the manage page lists exactly
# these behind the number. "On the list" counts respondents, some of whom have no invitation yet, so it has no
# list of invitations; "Invited" counts those sent an invitation (its mail written to the outbox), whatever
# became of it since. The labels are the invitation states' names, translated by the template.
FUNNEL: tuple[tuple[str, str, tuple[str, ...] | None], ...] = (
    ("listed", "On the list", None),
    ("invited", "Invited", tuple(InvState.values)),
    ("opened", "Opened", (InvState.OPENED, InvState.STARTED, InvState.SUBMITTED)),
    ("started", "Started", (InvState.STARTED, InvState.SUBMITTED)),
    ("submitted", "Submitted", (InvState.SUBMITTED,)),
    ("bounced", "Bounced", (InvState.BOUNCED,)),
    ("opted_out", "Opted out", (InvState.OPTED_OUT,)),
)
FUNNEL_STATES: dict[str, list[str]] = {key: list(states) for key, _label, states in FUNNEL if states is not None}

# Background exports -------------------------------------------------------------------------

EXPORT_UNDER_WAY: tuple[str, ...] = (ExportState.QUEUED, ExportState.RUNNING)
EXPORT_FINISHED: tuple[str, ...] = (ExportState.DONE, ExportState.FAILED)
