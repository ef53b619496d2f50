"""Every write to surveys, by sub-domain: building (transitions, locked structure, clones, the open link),
invitations (respondents, personal links, reminders, bounces, opting out) and responses (answering, submission,
erasure). Callers import from here: `from surveys import services; services.survey_transition(...)`."""

from surveys.services.building import (
    choice_check_change,
    question_check_change,
    survey_clone,
    survey_open_link_enable,
    survey_transition,
)
from surveys.services.invitations import (
    invitation_mark_bounced,
    invitation_open,
    invitation_opt_out,
    invitation_resend,
    invitations_dispatch,
    invitations_send,
    reminders_sweep,
    respondent_add,
)
from surveys.services.responses import (
    respondents_erase_expired,
    response_save_section,
    response_set_language,
    response_start,
    response_submit,
)

__all__ = [
    "choice_check_change",
    "invitation_mark_bounced",
    "invitation_open",
    "invitation_opt_out",
    "invitation_resend",
    "invitations_dispatch",
    "invitations_send",
    "question_check_change",
    "reminders_sweep",
    "respondent_add",
    "respondents_erase_expired",
    "response_save_section",
    "response_set_language",
    "response_start",
    "response_submit",
    "survey_clone",
    "survey_open_link_enable",
    "survey_transition",
]
