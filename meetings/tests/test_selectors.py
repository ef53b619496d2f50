"""The meetings selectors: who may open what (the access functions' answers) and what each list shows whom,
with a second, private partnership whose every record must stay out of sight."""

from __future__ import annotations

import datetime as dt
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from meetings import selectors, services
from meetings.models import Meeting, MeetingDocument, Registration
from meetings.tests.factories import MeetingDocumentFactory, MeetingFactory, RegistrationFactory
from partnership.access import SignInRequired
from partnership.models import Membership
from partnership.selectors import person_for
from partnership.tests.factories import PartnershipFactory, PersonFactory, UserFactory, member_user
from partnership.tokens import token_hash

pytestmark = pytest.mark.django_db
State = Meeting.State
RegState = Registration.State
Vis = MeetingDocument.Visibility
ANONYMOUS = AnonymousUser()


@pytest.fixture
def private():
    """A second partnership, not public, with a public-flagged meeting, a draft, a registration and a document."""
    partnership = PartnershipFactory(name="Private partnership", is_public=False)
    meeting = MeetingFactory(partnership=partnership, title="Private meeting", is_public=True)
    MeetingFactory(partnership=partnership, title="Private draft", state=State.DRAFT)
    RegistrationFactory(meeting=meeting)
    MeetingDocumentFactory(meeting=meeting, visibility=Vis.PUBLIC)
    return meeting


@pytest.fixture
def private_member(private):
    return member_user(private.partnership, Membership.Role.PARTNER)


@pytest.fixture
def meeting(partnership):
    return MeetingFactory(partnership=partnership, title="Public meeting")


@pytest.fixture
def members_only(partnership):
    return MeetingFactory(partnership=partnership, title="Members-only meeting", is_public=False)


@pytest.fixture
def draft(partnership):
    return MeetingFactory(partnership=partnership, title="Draft meeting", state=State.DRAFT)


def a_session(*registrations: Registration):
    """A session in which a personal link opened these registrations."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[selectors.INVITEE_SESSION_KEY] = [registration.pk for registration in registrations]
    return session


# meeting_access ------------------------------------------------------------------------------


def test_view_returns_a_meeting_the_user_may_see(meeting, members_only, partner, outsider):
    assert selectors.meeting_access(ANONYMOUS, meeting.pk) == meeting
    assert selectors.meeting_access(outsider, meeting.pk, need="view") == meeting
    assert selectors.meeting_access(partner, members_only.pk, need="view") == members_only


@pytest.mark.parametrize(
    ("who", "which"),
    [
        ("anonymous", "members_only"),
        ("outsider", "members_only"),
        ("partner", "draft"),
        ("coordinator", "private"),
        ("anonymous", "private"),
    ],
)
def test_view_of_a_meeting_the_user_may_not_see_is_404(request, who, which):
    user = ANONYMOUS if who == "anonymous" else request.getfixturevalue(who)
    hidden = request.getfixturevalue(which)
    with pytest.raises(Http404):
        selectors.meeting_access(user, hidden.pk, need="view")


def test_meeting_visible_to_says_what_meetings_visible_says(
    meeting, members_only, draft, private, private_member, partner, outsider, coordinator
):
    """The meeting page decides visibility from the meeting and the reader's roles: for every reader and meeting
    (public, members-only, draft, cancelled, a private partnership's public-flagged meeting and its draft), the
    same answer as the query the lists use."""
    MeetingFactory(partnership=meeting.partnership, title="Cancelled", state=State.CANCELLED, is_public=True)
    superuser = UserFactory(is_superuser=True, is_staff=True)
    for user in (ANONYMOUS, partner, outsider, coordinator, private_member, superuser, UserFactory()):
        visible = set(selectors.meetings_visible(user).values_list("pk", flat=True))
        for shown in Meeting.objects.select_related("partnership"):
            assert selectors.meeting_visible_to(user, shown) == (shown.pk in visible), (user, shown)


def test_a_missing_meeting_is_the_same_404(partner):
    with pytest.raises(Http404):
        selectors.meeting_access(partner, 999_999)


def test_the_personal_link_in_the_session_shows_its_meeting_but_never_a_draft(members_only, draft):
    invited = RegistrationFactory(meeting=members_only, state=RegState.INVITED)
    in_draft = RegistrationFactory(meeting=draft, state=RegState.INVITED)
    session = a_session(invited, in_draft)

    assert selectors.meeting_access(ANONYMOUS, members_only.pk, session=session) == members_only
    with pytest.raises(Http404):
        selectors.meeting_access(ANONYMOUS, members_only.pk, session=a_session())
    with pytest.raises(Http404):
        selectors.meeting_access(ANONYMOUS, draft.pk, session=session)


def test_the_personal_link_does_not_open_another_meeting(members_only, partnership):
    other = MeetingFactory(partnership=partnership, is_public=False)
    session = a_session(RegistrationFactory(meeting=members_only))
    with pytest.raises(Http404):
        selectors.meeting_access(ANONYMOUS, other.pk, session=session)


def test_coordinate_returns_the_meeting_to_its_coordinators(meeting, draft, coordinator):
    assert selectors.meeting_access(coordinator, meeting.pk, need="coordinate") == meeting
    assert selectors.meeting_access(coordinator, draft.pk, need="coordinate") == draft


def test_coordinate_refuses_a_member_who_may_see_but_not_coordinate(meeting, partner, outsider):
    for user in (partner, outsider):
        with pytest.raises(PermissionDenied) as refused:
            selectors.meeting_access(user, meeting.pk, need="coordinate")
        assert str(refused.value) == "Only the partnership's coordinators can do this."
        assert not isinstance(refused.value, SignInRequired)


def test_coordinate_hides_what_the_user_may_not_see(members_only, private, outsider, coordinator):
    with pytest.raises(Http404):
        selectors.meeting_access(outsider, members_only.pk, need="coordinate")
    with pytest.raises(Http404):
        selectors.meeting_access(coordinator, private.pk, need="coordinate")


def test_coordinate_sends_a_visitor_to_log_in_before_anything_is_looked_up(meeting, django_assert_num_queries):
    with django_assert_num_queries(0), pytest.raises(SignInRequired):
        selectors.meeting_access(ANONYMOUS, meeting.pk, need="coordinate")
    with pytest.raises(SignInRequired):
        selectors.meeting_access(ANONYMOUS, 999_999, need="coordinate")
    # Even with a personal link in the session: coordinating needs an account.
    session = a_session(RegistrationFactory(meeting=meeting))
    with pytest.raises(SignInRequired):
        selectors.meeting_access(ANONYMOUS, meeting.pk, need="coordinate", session=session)


def test_can_coordinate(meeting, coordinator, partner):
    assert selectors.can_coordinate(coordinator, meeting)
    assert not selectors.can_coordinate(partner, meeting)
    assert not selectors.can_coordinate(ANONYMOUS, meeting)
    assert selectors.can_coordinate(UserFactory(is_superuser=True), meeting)


# registration_access -------------------------------------------------------------------------


def test_registration_access_for_a_member_without_a_registration(meeting, partner):
    assert selectors.registration_access(partner, meeting.pk, session=a_session()) == (meeting, None)


def test_registration_access_returns_the_members_own_registration(meeting, partner):
    own = RegistrationFactory(meeting=meeting, person=person_for(partner))
    assert selectors.registration_access(partner, meeting.pk, session=a_session()) == (meeting, own)


def test_registration_access_puts_the_personal_link_first(meeting, partner):
    RegistrationFactory(meeting=meeting, person=person_for(partner))
    invited = RegistrationFactory(meeting=meeting, state=RegState.INVITED)
    assert selectors.registration_access(partner, meeting.pk, session=a_session(invited)) == (meeting, invited)
    assert selectors.registration_access(ANONYMOUS, meeting.pk, session=a_session(invited)) == (meeting, invited)


def test_registration_access_answers(meeting, members_only, draft, partner, outsider):
    with pytest.raises(SignInRequired):
        selectors.registration_access(ANONYMOUS, meeting.pk, session=a_session())
    with pytest.raises(PermissionDenied) as refused:
        selectors.registration_access(outsider, meeting.pk, session=a_session())
    assert str(refused.value) == "Only invited people and members of the partnership can register."
    with pytest.raises(PermissionDenied, match="Only invited people"):
        selectors.registration_access(UserFactory(), meeting.pk, session=a_session())
    for user, hidden in ((outsider, members_only), (partner, draft)):
        with pytest.raises(Http404):
            selectors.registration_access(user, hidden.pk, session=a_session())
    # A visitor without a personal link is asked to log in whether the meeting exists or not (a guessed id
    # tells nothing); a signed-in user is told it does not exist.
    with pytest.raises(SignInRequired):
        selectors.registration_access(ANONYMOUS, 999_999, session=a_session())
    with pytest.raises(Http404):
        selectors.registration_access(outsider, 999_999, session=a_session())


# document_access -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("anonymous", {Vis.PUBLIC}),
        ("outsider", {Vis.PUBLIC}),
        ("partner", {Vis.PUBLIC, Vis.MEMBERS}),
        ("coordinator", {Vis.PUBLIC, Vis.MEMBERS, Vis.COORDINATORS}),
    ],
)
def test_document_access_follows_the_documents_visibility(request, meeting, who, allowed):
    user = ANONYMOUS if who == "anonymous" else request.getfixturevalue(who)
    for visibility in Vis.values:
        document = MeetingDocumentFactory(meeting=meeting, visibility=visibility)
        if visibility in allowed:
            assert selectors.document_access(user, document.pk) == document
        else:
            with pytest.raises(Http404):
                selectors.document_access(user, document.pk)


def test_document_access_needs_the_meeting_to_be_visible(members_only, private, private_member):
    public_paper = MeetingDocumentFactory(meeting=members_only, visibility=Vis.PUBLIC)
    with pytest.raises(Http404):
        selectors.document_access(ANONYMOUS, public_paper.pk)
    session = a_session(RegistrationFactory(meeting=members_only))
    assert selectors.document_access(ANONYMOUS, public_paper.pk, session=session) == public_paper
    private_paper = private.documents.get()
    with pytest.raises(Http404):
        selectors.document_access(ANONYMOUS, private_paper.pk)
    assert selectors.document_access(private_member, private_paper.pk) == private_paper


# Personal links and calendar feeds ------------------------------------------------------------------


def test_personal_link_access_opens_a_working_link_only(meeting):
    services.meeting_invite(meeting=meeting, people=[PersonFactory()], by=None)
    registration = meeting.registrations.get()
    raw = "a-known-token"
    Registration.objects.filter(pk=registration.pk).update(token_hash=token_hash(raw))
    assert selectors.personal_link_access(raw) == registration
    with pytest.raises(Http404):
        selectors.personal_link_access("guessed")
    Meeting.objects.filter(pk=meeting.pk).update(registration_deadline=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(Http404):
        selectors.personal_link_access(raw)


@pytest.mark.parametrize(("state", "works"), [(State.DRAFT, False), (State.CANCELLED, False), (State.ANNOUNCED, True)])
def test_personal_links_work_only_for_meetings_open_to_invitees(state, works):
    assert selectors.personal_link_works(MeetingFactory(state=state)) is works


def test_calendar_feed_access_and_the_feeds_page(partner):
    person = person_for(partner)
    token = services.calendar_feed_create(person=person, by=None)
    feed = selectors.calendar_feed_access(token)
    assert feed.person == person
    services.calendar_feed_revoke(feed=feed, by=None)
    with pytest.raises(Http404):
        selectors.calendar_feed_access(token)

    assert selectors.calendar_feeds_access(partner) == person
    with pytest.raises(SignInRequired):
        selectors.calendar_feeds_access(ANONYMOUS)
    with pytest.raises(PermissionDenied, match="not linked to a person"):
        selectors.calendar_feeds_access(UserFactory())
    with pytest.raises(Http404):
        selectors.calendar_feed_of(person=PersonFactory(), pk=feed.pk)
    assert selectors.calendar_feed_of(person=person, pk=feed.pk) == feed


def test_calendar_feed_meetings_leave_out_drafts_and_what_the_person_withdrew_from():
    person = PersonFactory()
    holding = RegistrationFactory(person=person, state=RegState.REGISTERED).meeting
    invited = RegistrationFactory(person=person, state=RegState.INVITED).meeting
    RegistrationFactory(person=person, state=RegState.DECLINED)
    RegistrationFactory(person=person, meeting=MeetingFactory(state=State.DRAFT))
    token = services.calendar_feed_create(person=person, by=None)

    meetings, with_join_link = selectors.calendar_feed_meetings(selectors.calendar_feed_access(token))

    assert set(meetings) == {holding, invited}
    assert with_join_link == {holding.pk}


# Lists, scoped ------------------------------------------------------------------------------------


def titles(meetings) -> set[str]:
    return {meeting.title for meeting in meetings}


def test_meeting_list_keeps_the_private_partnership_to_its_members(
    meeting, members_only, draft, private, private_member, partner, outsider, coordinator
):
    shown = {
        "anonymous": titles(selectors.meeting_list(user=ANONYMOUS, past=False)),
        "outsider": titles(selectors.meeting_list(user=outsider, past=False)),
        "partner": titles(selectors.meeting_list(user=partner, past=False)),
        "coordinator": titles(selectors.meeting_list(user=coordinator, past=False)),
        "private member": titles(selectors.meeting_list(user=private_member, past=False)),
    }
    assert shown == {
        "anonymous": {"Public meeting"},
        "outsider": {"Public meeting"},
        "partner": {"Public meeting", "Members-only meeting"},
        "coordinator": {"Public meeting", "Members-only meeting", "Draft meeting"},
        "private member": {"Public meeting", "Private meeting"},
    }


def test_meeting_list_splits_past_from_upcoming(partnership):
    MeetingFactory(partnership=partnership, title="Upcoming")
    past = MeetingFactory(
        partnership=partnership,
        title="Past",
        starts_at=timezone.now() - dt.timedelta(days=30),
        ends_at=timezone.now() - dt.timedelta(days=29),
        registration_deadline=None,
        state=State.HELD,
    )
    assert titles(selectors.meeting_list(user=ANONYMOUS, past=False)) == {"Upcoming"}
    assert list(selectors.meeting_list(user=ANONYMOUS, past=True)) == [past]


def test_meetings_coordinated_are_only_the_coordinators_partnerships(meeting, draft, private, coordinator, partner):
    assert set(selectors.meetings_coordinated(coordinator)) == {meeting, draft}
    assert not selectors.meetings_coordinated(partner).exists()


def test_linked_meetings_show_only_what_the_user_may_see(meeting, private, private_member, partner):
    meeting.linked_meetings.add(private)
    assert selectors.linked_meetings_visible(user=partner, meeting=meeting) == []
    assert selectors.linked_meetings_visible(user=private_member, meeting=meeting) == [private]


def test_registrations_open_for_leave_out_other_people_drafts_and_cancelled_meetings(partner, meeting, private):
    person = person_for(partner)
    mine = RegistrationFactory(meeting=meeting, person=person)
    RegistrationFactory(meeting=MeetingFactory(state=State.CANCELLED), person=person)
    RegistrationFactory(meeting=MeetingFactory(state=State.DRAFT), person=person)
    assert list(selectors.registrations_open_for(partner)) == [mine]
    assert not selectors.registrations_open_for(ANONYMOUS).exists()


def test_people_to_invite_are_of_the_meetings_partnership(meeting, private, partner, coordinator, private_member):
    invitable = set(selectors.people_to_invite(meeting))
    assert invitable == {person_for(partner), person_for(coordinator)}
    by_role = set(selectors.people_with_roles(meeting=meeting, roles=[Membership.Role.PARTNER]))
    assert by_role == {person_for(partner)}


def test_check_in_list_and_counts(meeting):
    aino = RegistrationFactory(meeting=meeting, person=PersonFactory(name="Aino Virtanen"))
    waiting = RegistrationFactory(
        meeting=meeting, person=PersonFactory(name="Claire Martin"), state=RegState.WAITLISTED
    )
    RegistrationFactory(meeting=meeting, state=RegState.DECLINED)
    RegistrationFactory(meeting=meeting, state=RegState.INVITED)
    RegistrationFactory(meeting=meeting, state=RegState.ATTENDED)

    assert len(selectors.check_in_list(meeting=meeting)) == 3
    assert list(selectors.check_in_list(meeting=meeting, query="aino")) == [aino]
    assert waiting in selectors.check_in_list(meeting=meeting, query=waiting.person.organisation.name)
    assert selectors.attended_count(meeting) == 1
    counts = dict(selectors.registration_counts(meeting))
    assert (counts["Registered"], counts["Waitlisted"], counts["Declined"], counts["Confirmed"]) == (1, 1, 1, 0)
    assert len(counts) == len(RegState.values)


def test_meeting_history_names_the_states(draft, coordinator):
    services.meeting_transition(meeting=draft, to_state=State.ANNOUNCED, by=coordinator)
    ((change, from_label, to_label),) = selectors.meeting_history(draft)
    assert (change.by, from_label, to_label) == (coordinator, "Draft", "Announced")
