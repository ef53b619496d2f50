"""Demo long list: the actions collected at the Florence Teaser Session and what became of them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import OuterRef, Subquery

from actions.models import (
    Action,
    ActionDocument,
    ActionEvent,
    FundingOpportunity,
    GroupOutcome,
    Milestone,
    Support,
    WorkingGroup,
)
from meetings.models import AgendaItem, Meeting
from partnership.models import Organisation, Partnership

UPD = "Urban planning and design"
TECH = "Technology for smart and secure cities"
MAN = "Managing security and sharing public space"
REG, FUND, KNOW = "Better regulation", "Better funding", "Better knowledge"

# title, priority area, pillar, level, proposed by (short name), problem
TEASER = [
    (
        "Security by design guidance for public spaces",
        UPD,
        KNOW,
        "eu",
        "Nice",
        "Planners lack practical guidance on integrating security into the design of public spaces.",
    ),
    (
        "Handbook on designing out crime in public squares",
        UPD,
        KNOW,
        "local",
        "Mechelen",
        "Cities redesign squares without knowing which design choices prevent crime.",
    ),
    (
        "Protecting soft targets through urban design",
        UPD,
        REG,
        "eu",
        "Madrid",
        "Soft targets are protected with ad hoc barriers that harm the quality of public space.",
    ),
    (
        "Integrating security in urban regeneration funding criteria",
        UPD,
        FUND,
        "eu",
        "Tuscany",
        "Regeneration funds rarely reward projects that build in security from the start.",
    ),
    (
        "Participatory safety audits of neighbourhoods",
        UPD,
        KNOW,
        "local",
        "Helsinki",
        "Residents' experience of safety is missing from planning decisions.",
    ),
    (
        "Women's safety walks as a planning tool",
        UPD,
        KNOW,
        "local",
        "Riga",
        "The safety needs of women and girls are under-represented in planning.",
    ),
    (
        "Lighting strategies for safe and sustainable streets",
        UPD,
        KNOW,
        "local",
        "Michalovce",
        "Street lighting is planned for energy savings without considering perceived safety.",
    ),
    (
        "Safety assessment in the Environmental Impact Assessment",
        UPD,
        REG,
        "national",
        "MGIPU",
        "National planning law does not ask for a safety assessment of large urban projects.",
    ),
    (
        "Guidelines for hostile vehicle mitigation that respects public space",
        UPD,
        REG,
        "eu",
        "Nice",
        "Anti-ramming barriers are installed without design standards.",
    ),
    (
        "Ethical framework for video surveillance in cities",
        TECH,
        REG,
        "eu",
        "Efus",
        "Cities adopt surveillance technology without an ethical and legal framework.",
    ),
    (
        "Data protection guidance for smart city safety projects",
        TECH,
        REG,
        "eu",
        "DG HOME",
        "Uncertainty about GDPR blocks useful data sharing between city services.",
    ),
    (
        "Procurement of security technology: a buyers' guide for cities",
        TECH,
        FUND,
        "local",
        "Madrid",
        "Small cities buy security technology without the expertise to assess it.",
    ),
    (
        "Testbed for innovative security solutions in public spaces",
        TECH,
        FUND,
        "eu",
        "JRC",
        "Innovative solutions are not tested in real urban conditions before procurement.",
    ),
    (
        "Artificial intelligence in video analytics: assessing the risks",
        TECH,
        KNOW,
        "eu",
        "JRC",
        "The risks of AI-based video analytics for fundamental rights are not assessed.",
    ),
    (
        "Ethics of video surveillance: a charter for cities",
        TECH,
        REG,
        "local",
        "Turin",
        "There is no shared charter on the ethical use of cameras in public space.",
    ),
    (
        "Crowd management apps for large events",
        TECH,
        KNOW,
        "local",
        "Piraeus",
        "Cities lack tools to monitor crowd density at large events.",
    ),
    (
        "Sharing data on incidents in public transport hubs",
        TECH,
        KNOW,
        "regional",
        "Florence",
        "Incident data in transport hubs is scattered across operators.",
    ),
    (
        "Capacity-building for local security practitioners",
        MAN,
        KNOW,
        "eu",
        "Efus",
        "Local practitioners have few opportunities to learn from peers across Europe.",
    ),
    (
        "Training programme for municipal police on public space management",
        MAN,
        KNOW,
        "local",
        "Mechelen",
        "Municipal police receive little training on managing shared public space.",
    ),
    (
        "Exchange programme for city security officers",
        MAN,
        KNOW,
        "eu",
        "Riga",
        "Security officers rarely see how other cities work.",
    ),
    (
        "Local security partnerships with private security providers",
        MAN,
        REG,
        "national",
        "Madrid",
        "Cooperation between public and private security actors is unregulated.",
    ),
    (
        "Managing the night-time economy",
        MAN,
        KNOW,
        "local",
        "Helsinki",
        "Conflicts in the night-time economy are handled case by case.",
    ),
    (
        "Funding local prevention through EU cohesion policy",
        MAN,
        FUND,
        "eu",
        "DG REGIO",
        "Cities do not know how cohesion funds can finance prevention.",
    ),
    (
        "EIB financing for secure and inclusive public spaces",
        MAN,
        FUND,
        "eu",
        "EIB",
        "Security-related investments are rarely bundled into urban loans.",
    ),
    (
        "Involving citizens in the co-production of security",
        MAN,
        KNOW,
        "local",
        "Tuscany",
        "Citizens are treated as recipients rather than co-producers of security.",
    ),
    (
        "Preventing radicalisation in public spaces through social inclusion",
        MAN,
        KNOW,
        "local",
        "Nice",
        "Public spaces can be places of exclusion that feed radicalisation.",
    ),
    (
        "Regional observatory of urban security",
        MAN,
        KNOW,
        "regional",
        "Tuscany",
        "Regions lack shared indicators of urban security.",
    ),
    (
        "National survey of local security needs, repeated in other countries",
        MAN,
        KNOW,
        "national",
        "MGIPU",
        "National and regional actors do not know the security needs of their local authorities.",
    ),
    (
        "Peer learning on managing large public events",
        MAN,
        KNOW,
        "eu",
        "Eurocities",
        "Cities organising large events repeat each other's mistakes.",
    ),
    (
        "Toolkit for multi-agency management of public space",
        MAN,
        KNOW,
        "local",
        "Lisbon",
        "Agencies managing the same square work in silos.",
    ),
]
# (duplicate title, merged into title)
MERGES = [
    ("Handbook on designing out crime in public squares", "Security by design guidance for public spaces"),
    ("Ethics of video surveillance: a charter for cities", "Ethical framework for video surveillance in cities"),
    ("Exchange programme for city security officers", "Capacity-building for local security practitioners"),
]
GUIDANCE_OUTLINE = (
    "Outline of the guidance (draft for partners)",
    """Security by design guidance for public spaces: outline

1. Why security by design: open, inclusive and safe public spaces
2. Assessing vulnerability: the place, its uses, its events
3. Design measures that do not harm openness: planting, street furniture, lighting, levels
4. Temporary measures for events and markets
5. Working together: planners, police, event organisers, residents
6. Cases from partner cities (Nice, Mechelen, Madrid)
""",
)

# title, state, leader, contributors, progress, milestones (title, due, status)
PLAN = [
    (
        "Security by design guidance for public spaces",
        Action.State.IN_IMPLEMENTATION,
        "Nice",
        ["Mechelen", "Madrid", "JRC"],
        60,
        [
            ("Draft guidance reviewed by partners", dt.date(2020, 6, 30), "done"),
            ("Final guidance published", dt.date(2021, 6, 30), "in_progress"),
        ],
    ),
    (
        "Capacity-building for local security practitioners",
        Action.State.IN_IMPLEMENTATION,
        "Efus",
        ["Riga", "Mechelen"],
        40,
        [
            ("Training curriculum", dt.date(2020, 9, 30), "done"),
            ("Three regional trainings", dt.date(2021, 3, 31), "in_progress"),
        ],
    ),
    (
        "Ethical framework for video surveillance in cities",
        Action.State.ADOPTED,
        "Efus",
        ["DG HOME", "Madrid"],
        0,
        [("Expert workshop", dt.date(2021, 2, 28), "planned")],
    ),
    (
        "Funding local prevention through EU cohesion policy",
        Action.State.ADOPTED,
        "DG REGIO",
        ["EIB", "Tuscany"],
        0,
        [],
    ),
    (
        "National survey of local security needs, repeated in other countries",
        Action.State.IN_IMPLEMENTATION,
        "MGIPU",
        ["Tuscany", "Efus"],
        70,
        [
            ("Croatian survey results", dt.date(2019, 9, 30), "done"),
            ("Italian survey", dt.date(2020, 12, 31), "in_progress"),
        ],
    ),
    (
        "Testbed for innovative security solutions in public spaces",
        Action.State.COMPLETED,
        "JRC",
        ["Helsinki", "Piraeus"],
        100,
        [("Testbed report", dt.date(2020, 12, 31), "done")],
    ),
]
DISCUSSION = [
    "Participatory safety audits of neighbourhoods",
    "Lighting strategies for safe and sustainable streets",
    "Managing the night-time economy",
    "Crowd management apps for large events",
]
DROPPED = {"Sharing data on incidents in public transport hubs": "Covered by the Urban Mobility partnership."}


# When the long list's story happened: proposed at the Florence Teaser Session, long-listed on its second day,
# discussed, merged and dropped at the Brussels meeting in October 2019, the Action Plan adopted in 2020.
ACTION_PLAN_ADOPTED = dt.datetime(2020, 12, 15, 12, 0, tzinfo=dt.UTC)


def _event(action: Action, to_state: str, from_state: str, reason: str = "", *, at: dt.datetime) -> None:
    ActionEvent.objects.create(
        action=action,
        kind=ActionEvent.Kind.TRANSITION,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        at=at,
    )


@transaction.atomic
def load_actions(records: dict[str, Any], meetings: dict[str, Meeting]) -> None:
    security: Partnership = records["security"]
    orgs: dict[str, Organisation] = records["organisations"]
    florence = meetings["florence"]
    teaser = AgendaItem.objects.filter(meeting=florence, kind=AgendaItem.Kind.TEASER).first()
    proposed_at = teaser.starts_at if teaser is not None else florence.starts_at
    long_listed_at = florence.starts_at + dt.timedelta(days=1, hours=7)
    discussed_at = meetings["brussels"].starts_at
    areas = {area.name: area for area in security.priority_areas.all()}
    pillars = {pillar.name: pillar for pillar in security.pillars.all()}
    eib, _ = FundingOpportunity.objects.update_or_create(
        partnership=security,
        provider="European Investment Bank",
        programme="Urban loans and framework loans for secure public spaces",
        defaults={"url": "https://www.eib.org", "description": "Presented at the Florence meeting."},
    )
    eib.eligible_priority_areas.set(areas.values())
    actions: dict[str, Action] = {}
    for number, (title, area, pillar, level, owner, problem) in enumerate(TEASER, start=1):
        action, created = Action.objects.get_or_create(
            partnership=security,
            title=title,
            defaults={
                "priority_area": areas[area],
                "pillar": pillars[pillar],
                "level": level,
                "owner": orgs[owner],
                "problem": problem,
                "code": f"A-{number:02d}",
                "origin_meeting": florence,
                "origin_item": teaser,
                "state": Action.State.LONG_LISTED,
                "created_at": proposed_at,
            },
        )
        actions[title] = action
        if created:
            ActionEvent.objects.create(
                action=action,
                kind=ActionEvent.Kind.CREATED,
                to_state=Action.State.PROPOSED,
                reason="Teaser Session, Florence",
                at=proposed_at,
            )
            _event(
                action, Action.State.LONG_LISTED, Action.State.PROPOSED, "Long list, Florence day 2", at=long_listed_at
            )
            if title in DROPPED:
                action.state = Action.State.DROPPED
                action.save(update_fields=["state"])
                _event(action, Action.State.DROPPED, Action.State.LONG_LISTED, DROPPED[title], at=discussed_at)
            if title in DISCUSSION:
                action.state = Action.State.UNDER_DISCUSSION
                action.save(update_fields=["state"])
                _event(action, Action.State.UNDER_DISCUSSION, Action.State.LONG_LISTED, at=discussed_at)
    for duplicate, target in MERGES:
        source = actions[duplicate]
        if source.state != Action.State.MERGED:
            source.state = Action.State.MERGED
            source.merged_into = actions[target]
            source.save(update_fields=["state", "merged_into"])
            ActionEvent.objects.create(
                action=source,
                kind=ActionEvent.Kind.MERGED,
                from_state=Action.State.LONG_LISTED,
                to_state=Action.State.MERGED,
                reason="Near-duplicate, merged by the working group",
                at=discussed_at,
            )
            actions[target].contributors.add(source.owner)
    for title, state, leader, contributors, progress, milestones in PLAN:
        action = actions[title]
        if action.state != state:
            _event(action, state, action.state, "Action Plan adopted", at=ACTION_PLAN_ADOPTED)
            action.state = state
        action.leader = orgs[leader]
        action.progress = progress
        action.timeline = "2020–2021"
        action.save()
        action.contributors.add(*[orgs[short] for short in contributors])
        if "funding" in title.lower() or "EIB" in title:
            action.funding_opportunities.add(eib)
        for milestone_title, due, status in milestones:
            Milestone.objects.update_or_create(
                action=action, title=milestone_title, defaults={"due_on": due, "status": status}
            )
    guidance = actions["Security by design guidance for public spaces"]
    if not guidance.documents.filter(title=GUIDANCE_OUTLINE[0]).exists():
        ActionDocument.objects.create(
            action=guidance,
            title=GUIDANCE_OUTLINE[0],
            visibility=ActionDocument.Visibility.PUBLIC,
            file=ContentFile(GUIDANCE_OUTLINE[1].encode(), name="guidance-outline.txt"),
            content_type="text/plain",
            size=len(GUIDANCE_OUTLINE[1].encode()),
        )
    groups = {}
    for item in AgendaItem.objects.filter(meeting=florence, kind=AgendaItem.Kind.WORKING_GROUP):
        name = item.title.replace("Working group: ", "")
        groups[name], _ = WorkingGroup.objects.update_or_create(
            partnership=security, name=f"Working group {name}", defaults={"session": item}
        )
    for action in actions.values():
        group = groups.get(action.priority_area.name) if action.priority_area else None
        if group is not None:
            outcome = GroupOutcome.Outcome.KEEP
            if action.state == Action.State.MERGED:
                outcome = GroupOutcome.Outcome.MERGE
            elif action.state == Action.State.DROPPED:
                outcome = GroupOutcome.Outcome.DROP
            GroupOutcome.objects.get_or_create(
                group=group, action=action, defaults={"outcome": outcome, "notes": "Discussed on day 2 in Florence."}
            )
            if group.session is not None and action.state != Action.State.MERGED:
                action.discussed_at.add(group.session)
    # Each action of the story was last changed at its last event, not on the day the demo was loaded.
    last_event = ActionEvent.objects.filter(action=OuterRef("pk")).order_by("-at").values("at")[:1]
    Action.objects.filter(pk__in=[action.pk for action in actions.values()]).update(updated_at=Subquery(last_event))
    for title in DISCUSSION:
        for short, rating in (("Helsinki", 5), ("Nice", 4), ("Tuscany", 3)):
            Support.objects.get_or_create(action=actions[title], organisation=orgs[short], defaults={"rating": rating})
    Action.objects.get_or_create(
        partnership=security,
        title="Mapping of safe routes to school",
        defaults={
            "priority_area": areas[UPD],
            "pillar": pillars[KNOW],
            "level": "local",
            "owner": orgs["Helsinki"],
            "problem": "Parents and children feel unsafe on some routes to school.",
            "state": Action.State.DRAFT,
        },
    )
