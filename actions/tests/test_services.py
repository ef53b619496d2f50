import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from actions import services, workflow
from actions.models import Action, ActionEvent, Comment, Support
from actions.tests.factories import (
    ActionFactory,
    CommentFactory,
    MilestoneFactory,
    SupportFactory,
    member_organisation,
    organisation_of,
)
from partnership.models import AuditLog, OutboundMessage
from partnership.tests.factories import PartnershipFactory, PersonFactory, PriorityAreaFactory

pytestmark = pytest.mark.django_db

State = Action.State
ALL_STATES = list(State.values)
ALLOWED = [(source, target) for source in ALL_STATES for target in workflow.TRANSITIONS[source]]
REFUSED = [
    (source, target)
    for source in ALL_STATES
    for target in ALL_STATES
    if target not in workflow.TRANSITIONS[source] and target != State.MERGED
]


def events(action, kind=ActionEvent.Kind.TRANSITION):
    return list(ActionEvent.objects.filter(action=action, kind=kind))


# The workflow


@pytest.mark.parametrize(("from_state", "to_state"), ALLOWED)
def test_allowed_transition_moves_the_action_and_records_who_when_why(partnership, coordinator, from_state, to_state):
    action = ActionFactory(partnership=partnership, state=from_state, code="A-01")
    before = timezone.now()

    services.action_transition(action=action, to_state=to_state, by=coordinator, reason="Agreed on day 2")

    action.refresh_from_db()
    assert action.state == to_state
    [event] = events(action)
    assert (event.from_state, event.to_state) == (from_state, to_state)
    assert event.by == coordinator
    assert event.reason == "Agreed on day 2"
    assert before <= event.at <= timezone.now()
    assert AuditLog.objects.filter(verb="transition", object_id=str(action.pk), actor=coordinator).exists()


@pytest.mark.parametrize(("from_state", "to_state"), REFUSED)
def test_refused_transition_raises_a_clear_message_and_changes_nothing(partnership, coordinator, from_state, to_state):
    action = ActionFactory(partnership=partnership, state=from_state)

    with pytest.raises(ValidationError) as refused:
        services.action_transition(action=action, to_state=to_state, by=coordinator, reason="because")

    assert refused.value.messages == [
        f"An action cannot go from “{State(from_state).label}” to “{State(to_state).label}”."
    ]
    action.refresh_from_db()
    assert action.state == from_state
    assert events(action) == []


@pytest.mark.parametrize("from_state", ALL_STATES)
def test_merging_through_a_transition_is_refused_and_points_to_merge(partnership, coordinator, from_state):
    action = ActionFactory(partnership=partnership, state=from_state)

    with pytest.raises(ValidationError, match="Use merge"):
        services.action_transition(action=action, to_state=State.MERGED, by=coordinator)

    action.refresh_from_db()
    assert action.state == from_state


def test_every_state_has_its_transitions_declared():
    assert set(workflow.TRANSITIONS) == set(ALL_STATES)
    assert all(workflow.TRANSITIONS[state] == () for state in workflow.CLOSED)


def test_an_unknown_state_is_refused_with_a_message(partnership, coordinator):
    action = ActionFactory(partnership=partnership, state=State.PROPOSED)

    with pytest.raises(ValidationError, match="cannot go from"):
        services.action_transition(action=action, to_state="shelved", by=coordinator)


@pytest.mark.parametrize(
    ("from_state", "to_state"),
    [(State.PROPOSED, State.DROPPED), (State.SELECTED, State.DROPPED), (State.LONG_LISTED, State.WITHDRAWN)],
)
@pytest.mark.parametrize("reason", ["", "   "])
def test_dropping_and_withdrawing_need_a_reason(partnership, coordinator, from_state, to_state, reason):
    action = ActionFactory(partnership=partnership, state=from_state)

    with pytest.raises(ValidationError) as refused:
        services.action_transition(action=action, to_state=to_state, by=coordinator, reason=reason)

    assert refused.value.message_dict == {"reason": ["Give a reason; the proposers will read it."]}
    action.refresh_from_db()
    assert action.state == from_state
    assert events(action) == []


def test_long_listing_assigns_the_next_code(partnership, coordinator):
    for code in ("A-07", "A-3", "B-99", "A-x"):
        ActionFactory(partnership=partnership, code=code, state=State.LONG_LISTED)
    ActionFactory(partnership=PartnershipFactory(), code="A-50", state=State.LONG_LISTED)
    first = ActionFactory(partnership=partnership, state=State.PROPOSED)
    second = ActionFactory(partnership=partnership, state=State.PROPOSED)

    services.action_transition(action=first, to_state=State.LONG_LISTED, by=coordinator)
    services.action_transition(action=second, to_state=State.LONG_LISTED, by=coordinator)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.code, second.code) == ("A-08", "A-09")


def test_long_listing_keeps_an_existing_code_and_never_reuses_a_dropped_one(partnership, coordinator):
    coded = ActionFactory(partnership=partnership, state=State.PROPOSED, code="A-05")
    services.action_transition(action=coded, to_state=State.LONG_LISTED, by=coordinator)
    services.action_transition(action=coded, to_state=State.DROPPED, by=coordinator, reason="Out of scope")
    fresh = ActionFactory(partnership=partnership, state=State.PROPOSED)

    services.action_transition(action=fresh, to_state=State.LONG_LISTED, by=coordinator)

    coded.refresh_from_db()
    fresh.refresh_from_db()
    assert coded.code == "A-05"
    assert fresh.code == "A-06"


def test_the_first_long_listed_action_is_a_01(partnership, coordinator):
    action = ActionFactory(partnership=partnership, state=State.PROPOSED)

    services.action_transition(action=action, to_state=State.LONG_LISTED, by=coordinator)

    action.refresh_from_db()
    assert action.code == "A-01"


def test_opening_discussion_reopens_the_support_round(partnership, coordinator):
    action = ActionFactory(partnership=partnership, state=State.LONG_LISTED, support_closed=True)

    services.action_transition(action=action, to_state=State.UNDER_DISCUSSION, by=coordinator)

    action.refresh_from_db()
    assert action.support_closed is False


# Creating and editing


def test_create_saves_a_draft_with_a_created_event(partnership, area, partner):
    organisation = organisation_of(partner)
    contributor = member_organisation(partnership)

    action = services.action_create(
        partnership=partnership,
        owner=organisation,
        by=partner,
        title="Safety audits",
        problem="Residents are not heard.",
        priority_area=area,
        contributors=[contributor],
    )

    assert action.state == State.DRAFT
    assert action.created_by == partner
    assert list(action.contributors.all()) == [contributor]
    [event] = events(action, ActionEvent.Kind.CREATED)
    assert (event.by, event.to_state) == (partner, State.DRAFT)
    assert OutboundMessage.objects.count() == 0


def test_create_and_submit_proposes_it_at_once_without_mail(partnership, area, partner):
    action = services.action_create(
        partnership=partnership,
        owner=organisation_of(partner),
        by=partner,
        submit=True,
        title="Safety audits",
        problem="Residents are not heard.",
        priority_area=area,
    )

    assert action.state == State.PROPOSED
    [event] = events(action)
    assert (event.from_state, event.to_state, event.by) == (State.DRAFT, State.PROPOSED, partner)
    assert OutboundMessage.objects.count() == 0


def test_create_refuses_a_priority_area_of_another_partnership(partnership, partner):
    foreign = PriorityAreaFactory(partnership=PartnershipFactory())

    with pytest.raises(ValidationError) as refused:
        services.action_create(
            partnership=partnership,
            owner=organisation_of(partner),
            by=partner,
            title="Safety audits",
            problem="Residents are not heard.",
            priority_area=foreign,
        )

    assert "priority_area" in refused.value.message_dict
    assert not Action.objects.exists()


def test_create_without_required_text_saves_nothing(partnership, area, partner):
    with pytest.raises(ValidationError) as refused:
        services.action_create(
            partnership=partnership,
            owner=organisation_of(partner),
            by=partner,
            submit=True,
            title="",
            problem="",
            priority_area=area,
        )

    assert "title" in refused.value.message_dict
    assert not Action.objects.exists()


def test_a_draft_may_lack_its_problem_and_area_but_is_not_submitted_without_them(partnership, area, partner):
    draft = services.action_create(partnership=partnership, owner=organisation_of(partner), by=partner, title="Idea")
    assert (draft.state, draft.problem, draft.priority_area) == (State.DRAFT, "", None)

    with pytest.raises(ValidationError) as refused:
        services.action_transition(action=draft, to_state=State.PROPOSED, by=partner)
    assert set(refused.value.message_dict) == {"problem", "priority_area"}
    draft.refresh_from_db()
    assert draft.state == State.DRAFT

    with pytest.raises(ValidationError):
        services.action_create(
            partnership=partnership, owner=organisation_of(partner), by=partner, submit=True, title="Half"
        )
    assert Action.objects.count() == 1, "a refused submission saves no draft either"


def test_the_database_refuses_a_submitted_action_without_its_problem(partnership, area, partner):
    from django.db import IntegrityError, transaction

    action = ActionFactory(partnership=partnership, priority_area=area, state=State.PROPOSED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.filter(pk=action.pk).update(problem="")


def test_update_records_the_changes_and_bumps_the_version(partnership, partner):
    action = ActionFactory(partnership=partnership, owner=organisation_of(partner), title="Old title")

    saved = services.action_update(action=action, by=partner, expected_version=1, title="New title")

    assert saved.version == 2
    action.refresh_from_db()
    assert action.title == "New title"
    [event] = events(action, ActionEvent.Kind.EDITED)
    assert event.changes == {"title": ["Old title", "New title"]}
    assert event.by == partner


def test_update_without_changes_records_nothing(partnership, partner):
    action = ActionFactory(partnership=partnership, title="Same")

    services.action_update(action=action, by=partner, expected_version=1, title="Same")

    action.refresh_from_db()
    assert action.version == 1
    assert events(action, ActionEvent.Kind.EDITED) == []


def test_stale_edit_is_refused_and_keeps_the_first_editors_text(partnership, partner, coordinator):
    action = ActionFactory(partnership=partnership, title="Teaser")
    first_read = Action.objects.get(pk=action.pk)
    second_read = Action.objects.get(pk=action.pk)
    assert first_read.version == second_read.version == 1
    contributor = member_organisation(partnership)

    services.action_update(
        action=first_read, by=coordinator, expected_version=first_read.version, title="Coordinator's title"
    )
    with pytest.raises(services.StaleEdit) as stale:
        services.action_update(
            action=second_read,
            by=partner,
            expected_version=second_read.version,
            title="Partner's title",
            problem="Partner's problem",
            contributors=[contributor],
        )

    assert stale.value.action.title == "Coordinator's title"
    assert stale.value.action.version == 2
    action.refresh_from_db()
    assert (action.title, action.version) == ("Coordinator's title", 2)
    assert action.problem != "Partner's problem"
    assert list(action.contributors.all()) == []
    assert [event.by for event in events(action, ActionEvent.Kind.EDITED)] == [coordinator]


def test_an_admin_edit_moves_the_version_on_and_records_the_fields_it_changed(partnership, coordinator):
    action = ActionFactory(partnership=partnership, title="Teaser title", code="A-01")
    contributor = member_organisation(partnership, name="Eurocities")
    edited = Action.objects.get(pk=action.pk)
    edited.title, edited.code = "Coordinator's title", "A-07"

    services.action_admin_save(
        action=edited,
        by=coordinator,
        changed=["title", "code", "contributors"],
        many={"contributors": ([], [contributor])},
    )

    action.refresh_from_db()
    assert (action.title, action.code, action.version) == ("Coordinator's title", "A-07", 2)
    [event] = events(action, ActionEvent.Kind.EDITED)
    assert (event.by, event.changes) == (
        coordinator,
        {
            "title": ["Teaser title", "Coordinator's title"],
            "code": ["A-01", "A-07"],
            "contributors": [[], ["Eurocities"]],
        },
    )
    assert AuditLog.objects.filter(verb="update", object_id=str(action.pk)).exists()


def test_an_admin_save_without_changes_or_of_a_new_action_enters_no_edit(partnership, coordinator):
    action = ActionFactory(partnership=partnership)
    new = Action(partnership=partnership, owner=action.owner, title="Added in the admin", state=State.DRAFT)

    services.action_admin_save(action=action, by=coordinator)
    services.action_admin_save(action=new, by=coordinator, changed=["title"])

    action.refresh_from_db()
    assert (action.version, new.version) == (1, 1)
    assert not ActionEvent.objects.exists()
    assert AuditLog.objects.filter(verb="create", object_id=str(new.pk)).exists()


def test_update_refuses_fields_outside_the_text(partnership, partner):
    action = ActionFactory(partnership=partnership)

    with pytest.raises(ValueError, match="state"):
        services.action_update(action=action, by=partner, expected_version=1, state=State.ADOPTED)

    action.refresh_from_db()
    assert action.state == State.PROPOSED


# Merging


@pytest.fixture
def merge_pair(partnership):
    leader = member_organisation(partnership)
    source = ActionFactory(partnership=partnership, state=State.LONG_LISTED, code="A-01", leader=leader)
    target = ActionFactory(partnership=partnership, state=State.LONG_LISTED, code="A-02")
    return source, target


def test_merge_moves_comments_supports_contributors_and_keeps_both_histories(partnership, coordinator, merge_pair):
    source, target = merge_pair
    for action in (source, target):
        action.state = State.UNDER_DISCUSSION
        action.save()
    helper = member_organisation(partnership)
    source.contributors.add(helper)
    source_comments = [CommentFactory(action=source), CommentFactory(action=source)]
    target_comment = CommentFactory(action=target)
    both = member_organisation(partnership)
    only_source = member_organisation(partnership)
    SupportFactory(action=source, organisation=both, rating=5)
    SupportFactory(action=target, organisation=both, rating=2)
    SupportFactory(action=source, organisation=only_source, rating=4)
    ActionEvent.objects.create(action=source, kind=ActionEvent.Kind.CREATED, to_state=State.PROPOSED)
    ActionEvent.objects.create(action=target, kind=ActionEvent.Kind.CREATED, to_state=State.PROPOSED)

    result = services.action_merge(source=source, target=target, by=coordinator, reason="Same idea")

    assert result == target
    source.refresh_from_db()
    assert (source.state, source.merged_into) == (State.MERGED, target)
    assert set(Comment.objects.filter(action=target)) == {*source_comments, target_comment}
    assert not Comment.objects.filter(action=source).exists()
    ratings = dict(Support.objects.filter(action=target).values_list("organisation", "rating"))
    assert ratings == {both.pk: 2, only_source.pk: 4}
    assert not Support.objects.filter(action=source).exists()
    assert set(target.contributors.all()) == {helper, source.owner, source.leader}
    assert [e.kind for e in ActionEvent.objects.filter(action=source).order_by("id")] == ["created", "merged"]
    merged = ActionEvent.objects.get(action=source, kind=ActionEvent.Kind.MERGED)
    assert (merged.by, merged.reason, merged.from_state) == (coordinator, "Same idea", State.UNDER_DISCUSSION)
    assert [e.kind for e in ActionEvent.objects.filter(action=target).order_by("id")] == ["created", "received"]
    target.refresh_from_db()
    assert target.version == 2


def test_merge_notifies_the_merged_actions_organisations(partnership, coordinator, merge_pair):
    source, target = merge_pair

    services.action_merge(source=source, target=target, by=coordinator)

    event = ActionEvent.objects.get(action=source, kind=ActionEvent.Kind.MERGED)
    rows = OutboundMessage.objects.filter(key__startswith=f"action:{source.pk}:event:{event.pk}:")
    recipients = {row.to_email for row in rows}
    assert recipients == {person.email for org in (source.owner, source.leader) for person in org.people.all()}
    assert all(target.code in row.body_text for row in rows)


def test_merge_into_itself_is_refused(coordinator, merge_pair):
    source, _target = merge_pair

    with pytest.raises(ValidationError, match="into itself"):
        services.action_merge(source=source, target=source, by=coordinator)

    source.refresh_from_db()
    assert source.state == State.LONG_LISTED


@pytest.mark.parametrize("closed", [State.MERGED, State.DROPPED, State.WITHDRAWN, State.COMPLETED, State.DRAFT])
def test_merge_into_a_closed_or_draft_action_is_refused(partnership, coordinator, merge_pair, closed):
    source, target = merge_pair
    target.state = closed
    target.save()

    with pytest.raises(ValidationError, match="merge into an open action instead"):
        services.action_merge(source=source, target=target, by=coordinator)

    source.refresh_from_db()
    assert (source.state, source.merged_into) == (State.LONG_LISTED, None)


def test_merge_of_a_merged_action_is_refused(partnership, coordinator, merge_pair):
    source, target = merge_pair
    services.action_merge(source=source, target=target, by=coordinator)
    other = ActionFactory(partnership=partnership, state=State.LONG_LISTED)

    with pytest.raises(ValidationError, match="cannot be merged"):
        services.action_merge(source=source, target=other, by=coordinator)

    source.refresh_from_db()
    assert source.merged_into == target


def test_merge_across_partnerships_is_refused(coordinator, merge_pair):
    source, _target = merge_pair
    foreign = ActionFactory(state=State.LONG_LISTED)

    with pytest.raises(ValidationError, match="same partnership"):
        services.action_merge(source=source, target=foreign, by=coordinator)

    source.refresh_from_db()
    assert source.state == State.LONG_LISTED
    assert not ActionEvent.objects.exists()


def test_the_database_refuses_an_action_merged_into_itself(merge_pair):
    source, _target = merge_pair

    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.filter(pk=source.pk).update(merged_into=source)


# Support, comments, public feedback


@pytest.fixture
def discussed(partnership):
    return ActionFactory(partnership=partnership, state=State.UNDER_DISCUSSION)


@pytest.mark.parametrize("rating", [1, 5])
def test_support_is_recorded_once_per_organisation_and_can_change(discussed, partner, rating):
    organisation = organisation_of(partner)

    services.support_set(action=discussed, organisation=organisation, rating=3, by=partner)
    services.support_set(action=discussed, organisation=organisation, rating=rating, by=partner)

    support = Support.objects.get(action=discussed)
    assert (support.organisation, support.rating, support.by) == (organisation, rating, partner)


@pytest.mark.parametrize("rating", [0, 6, -1])
def test_support_outside_one_to_five_is_refused(discussed, partner, rating):
    with pytest.raises(ValidationError) as refused:
        services.support_set(action=discussed, organisation=organisation_of(partner), rating=rating, by=partner)

    assert "rating" in refused.value.message_dict
    assert not Support.objects.exists()


def test_the_database_keeps_one_support_per_organisation(discussed, partner):
    organisation = organisation_of(partner)
    SupportFactory(action=discussed, organisation=organisation)

    with pytest.raises(IntegrityError), transaction.atomic():
        Support.objects.create(action=discussed, organisation=organisation, rating=2)


@pytest.mark.parametrize("state", [s for s in ALL_STATES if s != State.UNDER_DISCUSSION])
def test_support_is_refused_when_not_under_discussion(partnership, partner, state):
    action = ActionFactory(partnership=partnership, state=state)

    with pytest.raises(ValidationError, match="only while the action is under discussion"):
        services.support_set(action=action, organisation=organisation_of(partner), rating=4, by=partner)

    assert not Support.objects.exists()


def test_support_is_refused_once_the_round_is_closed(discussed, partner, coordinator):
    organisation = organisation_of(partner)
    services.support_set(action=discussed, organisation=organisation, rating=2, by=partner)

    assert services.support_round_close(actions=[discussed], by=coordinator) == 1
    with pytest.raises(ValidationError, match="round is open"):
        services.support_set(action=discussed, organisation=organisation, rating=5, by=partner)

    assert Support.objects.get().rating == 2


def test_comment_is_refused_on_a_draft(partnership, partner):
    draft = ActionFactory(partnership=partnership, state=State.DRAFT)
    person = PersonFactory(organisation=organisation_of(partner))

    with pytest.raises(ValidationError, match="Submit the action"):
        services.comment_add(action=draft, author=person, body="Nice")

    assert not Comment.objects.exists()


def test_comment_is_stored_with_its_author(partnership, partner):
    action = ActionFactory(partnership=partnership, state=State.LONG_LISTED)
    person = partner.person

    comment = services.comment_add(action=action, author=person, body="  We can help.  ")

    assert (comment.action, comment.author, comment.body, comment.is_public_feedback) == (
        action,
        person,
        "We can help.",
        False,
    )


def test_public_feedback_is_accepted_during_consultation(partnership):
    action = ActionFactory(partnership=partnership, state=State.PUBLIC_FEEDBACK)

    comment = services.public_feedback_add(action=action, name=" Ana ", email="ana@example.org", body="Good idea")

    assert (comment.public_name, comment.public_email, comment.is_public_feedback) == ("Ana", "ana@example.org", True)
    assert comment.author_name == "Ana"


@pytest.mark.parametrize("state", [s for s in ALL_STATES if s != State.PUBLIC_FEEDBACK])
def test_public_feedback_is_refused_outside_consultation(partnership, state):
    action = ActionFactory(partnership=partnership, state=state)

    with pytest.raises(ValidationError, match="consultation on this action is closed"):
        services.public_feedback_add(action=action, name="", email="", body="Hello")

    assert not Comment.objects.exists()


# Implementation


def test_progress_update_records_progress_and_milestones(partnership, coordinator):
    milestone = MilestoneFactory(action__partnership=partnership, due_on=dt.date(2030, 1, 1))
    action = milestone.action

    services.progress_update(
        action=action, by=coordinator, progress=40, milestones={milestone.pk: ("in_progress", "Drafting the guide")}
    )

    action.refresh_from_db()
    milestone.refresh_from_db()
    assert action.progress == 40
    assert (milestone.status, milestone.note) == ("in_progress", "Drafting the guide")
    [event] = events(action, ActionEvent.Kind.MILESTONE)
    assert event.changes == {"progress": [0, 40], f"milestone {milestone.title}": ["Planned", "In progress"]}


def test_progress_is_refused_before_adoption_and_out_of_range(partnership, coordinator):
    drafting = ActionFactory(partnership=partnership, state=State.DRAFTING)
    adopted = ActionFactory(partnership=partnership, state=State.ADOPTED)

    with pytest.raises(ValidationError, match="once the action is adopted"):
        services.progress_update(action=drafting, by=coordinator, progress=10, milestones={})
    with pytest.raises(ValidationError):
        services.progress_update(action=adopted, by=coordinator, progress=101, milestones={})

    assert Action.objects.filter(progress=0).count() == 2


# Notifications


@pytest.fixture
def involved(partnership):
    """An action with a proposer, a leader and a contributor, each with a contact; and a bystander."""
    owner = member_organisation(partnership)
    leader = member_organisation(partnership)
    contributor = member_organisation(partnership)
    bystander = member_organisation(partnership)
    action = ActionFactory(
        partnership=partnership, owner=owner, leader=leader, contributors=[contributor], state=State.PROPOSED
    )
    return action, [owner, leader, contributor], bystander


def test_state_change_writes_one_outbox_row_per_contact(involved, coordinator):
    action, organisations, bystander = involved
    # A second person of the proposer who is not its contact in the partnership gets nothing.
    PersonFactory(organisation=organisations[0])

    services.action_transition(action=action, to_state=State.LONG_LISTED, by=coordinator, reason="Fits area 1")

    [event] = events(action)
    rows = {row.key: row for row in OutboundMessage.objects.all()}
    contact_people = [person for org in organisations for person in org.memberships.get().contacts.all()]
    assert len(contact_people) == 3
    assert set(rows) == {f"action:{action.pk}:event:{event.pk}:{person.pk}" for person in contact_people}
    assert {row.to_email for row in rows.values()} == {person.email for person in contact_people}
    assert not {row.to_email for row in rows.values()} & {person.email for person in bystander.people.all()}
    row = next(iter(rows.values()))
    assert action.title in row.subject
    assert "Long-listed" in row.subject
    assert "Fits area 1" in row.body_text
    assert action.get_absolute_url() in row.body_text
    assert row.partnership == action.partnership


def test_without_contacts_the_organisations_people_are_told(partnership, coordinator):
    owner = member_organisation(partnership, contact=False)
    person = PersonFactory(organisation=owner)
    action = ActionFactory(partnership=partnership, owner=owner, state=State.PROPOSED)

    services.action_transition(action=action, to_state=State.DROPPED, by=coordinator, reason="Out of scope")

    [row] = OutboundMessage.objects.all()
    assert row.to_email == person.email
    assert "Out of scope" in row.body_text


def test_an_organisation_without_a_contact_is_told_through_all_its_people(partnership, coordinator):
    owner = member_organisation(partnership)
    owner_colleague = PersonFactory(organisation=owner)
    contributor = member_organisation(partnership, contact=False)
    staff = [PersonFactory(organisation=contributor), PersonFactory(organisation=contributor)]
    action = ActionFactory(partnership=partnership, owner=owner, contributors=[contributor], state=State.PROPOSED)

    services.action_transition(action=action, to_state=State.LONG_LISTED, by=coordinator)

    recipients = set(OutboundMessage.objects.values_list("to_email", flat=True))
    owner_contact = owner.memberships.get().contacts.get()
    assert recipients == {owner_contact.email, *(person.email for person in staff)}
    assert owner_colleague.email not in recipients


def test_erased_people_are_not_told(partnership, coordinator):
    owner = member_organisation(partnership)
    owner.people.update(erased_at=timezone.now())
    action = ActionFactory(partnership=partnership, owner=owner, state=State.PROPOSED)

    services.action_transition(action=action, to_state=State.LONG_LISTED, by=coordinator)

    assert not OutboundMessage.objects.exists()


def test_a_drafts_own_submission_sends_nothing(partnership, partner):
    action = ActionFactory(partnership=partnership, owner=organisation_of(partner), state=State.DRAFT)

    services.action_transition(action=action, to_state=State.PROPOSED, by=partner)

    assert OutboundMessage.objects.count() == 0


def test_every_later_change_is_notified_with_its_own_key(involved, coordinator):
    action, _organisations, _bystander = involved

    services.action_transition(action=action, to_state=State.LONG_LISTED, by=coordinator)
    services.action_transition(action=action, to_state=State.UNDER_DISCUSSION, by=coordinator)

    assert OutboundMessage.objects.count() == 6
    assert {row.key.split(":")[3] for row in OutboundMessage.objects.all()} == {
        str(event.pk) for event in events(action)
    }
