"""Who may run a survey, read its results or answer it: the scopes, the predicates, and the access calls that
open every survey page."""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from partnership import access
from partnership import selectors as partner_selectors
from partnership.tokens import token_hash
from surveys import workflow
from surveys.models import Invitation, InvitationToken, Response, Survey, SurveyExport

SurveyNeed = Literal["run", "build", "results"]


def surveys_run_by(user: Any) -> QuerySet[Survey]:
    """Surveys the user may run: those of their own organisation (the ministry) and of partnerships they coordinate."""
    if getattr(user, "is_superuser", False):
        return Survey.objects.all()
    condition = Q(partnership_id__in=partner_selectors.coordinated_partnership_ids(user))
    organisation_id = partner_selectors.own_organisation_id(user)
    if organisation_id is not None:
        condition |= Q(owner_id=organisation_id, partnership_id__in=partner_selectors.member_partnership_ids(user))
    return Survey.objects.filter(condition)


def surveys_published_to(user: Any) -> QuerySet[Survey]:
    """Surveys whose results the user may read as a member of the partnership."""
    return Survey.objects.filter(
        state__in=workflow.PUBLISHED,
        partnership_id__in=partner_selectors.member_partnership_ids(user),
    )


def surveys_known_to(user: Any) -> QuerySet[Survey]:
    """Surveys of the partnerships the user belongs to: they may know a survey exists, not necessarily run it."""
    return Survey.objects.filter(partnership_id__in=partner_selectors.member_partnership_ids(user))


def surveys_visible(user: Any) -> QuerySet[Survey]:
    return Survey.objects.filter(
        Q(pk__in=surveys_run_by(user).values("pk")) | Q(pk__in=surveys_published_to(user).values("pk"))
    )


# Predicates ---------------------------------------------------------------------------------


def can_run(user: Any, survey: Survey) -> bool:
    """Whether the user runs the survey (owner or coordinator), rather than reading its published results."""
    return surveys_run_by(user).filter(pk=survey.pk).exists()


def holds_the_rows(user: Any, survey: Survey) -> bool:
    """Whether the user gets the response export as it stands: the owner organisation's people (whose data it is)
    and, for a named survey, whoever runs it. Other readers (the coordinators of a confidential or anonymous
    survey) get rows whose region and type show only groups that `disclosure` would show."""
    if getattr(user, "is_superuser", False):
        return True
    if survey.anonymity == Survey.Anonymity.NAMED and can_run(user, survey):
        return True
    person = partner_selectors.person_for(user)
    return person is not None and person.organisation_id == survey.owner_id and can_run(user, survey)


def can_link_needs(user: Any, survey: Survey) -> bool:
    """Coordinators of the survey's partnership link the needs found in its results to actions."""
    return partner_selectors.partnerships_coordinated(user).filter(pk=survey.partnership_id).exists()


# Access: a view's first line ----------------------------------------------------------------


def survey_access(user: Any, pk: int, *, need: SurveyNeed) -> Survey:
    """The survey, for what the user needs of it.

    "run" (its owner pages) and "build" (its builder: sections, questions, options, translations): the owner
    organisation or the partnership's coordinators. "results": those, or a
    member of the partnership once the results are published. Other members get 403, anyone else 404 as for a
    missing survey, and an anonymous visitor is sent to log in. The pages after answering: `thanks_access`.
    """
    access.signed_in(user)
    survey = surveys_run_by(user).select_related("partnership", "owner").filter(pk=pk).first()
    if survey is None and need == "results":
        survey = surveys_published_to(user).filter(pk=pk).first()
    if survey is None:
        if surveys_known_to(user).filter(pk=pk).exists():
            access.refuse(user, _("Only the survey's owner and the coordinators can do this."))
        raise Http404
    return survey


def export_access(user: Any, pk: int, export_id: int) -> tuple[Survey, SurveyExport]:
    """A finished background export of a survey the user runs (as `survey_access(need="run")`); 404 for
    an export of another survey, one not finished, or one with more than the user may read (`holds_the_rows`)."""
    survey = survey_access(user, pk, need="run")
    exports = SurveyExport.objects.filter(survey=survey, state=SurveyExport.State.DONE)
    if not holds_the_rows(user, survey):
        exports = exports.filter(coarse=True)
    return survey, get_object_or_404(exports, pk=export_id)


def invitation_for_token(raw: str) -> Invitation | None:
    """The invitation of a personal link, if the link may still be used (the survey has not closed)."""
    token = (
        InvitationToken.objects.select_related("invitation__survey", "invitation__respondent")
        .filter(token_hash=token_hash(raw))
        .first()
    )
    if token is None:
        return None
    invitation = token.invitation
    if invitation.state == Invitation.State.EXPIRED or not invitation.survey.is_open:
        return None
    return invitation


def invitation_access(token: str) -> Invitation:
    """The invitation of a personal link (to answer or to opt out) while it may be used; a guessed token and
    the token of a closed survey get the same 404."""
    invitation = invitation_for_token(token)
    if invitation is None:
        raise Http404
    return invitation


def open_link_access(token: str) -> Survey:
    """The survey whose open link this is, while the link is enabled and the survey open; else 404."""
    survey = Survey.objects.filter(open_link_enabled=True, open_link_token=token_hash(token)).first()
    if survey is None or not survey.is_open:
        raise Http404
    return survey


def thanks_access(request: HttpRequest, pk: int) -> Survey:
    """The survey this browser has answered, for the pages after answering (the thank-you page and the copy of
    the answers): through the invitation its personal link opened, the open link's response it holds, or the
    open link's form it sent. Anyone else, and a missing survey, get the same 404, so neither a survey's title
    nor "your answers are recorded" is shown to whoever guesses an id."""
    survey = Survey.objects.filter(pk=pk).first()
    if survey is None:
        raise Http404
    session = request.session
    invitation_id = session.get(session_key(survey, "invitation"))
    response_id = session.get(session_key(survey, "response"))
    answered = (
        session.get(session_key(survey, "thanked"))
        or (
            invitation_id
            and Invitation.objects.filter(pk=invitation_id, survey=survey, state=Invitation.State.SUBMITTED).exists()
        )
        or (response_id and Response.objects.filter(pk=response_id, survey=survey, submitted_at__isnull=False).exists())
    )
    if not answered:
        raise Http404
    return survey


def session_key(survey: Survey, what: str) -> str:
    """The key under which this browser's session keeps what it holds of the survey: the invitation its personal
    link opened, the open link's mark and response, the language answered in, an anonymous copy."""
    return f"survey:{survey.pk}:{what}"


def respondent_access(request: HttpRequest, pk: int) -> tuple[Survey, Invitation | None, Response | None]:
    """The survey this browser may answer, through the invitation its personal link opened or the open link,
    with that invitation and this browser's response if any; 404 for any other visitor."""
    survey = get_object_or_404(Survey, pk=pk)
    invitation_id = request.session.get(session_key(survey, "invitation"))
    invitation = (
        Invitation.objects.select_related("respondent").filter(pk=invitation_id, survey=survey).first()
        if invitation_id
        else None
    )
    if invitation is None and not request.session.get(session_key(survey, "open")):
        raise Http404
    response = None
    if invitation is not None:
        response = Response.objects.filter(invitation=invitation).first()
    else:
        response_id = request.session.get(session_key(survey, "response"))
        response = Response.objects.filter(pk=response_id, survey=survey).first() if response_id else None
    return survey, invitation, response
