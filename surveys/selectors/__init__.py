"""Every non-trivial read of surveys, by concern: access (who may run, read or answer a survey, and the access
call that opens each page), the builder (the outline, the order conditions follow, a survey's own sections and
questions), the owners' pages (lists, the funnel, exports), one respondent's answers, and the results.
Callers import from here: `from surveys import selectors; selectors.survey_access(...)`."""

from surveys.selectors.access import (
    can_link_needs,
    can_run,
    export_access,
    invitation_access,
    invitation_for_token,
    open_link_access,
    respondent_access,
    session_key,
    survey_access,
    surveys_run_by,
)
from surveys.selectors.building import (
    order_key,
    question_of,
    section_of,
    survey_has_responses,
    survey_outline,
    survey_questions,
)
from surveys.selectors.disclosure import MIN_GROUP, Disclosure, disclosure, reader_sees_every_answer
from surveys.selectors.manage import (
    exports_of,
    funnel,
    invitation_of,
    invitations_listed,
    surveys_listed,
    surveys_run_latest,
    uninvited_count,
)
from surveys.selectors.responses import (
    answered_language,
    answers_copy,
    missing_required,
    questions_locked,
    stored_answers,
    submitted_response_of,
    survey_structure,
)
from surveys.selectors.results import (
    QuestionResult,
    compare,
    invited_count,
    need_links,
    regions,
    results,
    submitted_responses,
)

__all__ = [
    "MIN_GROUP",
    "Disclosure",
    "QuestionResult",
    "answered_language",
    "answers_copy",
    "can_link_needs",
    "can_run",
    "compare",
    "disclosure",
    "export_access",
    "exports_of",
    "funnel",
    "invitation_access",
    "invitation_for_token",
    "invitation_of",
    "invitations_listed",
    "invited_count",
    "missing_required",
    "need_links",
    "open_link_access",
    "order_key",
    "question_of",
    "questions_locked",
    "reader_sees_every_answer",
    "regions",
    "respondent_access",
    "results",
    "section_of",
    "session_key",
    "stored_answers",
    "submitted_response_of",
    "submitted_responses",
    "survey_access",
    "survey_has_responses",
    "survey_outline",
    "survey_questions",
    "survey_structure",
    "surveys_listed",
    "surveys_run_by",
    "surveys_run_latest",
    "uninvited_count",
]
