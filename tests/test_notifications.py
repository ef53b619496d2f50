"""Notifications (issue 13): each kind reaches exactly those who may see its object, the bell and the notifications
page show only what the reader may see now, and mail follows each user's choice, with one-click unsubscribe."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actions import services as action_services
from actions.models import Action
from actions.tests.factories import ActionFactory, member_organisation
from meetings import services as meeting_services
from meetings.models import Meeting, Minutes, Registration
from meetings.tests.factories import MeetingFactory, RegistrationFactory
from partnership import notification_selectors, notifications, outbox
from partnership.models import (
    Announcement,
    Membership,
    Notification,
    NotificationPreference,
    Organisation,
    OutboundMessage,
)
from partnership.tests.factories import PartnershipFactory, PersonFactory, UserFactory, member_user
from surveys import services as survey_services
from surveys.models import Survey
from surveys.tests.factories import SurveyFactory

Kind = Notification.Kind
pytestmark = pytest.mark.django_db


def user_in(organisation: Organisation) -> Any:
    user = UserFactory.create()
    PersonFactory.create(organisation=organisation, user=user, email=user.email)
    return user


def told(kind: str) -> set[Any]:
    return {notification.recipient for notification in Notification.objects.filter(kind=kind)}


def a_pdf(name: str = "note.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")


@pytest.fixture
def action_with_people(partnership: Any) -> dict[str, Any]:
    """An action under discussion with a proposer, a leader, a contributor, a follower and a bystander."""
    action = ActionFactory.create(partnership=partnership, state=Action.State.UNDER_DISCUSSION)
    action.leader = member_organisation(partnership)
    action.save()
    contributing = member_organisation(partnership)
    action.contributors.add(contributing)
    people = {
        "action": action,
        "proposer": user_in(action.owner),
        "colleague": user_in(action.owner),
        "leader": user_in(action.leader),
        "contributor": user_in(contributing),
        "follower": member_user(partnership),
        "bystander": member_user(partnership),
        "coordinator": member_user(partnership, Membership.Role.COORDINATOR),
    }
    notifications.follow_set(user=people["follower"], instance=action, following=True)
    return people


# Each kind reaches exactly those who may see it ------------------------------------------------------


def test_a_comment_reaches_who_proposed_leads_contributes_or_follows_and_not_its_author(action_with_people):
    p = action_with_people
    action_services.comment_add(action=p["action"], author=p["colleague"].person, body="We can host a pilot.")

    assert told(Kind.ACTION_COMMENT) == {p["proposer"], p["leader"], p["contributor"], p["follower"]}


def test_a_state_change_and_a_rating_reach_the_same_people_but_not_the_one_who_did_it(action_with_people):
    p = action_with_people
    action_services.support_set(
        action=p["action"], organisation=p["contributor"].person.organisation, rating=4, by=p["contributor"]
    )
    assert told(Kind.ACTION_RATING) == {p["proposer"], p["colleague"], p["leader"], p["follower"]}

    action_services.action_transition(action=p["action"], to_state=Action.State.SELECTED, by=p["coordinator"])
    expected = {p["proposer"], p["colleague"], p["leader"], p["contributor"], p["follower"]}
    assert told(Kind.ACTION_STATE) == expected
    # The same event again writes nothing new.
    assert Notification.objects.filter(kind=Kind.ACTION_STATE).count() == len(expected)


def test_a_document_for_coordinators_only_is_not_notified_to_partners(action_with_people):
    p = action_with_people
    action_services.document_add(
        action=p["action"], by=p["coordinator"], title="Internal note", visibility="coordinators", file=a_pdf()
    )
    assert told(Kind.ACTION_DOCUMENT) == set()
    action_services.document_add(
        action=p["action"], by=p["coordinator"], title="Concept note", visibility="members", file=a_pdf()
    )
    assert told(Kind.ACTION_DOCUMENT) == {p["proposer"], p["colleague"], p["leader"], p["contributor"], p["follower"]}


def test_a_draft_is_told_only_to_its_organisation_and_its_submission_only_to_coordinators(partnership, coordinator):
    action = ActionFactory.create(partnership=partnership, state=Action.State.DRAFT)
    proposer, colleague = user_in(action.owner), user_in(action.owner)
    other_member = member_user(partnership)
    # Somebody else's draft cannot be followed: it is not found.
    client_of_other = _client_for(other_member)
    assert client_of_other.post(reverse("actions:follow", args=[action.pk]), {"following": "1"}).status_code == 404

    action_services.document_add(action=action, by=proposer, title="Draft idea", visibility="members", file=a_pdf())
    assert told(Kind.ACTION_DOCUMENT) == {colleague}

    action_services.action_transition(action=action, to_state=Action.State.PROPOSED, by=proposer)
    assert told(Kind.ACTION_SUBMITTED) == {coordinator}
    assert told(Kind.ACTION_STATE) == set()


def test_public_feedback_reaches_the_coordinators(action_with_people):
    p = action_with_people
    action = p["action"]
    Action.objects.filter(pk=action.pk).update(state=Action.State.PUBLIC_FEEDBACK)
    action.refresh_from_db()
    action_services.public_feedback_add(action=action, name="Ana", email="ana@example.org", body="Good idea.")

    assert told(Kind.ACTION_FEEDBACK) == {p["coordinator"]}


def test_a_meeting_is_told_to_its_invitees_and_followers_but_not_to_who_declined(partnership, coordinator, outsider):
    meeting = MeetingFactory.create(partnership=partnership, state=Meeting.State.DRAFT, is_public=False)
    invited, registered, declined = member_user(partnership), member_user(partnership), member_user(partnership)
    follower = member_user(partnership)
    RegistrationFactory.create(meeting=meeting, person=invited.person, state=Registration.State.INVITED)
    RegistrationFactory.create(meeting=meeting, person=registered.person, state=Registration.State.REGISTERED)
    RegistrationFactory.create(meeting=meeting, person=declined.person, state=Registration.State.DECLINED)
    # An outsider invited by mistake may not see a meeting of a partnership they are not in.
    RegistrationFactory.create(meeting=meeting, person=outsider.person, state=Registration.State.INVITED)
    notifications.follow_set(user=follower, instance=meeting, following=True)
    expected = {invited, registered, follower}

    meeting_services.meeting_transition(meeting=meeting, to_state=Meeting.State.ANNOUNCED, by=coordinator)
    assert told(Kind.MEETING_ANNOUNCED) == expected
    meeting.refresh_from_db()
    meeting_services.meeting_reschedule(
        meeting=meeting,
        starts_at=meeting.starts_at + datetime.timedelta(days=7),
        ends_at=meeting.ends_at + datetime.timedelta(days=7),
        by=coordinator,
    )
    assert told(Kind.MEETING_RESCHEDULED) == expected
    meeting_services.document_add(
        meeting=meeting, by=coordinator, title="Agenda", kind="agenda", visibility="members", file=a_pdf()
    )
    assert told(Kind.MEETING_DOCUMENT) == expected
    meeting_services.meeting_cancel(meeting=meeting, by=coordinator, reason="The venue is closed.")
    assert told(Kind.MEETING_CANCELLED) == expected


def test_published_minutes_are_told_to_the_invitees(partnership, coordinator):
    meeting = MeetingFactory.create(partnership=partnership, state=Meeting.State.HELD)
    attended = member_user(partnership)
    RegistrationFactory.create(meeting=meeting, person=attended.person, state=Registration.State.ATTENDED)
    Minutes.objects.create(meeting=meeting, body="<p>Decisions</p>")

    meeting_services.meeting_transition(meeting=meeting, to_state=Meeting.State.MINUTES_PUBLISHED, by=coordinator)

    assert told(Kind.MEETING_MINUTES) == {attended}


def test_published_survey_results_reach_the_partnerships_members_only(partnership, coordinator, partner, outsider):
    survey = SurveyFactory.create(partnership=partnership, state=Survey.State.CLOSED)

    survey_services.survey_transition(survey=survey, to_state=Survey.State.RESULTS_PUBLISHED, by=coordinator)

    assert partner in told(Kind.SURVEY_RESULTS)
    assert coordinator not in told(Kind.SURVEY_RESULTS) and outsider not in told(Kind.SURVEY_RESULTS)


# What the reader may see now ---------------------------------------------------------------------


def _client_for(user: Any) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_a_notification_about_a_private_partnership_one_has_left_is_neither_listed_nor_counted():
    private = PartnershipFactory.create(is_public=False)
    action = ActionFactory.create(partnership=private, state=Action.State.PROPOSED)
    proposer = user_in(action.owner)
    action_services.comment_add(action=action, author=PersonFactory.create(organisation=action.owner), body="Hi")
    assert notification_selectors.unread_count(proposer) == 1

    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Membership.objects.filter(partnership=private).update(since=yesterday, until=yesterday)
    notification_selectors.unread_forget([proposer.pk])

    assert notification_selectors.unread_count(proposer) == 0
    response = _client_for(proposer).get(reverse("notifications"))
    assert action.title not in response.content.decode()


def test_the_bell_counts_unread_in_one_query_and_none_once_counted(client, action_with_people):
    p = action_with_people
    action_services.comment_add(action=p["action"], author=p["colleague"].person, body="First")
    client.force_login(p["proposer"])

    page = client.get(reverse("home")).content.decode()
    assert 'href="/notifications/"' in page and ' data-unread="1">' in page
    with CaptureQueriesContext(connection) as queries:
        assert notification_selectors.unread_count(p["proposer"]) == 1
    assert len(queries) == 0
    # Not cached, it is one query, whatever the kinds of objects notified.
    notification_selectors.unread_forget([p["proposer"].pk])
    with CaptureQueriesContext(connection) as queries:
        assert notification_selectors.unread_count(p["proposer"]) == 1
    assert len(queries) == 1

    action_services.comment_add(action=p["action"], author=p["colleague"].person, body="Second")
    assert notification_selectors.unread_count(p["proposer"]) == 2


def test_a_visitor_has_no_bell_and_no_notifications_page(client):
    assert 'href="/notifications/"' not in client.get(reverse("home")).content.decode()
    response = client.get(reverse("notifications"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_notifications_page_pages_marks_read_and_ignores_anothers_ids(
    action_with_people, django_assert_max_num_queries
):
    p = action_with_people
    for number in range(30):
        action_services.comment_add(action=p["action"], author=p["colleague"].person, body=f"Comment {number}")
    client = _client_for(p["proposer"])

    with django_assert_max_num_queries(12):
        first = client.get(reverse("notifications"))
    assert first.content.decode().count("notification-unread") == 25
    second = client.get(reverse("notifications"), {"page": 2})
    assert second.content.decode().count("notification-unread") == 5

    theirs = Notification.objects.filter(recipient=p["leader"]).first()
    assert theirs is not None
    client.post(reverse("notifications"), {"notification": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.post(reverse("notifications"), {"notification": "x"}).status_code == 404

    mine = Notification.objects.filter(recipient=p["proposer"]).first()
    assert mine is not None
    client.post(reverse("notifications"), {"notification": mine.pk})
    assert notification_selectors.unread_count(p["proposer"]) == 29
    client.post(reverse("notifications"), {"all": "1"})
    assert notification_selectors.unread_count(p["proposer"]) == 0


# Mail as each user chooses ----------------------------------------------------------------------


def test_the_preferences_page_keeps_a_bad_choice_with_a_message_and_saves_a_good_one(client, partner):
    client.force_login(partner)
    bad = client.post(reverse("notification_preferences"), {Kind.ACTION_COMMENT: "hourly"})
    assert bad.status_code == 200 and "Select a valid choice" in bad.content.decode()

    choices = dict.fromkeys(Kind.values, "digest") | {Kind.ACTION_COMMENT: "immediate"}
    assert client.post(reverse("notification_preferences"), choices).status_code == 302
    assert NotificationPreference.objects.get(user=partner, kind=Kind.ACTION_COMMENT).delivery == "immediate"


def test_a_mail_at_once_carries_one_click_unsubscribe_that_works_without_a_session(
    client, action_with_people, smtp_settings
):
    p = action_with_people
    notifications.preferences_set(user=p["proposer"], deliveries={Kind.ACTION_COMMENT: "immediate"})
    notifications.preferences_set(user=p["leader"], deliveries={Kind.ACTION_COMMENT: "never"})
    action_services.comment_add(action=p["action"], author=p["colleague"].person, body="Mail me")

    mails = OutboundMessage.objects.filter(key__startswith="notification:")
    assert [mail.to_email for mail in mails] == [p["proposer"].person.email]
    outbox.message_send(message_id=mails[0].pk)
    received = smtp_settings.messages[0]
    unsubscribe = received["List-Unsubscribe"].strip("<>")
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    path = unsubscribe.removeprefix("http://testserver").split("://", 1)[-1]
    path = path[path.index("/") :] if not path.startswith("/") else path
    assert client.get(path).status_code == 200
    response = client.post(path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert NotificationPreference.objects.get(user=p["proposer"], kind=Kind.ACTION_COMMENT).delivery == "never"

    forged = client.post(path[:-3] + "xx/")
    assert forged.status_code == 404


# The daily digest ------------------------------------------------------------------------------


def test_the_digest_gathers_what_is_waiting_once_and_nothing_when_nothing(action_with_people):
    p = action_with_people
    action_services.comment_add(action=p["action"], author=p["colleague"].person, body="One")
    action_services.comment_add(action=p["action"], author=p["colleague"].person, body="Two")
    today = timezone.localdate()

    jobs = notifications.digests_start(day=today)
    assert len(jobs) == 1 and notifications.digests_start(day=today) == jobs
    from partnership import jobs as job_service

    assert job_service.job_run(job_id=jobs[0].pk)
    digests = OutboundMessage.objects.filter(key__startswith="digest:")
    assert digests.count() == 4  # proposer, leader, contributor, follower
    mail = digests.get(to_email=p["proposer"].person.email)
    assert mail.body_text.count(p["action"].title) == 2 and mail.headers["List-Unsubscribe-Post"]

    # A second run of the day, and a new one the same day, add no mail.
    assert notifications.digests_start(day=today) == []
    action_services.comment_add(action=p["action"], author=p["colleague"].person, body="Three")
    assert not notifications.digest_write(user_id=p["proposer"].pk, day=today)
    assert digests.count() == 4
    # Tomorrow's brings what came since; the day after, with nothing waiting, nothing.
    assert notifications.digest_write(user_id=p["proposer"].pk, day=today + datetime.timedelta(days=1))
    assert not notifications.digest_write(user_id=p["proposer"].pk, day=today + datetime.timedelta(days=2))


def test_what_was_read_in_the_portal_is_left_out_of_the_digest(client, action_with_people):
    p = action_with_people
    action_services.comment_add(action=p["action"], author=p["colleague"].person, body="Read on the site")
    client.force_login(p["proposer"])
    client.post(reverse("notifications"), {"all": "1"})
    assert not Notification.objects.filter(recipient=p["proposer"], read_at__isnull=True).exists()

    assert not notifications.digest_write(user_id=p["proposer"].pk, day=timezone.localdate())
    assert notifications.digest_write(user_id=p["leader"].pk, day=timezone.localdate())  # the leader has not read it
    assert not Notification.objects.filter(recipient=p["proposer"], mailed_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_digest_runs_write_one_mail_per_user(uses_postgres):
    import threading

    partnership = PartnershipFactory.create()
    action = ActionFactory.create(partnership=partnership, state=Action.State.UNDER_DISCUSSION)
    readers = [user_in(action.owner) for _ in range(5)]
    author = PersonFactory.create(organisation=action.owner)
    for number in range(3):
        action_services.comment_add(action=action, author=author, body=f"Comment {number}")
    day = timezone.localdate()
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            barrier.wait()
            for reader in readers:
                notifications.digest_write(user_id=reader.pk, day=day)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    mails = OutboundMessage.objects.filter(key__startswith="digest:")
    assert sorted(mail.to_email for mail in mails) == sorted(reader.person.email for reader in readers)
    assert all(mail.body_text.count(action.title) == 3 for mail in mails)
    assert not Notification.objects.filter(mailed_at__isnull=True).exists()


def test_a_notification_names_its_object_by_content_type():
    partnership = PartnershipFactory.create()
    action = ActionFactory.create(partnership=partnership)
    proposer = user_in(action.owner)
    action_services.comment_add(action=action, author=PersonFactory.create(organisation=action.owner), body="Hi")
    notification = Notification.objects.get(recipient=proposer)
    assert notification.content_type == ContentType.objects.get_for_model(Action)
    assert notification.object_id == action.pk and notification.url == action.get_absolute_url()


# Announcements ----------------------------------------------------------------------------------


def test_a_coordinator_announces_to_one_role_shown_on_their_home_pages_until_it_expires(
    client, partnership, coordinator, partner, outsider
):
    expert = member_user(partnership, Membership.Role.EXPERT)
    url = reverse("announcement_new", args=[partnership.slug])
    client.force_login(coordinator)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

    response = client.post(
        url, {"title": "Florence agenda", "body": "The agenda is out.", "role": "partner", "expires_on": tomorrow}
    )

    assert response.status_code == 302
    assert told(Kind.ANNOUNCEMENT) == {partner}
    client.force_login(partner)
    assert "The agenda is out." in client.get(reverse("home")).content.decode()
    for other in (expert, outsider, coordinator):
        client.force_login(other)
        assert "The agenda is out." not in client.get(reverse("home")).content.decode()
    # Once it expires, it is gone from the home page.
    Announcement.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    client.force_login(partner)
    assert "The agenda is out." not in client.get(reverse("home")).content.decode()


def test_only_coordinators_may_announce_and_a_past_date_keeps_what_was_typed(
    client, partnership, partner, outsider, coordinator
):
    url = reverse("announcement_new", args=[partnership.slug])
    assert client.get(url).status_code == 302
    client.force_login(partner)
    assert client.get(url).status_code == 403
    client.force_login(outsider)
    private = PartnershipFactory.create(is_public=False)
    assert client.get(reverse("announcement_new", args=[private.slug])).status_code == 404

    client.force_login(coordinator)
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    response = client.post(url, {"title": "Kept title", "body": "Kept body", "role": "", "expires_on": yesterday})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Kept title" in page and "Kept body" in page and "Choose today or a later day." in page
    bad_role = client.post(url, {"title": "T", "body": "B", "role": "king", "expires_on": yesterday})
    assert bad_role.status_code == 400


def test_a_meetings_participants_are_announced_to_but_not_who_declined(client, partnership, coordinator, partner):
    meeting = MeetingFactory.create(partnership=partnership)
    declined = member_user(partnership)
    RegistrationFactory.create(meeting=meeting, person=partner.person, state=Registration.State.REGISTERED)
    RegistrationFactory.create(meeting=meeting, person=declined.person, state=Registration.State.DECLINED)
    url = reverse("meetings:announce", args=[meeting.pk])
    client.force_login(partner)
    assert client.get(url).status_code == 403

    client.force_login(coordinator)
    assert url in client.get(reverse("meetings:manage", args=[meeting.pk])).content.decode()
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.post(url, {"title": "Room change", "body": "We meet in Sala Pegaso.", "expires_on": tomorrow})

    assert response.status_code == 302
    assert told(Kind.ANNOUNCEMENT) == {partner}


def test_following_a_meeting_from_its_page_and_stopping(client, partnership, partner, outsider):
    meeting = MeetingFactory.create(partnership=partnership, is_public=False)
    url = reverse("meetings:follow", args=[meeting.pk])
    assert client.post(url, {"following": "1"}).status_code == 404  # a visitor does not see a members' meeting
    client.force_login(outsider)
    assert client.post(url, {"following": "1"}).status_code == 404
    client.force_login(partner)
    assert client.get(url).status_code == 405

    page = client.post(url, {"following": "1"}, follow=True).content.decode()
    assert notification_selectors.follows(partner, meeting) and 'aria-pressed="true"' in page
    client.post(url, {"following": "0"})
    assert not notification_selectors.follows(partner, meeting)
