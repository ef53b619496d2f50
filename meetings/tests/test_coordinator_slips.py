"""What a coordinator's slip or a participant's change of plan must not turn into: a server error on the times of a
held meeting, a meeting marked held from the admin without a look at the no-shows, an agenda shifted off its days,
travel approved for someone who cancelled, a guest's mail with links they cannot open, a history in login names."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.formats import date_format
from openpyxl import load_workbook

from meetings import services
from meetings.models import AgendaItem, Meeting, Registration, TravelPolicy, TravelRequest
from meetings.services import travel as travel_services
from meetings.tests.factories import AgendaItemFactory, MeetingFactory, RegistrationFactory, ended_meeting
from meetings.tests.test_admin import change_form_data, local_fields
from meetings.tests.test_travel import ask
from partnership.models import AuditLog, Membership, OutboundMessage
from partnership.tests.factories import MembershipFactory, PartnershipFactory, PersonFactory, member_user

pytestmark = pytest.mark.django_db
State = Meeting.State
RegState = Registration.State
CHANGELIST = reverse("admin:meetings_meeting_changelist")


def held(partnership: Any) -> Meeting:
    return ended_meeting(partnership=partnership, state=State.HELD)


# The admin ------------------------------------------------------------------------------------------------------


def test_the_times_of_a_held_meeting_are_refused_on_the_form_not_with_a_server_error(client, partnership, coordinator):
    meeting = held(partnership)
    client.force_login(coordinator)
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    data = change_form_data(client.get(url), meeting)
    earlier = meeting.starts_at - dt.timedelta(minutes=30)

    response = client.post(url, {**data, **local_fields("starts_at", earlier, meeting), "title": "Renamed"})

    assert response.status_code == 200
    assert "only a planned meeting can be rescheduled" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.starts_at != earlier and meeting.title != "Renamed"
    # Its other fields still change.
    assert client.post(url, {**data, "title": "Renamed"}).status_code == 302


def test_marking_held_in_the_admin_shows_the_no_shows_first(client, partnership, coordinator):
    meeting = ended_meeting(partnership=partnership, title="Ended yesterday")
    future = MeetingFactory.create(partnership=partnership, title="Next month")
    RegistrationFactory.create_batch(2, meeting=meeting, state=RegState.REGISTERED)
    client.force_login(coordinator)
    chosen = {"action": "mark_held", "_selected_action": [meeting.pk, future.pk]}

    page = client.post(CHANGELIST, chosen)

    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.content.decode())
    assert "Ended yesterday" in text and "2 no-shows" in text and "not ended yet" in text
    meeting.refresh_from_db()
    assert meeting.state == State.REGISTRATION_OPEN  # nothing yet

    client.post(CHANGELIST, {**chosen, "confirm": "yes"})
    meeting.refresh_from_db()
    future.refresh_from_db()
    assert meeting.state == State.HELD and future.state == State.REGISTRATION_OPEN
    assert meeting.registrations.filter(state=RegState.NO_SHOW).count() == 2


def test_shifting_agenda_items_keeps_them_on_their_meetings_days_or_moves_nothing(client, partnership, coordinator):
    meeting = MeetingFactory.create(partnership=partnership)
    last = meeting.ends_at - dt.timedelta(hours=1)  # on the meeting's last day
    first = AgendaItemFactory.create(meeting=meeting, starts_at=last, ends_at=last)
    placeholder = AgendaItemFactory.create(meeting=meeting, starts_at=last, ends_at=last, time_to_be_confirmed=True)
    client.force_login(coordinator)
    url = reverse("admin:meetings_agendaitem_changelist")
    shift = {"action": "shift_items", "_selected_action": [first.pk, placeholder.pk], "apply": "1"}

    page = client.post(url, {**shift, "minutes": 24 * 60}, follow=True)  # to the day after the meeting
    assert "Nothing moved." in page.content.decode() and "meeting's days" in unescape(page.content.decode())
    first.refresh_from_db()
    assert first.starts_at == last

    client.post(url, {**shift, "minutes": -30})
    first.refresh_from_db()
    placeholder.refresh_from_db()
    assert first.starts_at == last - dt.timedelta(minutes=30)
    assert placeholder.starts_at == last  # a time to be confirmed keeps its day

    past = held(partnership)
    item = AgendaItemFactory.create(meeting=past, starts_at=past.starts_at, ends_at=past.starts_at)
    page = client.post(url, {**shift, "_selected_action": [item.pk], "minutes": 10}, follow=True)
    assert "stays as it was" in page.content.decode()
    assert AgendaItem.objects.get(pk=item.pk).starts_at == past.starts_at


def test_the_audit_log_shows_a_coordinator_what_was_edited_within_a_meetings_page(client, partnership, coordinator):
    meeting = MeetingFactory.create(partnership=partnership)
    policy = TravelPolicy.objects.create(meeting=meeting, offered=True, roles=[Membership.Role.PARTNER])
    travel_services.travel_policy_save(policy=policy, by=coordinator)
    other = member_user(PartnershipFactory.create(is_public=False), Membership.Role.COORDINATOR)
    entry = AuditLog.objects.filter(model="meetings.travelpolicy", object_id=str(policy.pk)).first()
    assert entry is not None

    client.force_login(coordinator)
    assert entry.object_repr in client.get(reverse("admin:partnership_auditlog_changelist")).content.decode()
    client.force_login(other)
    assert entry.object_repr not in client.get(reverse("admin:partnership_auditlog_changelist")).content.decode()


# The portal's meeting pages ---------------------------------------------------------------------------------------


def test_undoing_a_check_in_says_so_and_a_nul_in_the_search_is_dropped(client, partnership, coordinator):
    meeting = ended_meeting(partnership=partnership)
    registration = RegistrationFactory.create(meeting=meeting, state=RegState.REGISTERED)
    services.registration_check_in(registration=registration, by=coordinator)
    client.force_login(coordinator)
    url = reverse("meetings:check_in", args=[meeting.pk])

    response = client.post(url, {"registration": registration.pk, "undo": "1", "q": "Ai\x00no"})

    assert response.status_code == 302 and "%00" not in response["Location"]
    page = client.get(response["Location"])
    assert page.status_code == 200 and f"{registration.person.name} is no longer checked in." in page.content.decode()
    registration.refresh_from_db()
    assert registration.state == RegState.REGISTERED


def test_a_meetings_history_names_people_and_reads_the_undo_in_the_readers_language(client, partnership, coordinator):
    meeting = ended_meeting(partnership=partnership)
    services.meeting_transition(meeting=meeting, to_state=State.HELD, by=coordinator)
    services.meeting_held_undo(meeting=meeting, by=coordinator)
    client.force_login(coordinator)

    page = client.get(reverse("meetings:manage", args=[meeting.pk]), HTTP_ACCEPT_LANGUAGE="it").content.decode()

    assert f"({coordinator.person.name})" in page and f"({coordinator.username})" not in page
    assert "held undone" not in page


# Travel --------------------------------------------------------------------------------------------------------


@pytest.fixture
def supported(partnership: Any) -> Meeting:
    meeting = MeetingFactory.create(partnership=partnership)
    TravelPolicy.objects.create(meeting=meeting, offered=True, roles=[Membership.Role.PARTNER], cap_eur=Decimal("800"))
    return meeting


def partner_registered(meeting: Meeting) -> Registration:
    membership = MembershipFactory.create(partnership=meeting.partnership, role=Membership.Role.PARTNER)
    person = PersonFactory.create(organisation=membership.organisation, name="Petra Partner")
    return RegistrationFactory.create(meeting=meeting, person=person, state=RegState.REGISTERED)


def test_travel_is_not_approved_for_someone_who_cancelled_and_the_list_says_they_did(client, supported, coordinator):
    registration = partner_registered(supported)
    travel = ask(registration)
    services.registration_decline(registration=registration, by=None, reason="Budget cut")  # a cancellation

    with pytest.raises(Exception, match="travel is approved or booked only for a participant"):
        travel_services.travel_request_move(travel=travel, to_state=TravelRequest.Status.APPROVED, by=coordinator)
    client.force_login(coordinator)
    page = client.get(reverse("meetings:travel_list", args=[supported.pk])).content.decode()
    assert re.search(r"Petra Partner</a><br><span class=\"badge[^\"]*\">Cancelled", page)


def test_the_participant_reads_the_secretariats_decision_on_their_eligibility(client, supported, coordinator):
    user = member_user(supported.partnership)
    registration = RegistrationFactory.create(meeting=supported, person=user.person, state=RegState.REGISTERED)
    travel = ask(registration)
    travel_services.travel_eligibility_set(travel=travel, eligibility="not_eligible", by=coordinator, reason="Local")
    client.force_login(user)

    page = client.get(reverse("meetings:travel", args=[supported.pk])).content.decode()

    assert "The secretariat has decided that you are not eligible." in page
    assert "Under the meeting's rule you are eligible." not in page


def test_the_participant_list_and_its_export_show_each_travel_request(client, supported, coordinator):
    registration = partner_registered(supported)
    travel = ask(registration, travelling_from="Tampere, Finland", nights=2)
    client.force_login(coordinator)

    page = client.get(reverse("meetings:manage", args=[supported.pk])).content.decode()
    assert reverse("meetings:travel_detail", args=[supported.pk, travel.pk]) in page
    assert "from Tampere, Finland, 2 nights" in page

    export = client.get(reverse("meetings:participants", args=[supported.pk]), {"format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(b"".join(export.streaming_content))).active.values)
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["travel_status"], row["travelling_from"], row["nights"]) == ("Requested", "Tampere, Finland", 2)


def test_a_guests_travel_and_confirmation_mails_carry_a_personal_link(client, supported, coordinator):
    guest = services.guest_invite(
        meeting=supported, name="Gina Guest", email="gina@guest.example", organisation_name="", by=coordinator
    )
    registration = supported.registrations.get(person=guest)
    days = [day.isoformat() for day in supported.days]
    services.registration_submit(
        registration=registration,
        by=None,
        days=days,
        site_visit=False,
        dietary_needs="",
        accessibility_needs="",
        consent_participant_list=False,
    )
    ask(registration)

    for kind in ("confirmation", "travel_requested"):
        mail = OutboundMessage.objects.get(key__startswith=f"meeting:{supported.pk}:{kind}:{registration.pk}")
        link = re.search(r"http://[^/\s]+(/meetings/r/[\w-]+/)", mail.body_text)
        assert link is not None, kind
        assert supported.get_absolute_url() not in mail.body_text.replace(link.group(1), "")
        client.logout()
        opened = client.get(link.group(1), follow=True)
        assert opened.status_code == 200 and opened.context["registration"] == registration


def test_the_participant_list_filters_no_shows_and_asks_about_a_site_visit_only_where_there_is_one(
    client, partnership, coordinator
):
    meeting = ended_meeting(partnership=partnership)
    came = RegistrationFactory.create(meeting=meeting, state=RegState.ATTENDED, person__name="Came Along")
    absent = RegistrationFactory.create(meeting=meeting, state=RegState.NO_SHOW, person__name="Stayed Away")
    client.force_login(coordinator)
    url = reverse("meetings:manage", args=[meeting.pk])

    page = client.get(url, {"show": "no_show"}).content.decode()
    table = page[page.index('id="participants"') :]
    assert absent.person.name in table and came.person.name not in table
    assert "Site visit" not in table

    AgendaItemFactory.create(
        meeting=meeting, kind=AgendaItem.Kind.SITE_VISIT, starts_at=meeting.starts_at, ends_at=meeting.starts_at
    )
    assert "Site visit" in client.get(url).content.decode()


def test_a_personal_link_opens_the_pages_in_the_persons_language_unless_the_browser_chose_one(
    client, partnership, coordinator
):
    meeting = MeetingFactory.create(partnership=partnership)
    guest = services.guest_invite(
        meeting=meeting, name="Giulia Ospite", email="giulia@ospite.example", organisation_name="", by=coordinator
    )
    guest.language = "it"
    guest.save()
    link = re.search(r"/meetings/r/[\w-]+/", OutboundMessage.objects.get(to_email=guest.email).body_text).group(0)

    response = client.get(link)
    assert response.cookies["django_language"].value == "it"
    assert '<html lang="it"' in client.get(response["Location"]).content.decode()
    client.cookies["django_language"] = "hr"
    assert "django_language" not in client.get(link).cookies


def test_a_departure_before_the_arrival_is_told_as_such_with_days_as_the_reader_writes_them(supported):
    registration = partner_registered(supported)
    first = supported.days[0]

    with pytest.raises(ValidationError) as refused:
        ask(registration, arrival=first + dt.timedelta(days=20), departure=first - dt.timedelta(days=20))

    errors = refused.value.message_dict
    assert errors["departure"] == ["The departure cannot be before the arrival."]
    assert date_format(first - dt.timedelta(days=7)) in errors["arrival"][0] and "-" not in errors["arrival"][0]
