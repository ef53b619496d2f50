"""A partnership with a record of every model the admin shows, each named with a marker, so a test can
tell whether anything of it reaches a page meant for another partnership's coordinator."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db.models import Model
from django.utils import timezone

from actions.models import ActionDocument, ActionEvent, FundingOpportunity, GroupOutcome, Milestone, WorkingGroup
from actions.tests.factories import ActionFactory, CommentFactory
from meetings.models import MeetingDocument, Minutes, ReminderRule, TravelPolicy, TravelRequest
from meetings.tests.factories import AgendaItemFactory, MeetingFactory, RegistrationFactory
from partnership import services
from partnership.models import (
    Announcement,
    AuditLog,
    ConsentRecord,
    Job,
    Membership,
    Notification,
    OutboundMessage,
    Partnership,
)
from partnership.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
    PersonFactory,
    PillarFactory,
    PriorityAreaFactory,
    UserFactory,
)
from surveys.models import NeedLink, SurveyExport
from surveys.tests.factories import ChoiceFactory, QuestionFactory, RespondentFactory, SectionFactory, SurveyFactory


@dataclass
class World:
    """One partnership's records: one of every model, and an organisation's draft action besides."""

    partnership: Partnership
    records: dict[type[Model], Model]
    draft: Model


def plant(marker: str, *, is_public: bool = False) -> World:
    """A partnership named by `marker` and one record of every model in the admin, each showing the marker."""
    partnership: Partnership = PartnershipFactory.create(
        name=f"{marker} Partnership", slug=marker.lower(), is_public=is_public
    )
    area = PriorityAreaFactory.create(partnership=partnership, name=f"{marker} area")
    pillar = PillarFactory.create(partnership=partnership, name=f"{marker} pillar")
    organisation = OrganisationFactory.create(name=f"{marker} City", short_name=f"{marker}C")
    person = PersonFactory.create(organisation=organisation, name=f"{marker} Person")
    membership = MembershipFactory.create(
        partnership=partnership, organisation=organisation, role=Membership.Role.PARTNER
    )
    membership.contacts.add(person)
    consent = ConsentRecord.objects.create(person=person, purpose="directory", given=True, text_version="1")
    message = OutboundMessage.objects.create(
        key=f"{marker}:mail",
        to_email=f"{marker.lower()}@example.org",
        subject=f"{marker} mail",
        body_text=f"{marker} body",
        partnership=partnership,
    )
    job = Job.objects.create(kind=f"{marker}.job", partnership=partnership, key=f"{marker}:job")
    meeting = MeetingFactory.create(partnership=partnership, title=f"{marker} meeting", is_public=is_public)
    item = AgendaItemFactory.create(meeting=meeting, title=f"{marker} session")
    item.speakers.add(person)
    registration = RegistrationFactory.create(meeting=meeting, person=person)
    rule = ReminderRule.objects.filter(meeting=meeting).first() or ReminderRule.objects.create(
        meeting=meeting, days_before=7
    )
    document = MeetingDocument.objects.create(
        meeting=meeting, title=f"{marker} slides", file=ContentFile(b"%PDF-1.4", name="slides.pdf")
    )
    minutes = Minutes.objects.create(meeting=meeting, body=f"<p>{marker} minutes</p>")
    policy = TravelPolicy.objects.create(
        meeting=meeting, offered=True, roles=["partner"], conditions=f"{marker} trains"
    )
    policy.organisations.add(organisation)
    travel = TravelRequest.objects.create(
        registration=registration,
        travelling_from=f"{marker} station",
        arrival=meeting.days[0],
        departure=meeting.days[-1],
    )
    action = ActionFactory.create(
        partnership=partnership, priority_area=area, owner=organisation, title=f"{marker} action"
    )
    draft = ActionFactory.create(
        partnership=partnership, priority_area=area, owner=organisation, title=f"{marker} draft", state="draft"
    )
    milestone = Milestone.objects.create(action=action, title=f"{marker} milestone", due_on=timezone.localdate())
    action_document = ActionDocument.objects.create(
        action=action, title=f"{marker} concept note", file=ContentFile(b"%PDF-1.4", name="note.pdf")
    )
    event = ActionEvent.objects.create(action=action, kind=ActionEvent.Kind.CREATED, reason=f"{marker} reason")
    comment = CommentFactory.create(action=action, body=f"{marker} comment")
    opportunity = FundingOpportunity.objects.create(
        partnership=partnership, provider=f"{marker} fund", programme=f"{marker} programme"
    )
    group = WorkingGroup.objects.create(partnership=partnership, name=f"{marker} group", session=item)
    outcome = GroupOutcome.objects.create(group=group, action=action)
    survey = SurveyFactory.create(partnership=partnership, owner=organisation, title=f"{marker} survey")
    section = SectionFactory.create(survey=survey, title=f"{marker} section", priority_area=area)
    question = QuestionFactory.create(section=section, text=f"{marker} question?", kind="single")
    choice = ChoiceFactory.create(question=question, label=f"{marker} option", value=f"{marker.lower()}-option")
    respondent = RespondentFactory.create(survey=survey, name=f"{marker} respondent", organisation=f"{marker} Town")
    need = NeedLink.objects.create(survey=survey, need=f"{marker} need")
    need.actions.add(action)
    export = SurveyExport.objects.create(survey=survey, format="csv")
    services.audit_record(by=None, verb="update", instance=action, changes={"title": [f"{marker} old", action.title]})
    audit = AuditLog.objects.filter(object_id=str(action.pk), model="actions.action").latest("id")
    reader = UserFactory.create(username=f"{marker.lower()}-reader")
    announcement = Announcement.objects.create(
        partnership=partnership,
        title=f"{marker} announcement",
        body=f"{marker} news",
        audience="All members",
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    announcement.recipients.add(reader)
    notification = Notification.objects.create(
        recipient=reader,
        partnership=partnership,
        kind=Notification.Kind.ANNOUNCEMENT,
        content_type=ContentType.objects.get_for_model(Announcement),
        object_id=announcement.pk,
        title=f"{marker} announcement",
        url="/",
        key=f"announcement:{announcement.pk}",
    )
    records: dict[type[Model], Model] = {
        Partnership: partnership,
        Announcement: announcement,
        Notification: notification,
        type(area): area,
        type(pillar): pillar,
        type(organisation): organisation,
        type(person): person,
        Membership: membership,
        ConsentRecord: consent,
        OutboundMessage: message,
        Job: job,
        AuditLog: audit,
        type(meeting): meeting,
        type(item): item,
        type(registration): registration,
        ReminderRule: rule,
        MeetingDocument: document,
        Minutes: minutes,
        TravelPolicy: policy,
        TravelRequest: travel,
        type(action): action,
        Milestone: milestone,
        ActionDocument: action_document,
        ActionEvent: event,
        type(comment): comment,
        FundingOpportunity: opportunity,
        WorkingGroup: group,
        GroupOutcome: outcome,
        type(survey): survey,
        type(section): section,
        type(question): question,
        type(choice): choice,
        type(respondent): respondent,
        NeedLink: need,
        SurveyExport: export,
    }
    return World(partnership=partnership, records=records, draft=draft)


def coordinator_of(partnership: Partnership, username: str) -> Any:
    """A staff user of a coordinating organisation of the partnership, with the coordinators' permissions."""
    organisation = OrganisationFactory.create(name=f"{partnership.name} coordinating city")
    MembershipFactory.create(
        partnership=partnership,
        organisation=organisation,
        role=Membership.Role.COORDINATOR,
        since=timezone.localdate() - dt.timedelta(days=30),
    )
    user = UserFactory.create(username=username, is_staff=True)
    PersonFactory.create(organisation=organisation, user=user, name=f"{username} person")
    services.coordinator_access_sync(organisation=organisation)
    user.groups.add(Group.objects.get(name=services.COORDINATORS_GROUP))
    return user
