"""The coordinators' meeting admin: scoped to their partnerships, and every write through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.forms import SplitDateTimeWidget
from django.urls import reverse
from django.utils import timezone

from meetings.models import AgendaItem, Meeting, Registration
from meetings.tests.factories import AgendaItemFactory, MeetingFactory, RegistrationFactory
from partnership.models import AuditLog, Membership, OutboundMessage
from partnership.tests.factories import PartnershipFactory, member_user

pytestmark = pytest.mark.django_db
State = Meeting.State


@pytest.fixture
def meeting(partnership):
    return MeetingFactory(partnership=partnership, title="Third partnership meeting, Florence")


@pytest.fixture
def theirs():
    return MeetingFactory(partnership=PartnershipFactory(name="Culture and Cultural Heritage"), title="Their meeting")


@pytest.fixture
def other_coordinator(theirs):
    """A coordinator of the other partnership only."""
    return member_user(theirs.partnership, Membership.Role.COORDINATOR)


def change_url(meeting: Meeting) -> str:
    return reverse("admin:meetings_meeting_change", args=[meeting.pk])


def change_form_data(response: Any, meeting: Meeting) -> dict[str, Any]:
    """What the browser would post back from the meeting's admin page, unchanged (times in the venue's zone)."""
    data: dict[str, Any] = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None:
                continue
            if isinstance(field.widget, SplitDateTimeWidget):
                if isinstance(value, dt.datetime):
                    local = meeting.local(value)
                    data[f"{key}_0"], data[f"{key}_1"] = f"{local:%Y-%m-%d}", f"{local:%H:%M:%S}"
            elif isinstance(value, list | tuple):
                data[key] = [str(item.pk if hasattr(item, "pk") else item) for item in value]
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            else:
                data[key] = str(value.pk if hasattr(value, "pk") else value)
    return data


def local_fields(key: str, moment: dt.datetime, meeting: Meeting) -> dict[str, str]:
    local = meeting.local(moment)
    return {f"{key}_0": f"{local:%Y-%m-%d}", f"{key}_1": f"{local:%H:%M:%S}"}


# Who sees what ------------------------------------------------------------------------------


def test_the_changelist_shows_a_coordinator_only_their_partnerships_meetings(client, meeting, theirs, coordinator):
    client.force_login(coordinator)

    page = client.get(reverse("admin:meetings_meeting_changelist"))

    assert page.status_code == 200
    text = page.content.decode()
    assert meeting.title in text
    assert "Their meeting" not in text
    assert client.get(change_url(meeting)).status_code == 200


def test_a_coordinator_of_another_partnership_neither_sees_nor_changes_the_meeting(client, meeting, other_coordinator):
    # Ended an hour ago, so that only the scope can refuse marking it held.
    meeting.starts_at, meeting.ends_at, meeting.registration_deadline = (
        timezone.now() - dt.timedelta(hours=5),
        timezone.now() - dt.timedelta(hours=1),
        None,
    )
    meeting.save()
    client.force_login(other_coordinator)

    assert meeting.title not in client.get(reverse("admin:meetings_meeting_changelist")).content.decode()
    # The admin answers a meeting outside the user's scope as a missing one: back to the admin's index.
    assert client.get(change_url(meeting)).status_code == 302
    assert client.post(change_url(meeting), {"title": "Taken over"}).status_code == 302
    client.post(
        reverse("admin:meetings_meeting_changelist"),
        {"action": "mark_held", "_selected_action": [meeting.pk]},
    )

    meeting.refresh_from_db()
    assert (meeting.title, meeting.state) == ("Third partnership meeting, Florence", State.REGISTRATION_OPEN)


@pytest.mark.parametrize("who", ["partner", "outsider"])
def test_people_who_coordinate_nothing_have_no_meeting_admin(client, request, meeting, who):
    client.force_login(request.getfixturevalue(who))

    for url in (reverse("admin:meetings_meeting_changelist"), change_url(meeting)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


# Writes go through the services -----------------------------------------------------------------


def test_moving_a_published_meeting_in_the_admin_reschedules_it(client, meeting, coordinator):
    day = dt.timedelta(days=1)
    # On the meeting's second day, so it still lies within the meeting's days once they move by one.
    item = AgendaItemFactory(meeting=meeting, title="Teaser Session", starts_at=meeting.starts_at + day)
    registration = RegistrationFactory(meeting=meeting, state=Registration.State.REGISTERED)
    client.force_login(coordinator)
    data = change_form_data(client.get(change_url(meeting)), meeting)
    starts_at, ends_at = meeting.starts_at + day, meeting.ends_at + day

    response = client.post(
        change_url(meeting),
        {**data, **local_fields("starts_at", starts_at, meeting), **local_fields("ends_at", ends_at, meeting)},
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    old_deadline = meeting.registration_deadline
    meeting.refresh_from_db()
    assert (meeting.starts_at, meeting.ends_at, meeting.sequence) == (starts_at, ends_at, 1)
    assert meeting.registration_deadline == old_deadline + day
    item.refresh_from_db()
    assert item.starts_at == starts_at + day
    rescheduled = OutboundMessage.objects.get(key__startswith=f"meeting:{meeting.pk}:rescheduled:")
    assert rescheduled.to_email == registration.person.email
    assert AuditLog.objects.filter(verb="reschedule", object_id=str(meeting.pk), actor=coordinator).exists()


def test_moving_a_draft_in_the_admin_only_saves_it(client, partnership, coordinator):
    draft = MeetingFactory(partnership=partnership, state=State.DRAFT)
    client.force_login(coordinator)
    data = change_form_data(client.get(change_url(draft)), draft)
    starts_at = draft.starts_at + dt.timedelta(days=1)

    response = client.post(change_url(draft), {**data, **local_fields("starts_at", starts_at, draft)})

    assert response.status_code == 302, response.context["adminform"].form.errors
    draft.refresh_from_db()
    assert (draft.starts_at, draft.sequence) == (starts_at, 0)
    assert not OutboundMessage.objects.exists()
    assert AuditLog.objects.filter(verb="update", object_id=str(draft.pk), actor=coordinator).exists()


def test_a_meeting_added_in_the_admin_gets_the_default_reminders(client, partnership, coordinator):
    client.force_login(coordinator)
    form = client.get(reverse("admin:meetings_meeting_add"))
    data = change_form_data(form, Meeting(timezone="Europe/Brussels"))
    start = dt.datetime(2031, 6, 6, 9, 30)
    data.update(
        {
            "partnership": str(partnership.pk),
            "title": "Fourth partnership meeting, Brussels",
            "kind": Meeting.Kind.PARTNERSHIP_MEETING,
            "format": Meeting.Format.IN_PERSON,
            "timezone": "Europe/Brussels",
            "starts_at_0": f"{start:%Y-%m-%d}",
            "starts_at_1": f"{start:%H:%M:%S}",
            "ends_at_0": f"{start:%Y-%m-%d}",
            "ends_at_1": "17:00:00",
        }
    )

    response = client.post(reverse("admin:meetings_meeting_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    created = Meeting.objects.get(title="Fourth partnership meeting, Brussels")
    assert (created.state, created.reminder_rules.count()) == (State.DRAFT, 3)
    assert AuditLog.objects.filter(verb="create", object_id=str(created.pk), actor=coordinator).exists()


def test_an_online_draft_is_saved_in_the_admin_without_a_join_link_and_announcing_it_says_why_not(
    client, partnership, coordinator
):
    client.force_login(coordinator)
    data = change_form_data(client.get(reverse("admin:meetings_meeting_add")), Meeting(timezone="Europe/Brussels"))
    data.update(
        {
            "partnership": str(partnership.pk),
            "title": "Online partnership meeting",
            "format": Meeting.Format.ONLINE,
            "join_url": "",
            "timezone": "Europe/Brussels",
            "starts_at_0": "2031-06-06",
            "starts_at_1": "10:00:00",
            "ends_at_0": "2031-06-06",
            "ends_at_1": "12:00:00",
        }
    )

    assert client.post(reverse("admin:meetings_meeting_add"), data).status_code == 302
    draft = Meeting.objects.get(title="Online partnership meeting")
    response = client.post(
        reverse("admin:meetings_meeting_changelist"),
        {"action": "announce", "_selected_action": [draft.pk]},
        follow=True,
    )

    assert "add its join link before it is announced." in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == State.DRAFT


def test_agenda_rows_added_in_the_admin_are_saved_through_the_services(client, meeting, coordinator):
    client.force_login(coordinator)
    data = change_form_data(client.get(change_url(meeting)), meeting)
    row = "agenda_items-0"
    data.update(
        {
            f"{row}-title": "Welcome by Regione Toscana",
            f"{row}-kind": AgendaItem.Kind.PLENARY,
            f"{row}-room": "Sala Pegaso",
            f"{row}-position": "0",
            **local_fields(f"{row}-starts_at", meeting.starts_at, meeting),
            **local_fields(f"{row}-ends_at", meeting.starts_at + dt.timedelta(minutes=30), meeting),
        }
    )

    response = client.post(change_url(meeting), data)

    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    item = meeting.agenda_items.get()
    assert item.title == "Welcome by Regione Toscana"
    assert AuditLog.objects.filter(
        verb="create", model="meetings.agendaitem", object_id=str(item.pk), actor=coordinator
    ).exists()


def test_two_agenda_rows_of_one_edit_may_not_share_a_room_at_the_same_time(client, meeting, coordinator):
    client.force_login(coordinator)
    data = change_form_data(client.get(change_url(meeting)), meeting)
    data["agenda_items-TOTAL_FORMS"] = "2"
    for n, title in enumerate(["Working group 1", "Working group 2"]):
        row = f"agenda_items-{n}"
        data.update(
            {
                f"{row}-title": title,
                f"{row}-kind": AgendaItem.Kind.WORKING_GROUP,
                f"{row}-room": "Sala Pegaso",
                f"{row}-position": "0",
                **local_fields(f"{row}-starts_at", meeting.starts_at, meeting),
                **local_fields(f"{row}-ends_at", meeting.starts_at + dt.timedelta(hours=1), meeting),
            }
        )

    response = client.post(change_url(meeting), data)

    assert response.status_code == 200
    assert "Sala Pegaso is already taken by “Working group 1” at that time." in response.content.decode()
    assert not meeting.agenda_items.exists()


def test_the_bulk_workflow_action_moves_meetings_through_the_service(client, partnership, coordinator):
    announced = MeetingFactory(partnership=partnership, state=State.ANNOUNCED)
    held = MeetingFactory(partnership=partnership, state=State.HELD, title="Already held")
    client.force_login(coordinator)

    response = client.post(
        reverse("admin:meetings_meeting_changelist"),
        {"action": "open_registration", "_selected_action": [announced.pk, held.pk]},
        follow=True,
    )

    announced.refresh_from_db()
    held.refresh_from_db()
    assert (announced.state, held.state) == (State.REGISTRATION_OPEN, State.HELD)
    assert announced.transitions.get().by == coordinator
    assert "Already held: A meeting cannot go from" in response.content.decode()


def test_a_meeting_is_not_offered_as_linked_to_itself(client, coordinator, partnership):
    from django.urls import reverse

    from meetings.tests.factories import MeetingFactory

    meeting = MeetingFactory(partnership=partnership, title="Florence meeting")
    other = MeetingFactory(partnership=partnership, title="Brussels meeting")
    client.force_login(coordinator)
    page = client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk]))
    choices = [value for value, _label in page.context["adminform"].form.fields["linked_meetings"].choices]
    assert other.pk in [getattr(value, "value", value) for value in choices]
    assert meeting.pk not in [getattr(value, "value", value) for value in choices]


def test_a_document_added_in_the_meeting_admin_is_saved_with_its_uploader(client, coordinator, partnership):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from meetings.models import MeetingDocument
    from meetings.tests.factories import MeetingFactory
    from meetings.tests.pages import form_fields

    meeting = MeetingFactory(partnership=partnership, title="Florence meeting")
    MeetingDocument.objects.create(meeting=meeting, title="From the demo", file=SimpleUploadedFile("a.txt", b"demo"))
    client.force_login(coordinator)
    change = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    data = form_fields(client.get(change))
    data.update(
        {
            "documents-TOTAL_FORMS": ["2"],
            "documents-1-title": ["Welcome slides"],
            "documents-1-kind": ["presentation"],
            "documents-1-visibility": ["members"],
            "documents-0-title": ["From the demo, renamed"],
            "_save": ["Save"],
        }
    )
    response = client.post(change, {**data, "documents-1-file": SimpleUploadedFile("slides.txt", b"Welcome")})
    assert response.status_code == 302, response.context["errors"] if response.context else response
    added = MeetingDocument.objects.get(title="Welcome slides")
    assert added.uploaded_by == coordinator
    assert MeetingDocument.objects.filter(title="From the demo, renamed", uploaded_by=None).exists()
