"""Reads of the owners' pages: the survey lists, the invitation funnel and its lists, the background exports."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from partnership import access
from partnership import selectors as partner_selectors
from surveys import workflow
from surveys.models import Invitation, Survey, SurveyExport
from surveys.selectors.access import surveys_published_to, surveys_run_by


def surveys_listed(user: Any) -> tuple[QuerySet[Survey], QuerySet[Survey]]:
    """The surveys the user runs, and the others whose published results they may read."""
    run = surveys_run_by(user).select_related("partnership", "owner").order_by("-opens_at", "title")
    published = surveys_published_to(user).exclude(pk__in=run.values("pk")).select_related("partnership")
    return run, published


def surveys_run_latest(user: Any, *, limit: int) -> list[Survey]:
    """The surveys the user's own organisation owns and runs, the latest opened first (the home page's short
    list: a coordinator may open every survey of the partnership, but runs only their organisation's)."""
    person = partner_selectors.person_for(user) if getattr(user, "is_authenticated", False) else None
    if person is None:
        return []
    own = surveys_run_by(user).filter(owner_id=person.organisation_id)
    return list(own.only("pk", "title", "translations", "state").order_by("-opens_at")[:limit])


@dataclass
class FunnelStage:
    """A stage of the invitation funnel: how many reached it, and as a share of whom (the list for "Invited",
    the invited for the stages after it)."""

    key: str
    label: str
    count: int
    rate: float | None


def funnel(survey: Survey) -> list[FunnelStage]:
    """On the list, invited, opened, started, submitted, bounced, opted out: each stage counts those who reached
    it, with its rate. Two queries."""
    counts = Counter(dict(survey.invitations.values_list("state").annotate(n=Count("id"))))
    listed = survey.respondents.count()
    invited = sum(counts.values())
    stages = []
    for key, label, states in workflow.FUNNEL:
        count = listed if states is None else sum(counts[state] for state in states)
        base = listed if key == "invited" else invited
        rate = None if states is None or not base else 100 * count / base
        stages.append(FunnelStage(key, label, count, rate))
    return stages


@dataclass
class InvitationList:
    """The invitations the manage page lists, by a funnel stage or one state, and the query that chose them."""

    invitations: QuerySet[Invitation]
    stage: str = ""
    state: str = ""
    query: str = ""


def invitations_listed(survey: Survey, *, stage: str = "", state: str = "") -> InvitationList:
    """A stage of the funnel lists the invitations it counts; else one state; else all of them, and neither
    stage nor state is kept."""
    invitations = survey.invitations.select_related("respondent").order_by("respondent__name")
    if stage in workflow.FUNNEL_STATES:
        return InvitationList(
            invitations.filter(state__in=workflow.FUNNEL_STATES[stage]), stage, state, f"stage={stage}"
        )
    if state in Invitation.State.values:
        return InvitationList(invitations.filter(state=state), stage, state, f"state={state}")
    return InvitationList(invitations)


def uninvited_count(survey: Survey) -> int:
    return survey.respondents.filter(invitation__isnull=True).count()


def invitation_of(survey: Survey, pk: Any) -> Invitation:
    """An invitation of this survey; 404 for any other."""
    return get_object_or_404(Invitation, survey=survey, pk=access.posted_id(pk))


def exports_of(survey: Survey, *, coarse_only: bool = False) -> QuerySet[SurveyExport]:
    """The survey's background exports, newest first, with who asked for them; with `coarse_only`, those written
    for readers who do not hold the rows (see `holds_the_rows`)."""
    exports = survey.exports.select_related("requested_by")
    return exports.filter(coarse=True) if coarse_only else exports
