"""The admin of announcements and notifications, and documents edited in the admin telling people as the
portal's uploads do.

Announcements: a coordinator writes to the members of a partnership they run (all, one role or one meeting's
participants) through the portal's own service, and may then correct only the text and its end; every other
partnership's records are out of reach. Notifications: read-only, for superusers only (a notification is
personal, and its object may be one the coordinators cannot see)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from admin_world import World, coordinator_of, plant
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from actions.models import ActionDocument
from actions.tests.test_admin import change_form_data
from meetings.models import Meeting, MeetingDocument
from meetings.tests.factories import MeetingFactory, RegistrationFactory
from meetings.tests.pages import form_fields
from partnership.models import Announcement, Membership, Notification
from partnership.tests.factories import PersonFactory, UserFactory, member_user

pytestmark = pytest.mark.django_db
ADD = reverse("admin:partnership_announcement_add")
LIST = reverse("admin:partnership_announcement_changelist")
Kind = Notification.Kind


@pytest.fixture
def ours() -> World:
    return plant("Ourtown", is_public=True)


@pytest.fixture
def theirs() -> World:
    return plant("Zanzibar", is_public=False)


@pytest.fixture
def coordinator(ours: World) -> Any:
    return coordinator_of(ours.partnership, "ourtown-coordinator")


@pytest.fixture
def admin_client(client: Any, coordinator: Any) -> Any:
    client.force_login(coordinator)
    return client


def _change(model: Any, pk: int) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])


def _new(partnership: Any, **fields: Any) -> dict[str, Any]:
    later = timezone.localtime() + dt.timedelta(days=10)
    return {
        "partnership": partnership.pk,
        "to_role": "",
        "meeting": "",
        "title": "Florence: the agenda is out",
        "body": "Read it before Friday.",
        "expires_at_0": later.date().isoformat(),
        "expires_at_1": "12:00:00",
        "_save": "Save",
        **fields,
    }


def _told(kind: str) -> set[Any]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_a_coordinator_publishes_to_one_role_of_their_partnership_and_they_are_told(admin_client, ours, coordinator):
    partner = member_user(ours.partnership, Membership.Role.PARTNER, name="Pia Partner")
    expert = member_user(ours.partnership, Membership.Role.EXPERT)
    before = set(Announcement.objects.values_list("pk", flat=True))

    response = admin_client.post(ADD, _new(ours.partnership, to_role=Membership.Role.PARTNER))

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    announcement = Announcement.objects.exclude(pk__in=before).get()
    assert (announcement.partnership, announcement.author, announcement.audience) == (
        ours.partnership,
        coordinator,
        "Partner",
    )
    assert set(announcement.recipients.all()) == {partner}
    assert _told(Kind.ANNOUNCEMENT) == {partner.username, "ourtown-reader"}  # the world's own, and the new one
    assert expert.username not in _told(Kind.ANNOUNCEMENT)


def test_a_coordinator_publishes_to_one_meetings_participants(admin_client, ours):
    meeting = ours.records[Meeting]
    participant = UserFactory(username="ourtown-participant")
    RegistrationFactory(meeting=meeting, person=PersonFactory(user=participant))
    member_user(ours.partnership, Membership.Role.PARTNER)

    response = admin_client.post(ADD, _new(ours.partnership, meeting=meeting.pk))

    assert response.status_code == 302
    announcement = Announcement.objects.get(title="Florence: the agenda is out")
    assert list(announcement.recipients.all()) == [participant]
    assert announcement.audience == f"the participants of {meeting.title}"


@pytest.mark.parametrize(
    "forged",
    ["their partnership", "their meeting", "a role that is none", "a role and a meeting", "a past end", "no number"],
)
def test_a_forged_choice_is_a_field_error_and_publishes_nothing(admin_client, ours, theirs, forged):
    mine = ours.partnership
    data = {
        "their partnership": _new(theirs.partnership),
        "their meeting": _new(mine, meeting=theirs.records[Meeting].pk),
        "a role that is none": _new(mine, to_role="boss"),
        "a role and a meeting": _new(mine, to_role="partner", meeting=ours.records[Meeting].pk),
        "a past end": _new(mine, expires_at_0="2020-01-01"),
        "no number": {**_new(mine), "partnership": "x'", "meeting": "1 OR 1=1"},
    }[forged]
    count = Announcement.objects.count()

    response = admin_client.post(ADD, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert "Zanzibar" not in response.content.decode()
    assert Announcement.objects.count() == count
    assert not Notification.objects.filter(title="Florence: the agenda is out").exists()


def test_the_add_page_offers_only_the_coordinators_partnership_and_meetings(admin_client, ours, theirs):
    form = admin_client.get(ADD).context["adminform"].form
    assert list(form.fields["partnership"].queryset) == [ours.partnership]
    assert list(form.fields["meeting"].queryset) == [ours.records[Meeting]]
    assert "boss" not in dict(form.fields["to_role"].choices)


def test_a_published_announcement_keeps_its_audience_and_only_its_text_changes(admin_client, ours, theirs):
    announcement = ours.records[Announcement]
    url = _change(Announcement, announcement.pk)
    data = form_fields(admin_client.get(url))
    notifications = Notification.objects.count()

    response = admin_client.post(
        url, {**data, "title": ["Ourtown announcement, corrected"], "partnership": [str(theirs.partnership.pk)]}
    )

    assert response.status_code == 302
    announcement.refresh_from_db()
    assert (announcement.title, announcement.partnership) == ("Ourtown announcement, corrected", ours.partnership)
    assert list(announcement.recipients.values_list("username", flat=True)) == ["ourtown-reader"]
    assert Notification.objects.count() == notifications


@pytest.mark.parametrize("who", ["their coordinator", "a partner", "anonymous"])
def test_the_announcements_admin_refuses_the_wrong_user(client, ours, theirs, who):
    if who == "their coordinator":
        client.force_login(coordinator_of(theirs.partnership, "zanzibar-coordinator"))
    elif who == "a partner":
        client.force_login(member_user(ours.partnership, Membership.Role.PARTNER))
    announcement = ours.records[Announcement]
    change = _change(Announcement, announcement.pk)

    page = client.get(change)
    edited = client.post(change, {"title": "Taken over", "body": "x"})
    added = client.post(ADD, _new(ours.partnership))

    assert page.status_code == 302 and edited.status_code == 302  # to the admin's index or its login
    assert added.status_code in (200, 302, 403)
    announcement.refresh_from_db()
    assert announcement.title == "Ourtown announcement"
    assert not Announcement.objects.filter(title="Florence: the agenda is out").exists()
    if who == "their coordinator":
        assert "Ourtown" not in client.get(LIST).content.decode()


def test_notifications_are_for_superusers_to_read_only(client, admin_user, ours, coordinator):
    notification = ours.records[Notification]
    changelist = reverse("admin:partnership_notification_changelist")
    change = _change(Notification, notification.pk)

    client.force_login(admin_user)
    assert "Ourtown announcement" in client.get(changelist).content.decode()
    assert client.get(change).status_code == 200
    assert client.get(reverse("admin:partnership_notification_add")).status_code == 403
    client.post(change, {"title": "rewritten"})
    client.post(reverse("admin:partnership_notification_delete", args=[notification.pk]), {"post": "yes"})
    notification.refresh_from_db()
    assert notification.title == "Ourtown announcement"

    for user in (coordinator, member_user(ours.partnership, Membership.Role.PARTNER), None):
        client.logout()
        if user is not None:
            client.force_login(user)
        for url in (changelist, change):
            response = client.get(url)
            assert response.status_code in (302, 403), (user, url)
            assert "Ourtown announcement" not in response.content.decode()
        if user is coordinator:
            assert "notification" not in client.get(reverse("admin:index")).content.decode().lower()


# Documents edited in the admin tell people as an upload on the portal does.


def _meeting_with_invitee(ours: World) -> tuple[Meeting, Any]:
    meeting = MeetingFactory.create(partnership=ours.partnership, title="Ourtown second meeting", reminders=False)
    invitee = UserFactory.create(username="ourtown-invitee")
    RegistrationFactory(meeting=meeting, person=PersonFactory(user=invitee))
    return meeting, invitee


def test_a_meeting_document_added_in_the_admin_tells_the_invitees_once(admin_client, ours):
    meeting, invitee = _meeting_with_invitee(ours)
    change = reverse("admin:meetings_meeting_change", args=[meeting.pk])

    def add(title: str, visibility: str) -> None:
        data = form_fields(admin_client.get(change))
        row = int(data["documents-TOTAL_FORMS"][0])
        data.update(
            {
                "documents-TOTAL_FORMS": [str(row + 1)],
                f"documents-{row}-title": [title],
                f"documents-{row}-kind": ["presentation"],
                f"documents-{row}-visibility": [visibility],
                "_save": ["Save"],
            }
        )
        response = admin_client.post(change, {**data, f"documents-{row}-file": SimpleUploadedFile("s.txt", b"x")})
        assert response.status_code == 302, response.context and response.context["errors"]

    add("Coordinators' notes", MeetingDocument.Visibility.COORDINATORS)
    assert _told(Kind.MEETING_DOCUMENT) == set()

    add("Welcome slides", MeetingDocument.Visibility.MEMBERS)
    assert _told(Kind.MEETING_DOCUMENT) == {invitee.username}
    slides = MeetingDocument.objects.get(title="Welcome slides")
    assert Notification.objects.get(kind=Kind.MEETING_DOCUMENT).key.endswith(
        f"meeting:{meeting.pk}:document:{slides.pk}"
    )

    # Saving the page again tells nobody again; opening the coordinators' notes to members tells once more.
    data = form_fields(admin_client.get(change))
    notes = next(key for key, value in data.items() if value == ["Coordinators' notes"]).replace("-title", "")
    data[f"{notes}-visibility"] = [MeetingDocument.Visibility.MEMBERS]
    assert admin_client.post(change, {**data, "_save": ["Save"]}).status_code == 302
    assert admin_client.post(change, {**form_fields(admin_client.get(change)), "_save": ["Save"]}).status_code == 302
    assert Notification.objects.filter(kind=Kind.MEETING_DOCUMENT, recipient=invitee).count() == 2


def test_an_action_document_opened_to_members_in_the_admin_tells_as_an_upload_does(admin_client, ours):
    action = ours.records[ActionDocument].action
    owner = UserFactory(username="ourtown-owner")
    PersonFactory(user=owner, organisation=action.owner)
    url = _change(type(action), action.pk)
    data = change_form_data(admin_client.get(url))
    data.update(
        {
            "documents-TOTAL_FORMS": "2",
            "documents-1-title": "Budget sketch",
            "documents-1-visibility": ActionDocument.Visibility.COORDINATORS,
            "documents-1-file": SimpleUploadedFile("budget.txt", b"numbers"),
        }
    )
    assert admin_client.post(url, data).status_code == 302
    assert _told(Kind.ACTION_DOCUMENT) == set()

    data = change_form_data(admin_client.get(url))
    row = next(key for key, value in data.items() if value == "Budget sketch").replace("-title", "")
    data[f"{row}-visibility"] = ActionDocument.Visibility.MEMBERS
    assert admin_client.post(url, data).status_code == 302
    assert _told(Kind.ACTION_DOCUMENT) == {owner.username}
    assert admin_client.post(url, change_form_data(admin_client.get(url))).status_code == 302
    assert Notification.objects.filter(kind=Kind.ACTION_DOCUMENT).count() == 1


def test_an_announcement_that_has_ended_can_still_be_corrected(admin_client, ours):
    announcement = ours.records[Announcement]
    Announcement.objects.filter(pk=announcement.pk).update(expires_at=timezone.now() - dt.timedelta(hours=1))
    url = _change(Announcement, announcement.pk)

    response = admin_client.post(url, {**form_fields(admin_client.get(url)), "title": ["Ourtown, typo fixed"]})

    assert response.status_code == 302
    announcement.refresh_from_db()
    assert announcement.title == "Ourtown, typo fixed" and announcement.expires_at < timezone.now()


@pytest.mark.parametrize("day", ["9999-12-31", (timezone.localdate() + dt.timedelta(days=400)).isoformat()])
def test_an_end_more_than_a_year_ahead_is_refused_on_both_pages_and_the_text_is_kept(admin_client, ours, day):
    response = admin_client.post(ADD, _new(ours.partnership, expires_at_0=day, expires_at_1="23:59:59"))
    assert response.status_code == 200
    assert "at most a year after it is written" in response.content.decode()
    assert "Read it before Friday." in response.content.decode()

    portal = reverse("announcement_new", args=[ours.partnership.slug])
    response = admin_client.post(portal, {"title": "Far", "body": "Kept body", "role": "", "expires_on": day})
    assert response.status_code == 400
    page = response.content.decode()
    assert "at most a year after it is written" in page and "Kept body" in page
    assert not Announcement.objects.filter(title__in=["Florence: the agenda is out", "Far"]).exists()
