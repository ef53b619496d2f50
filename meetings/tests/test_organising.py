"""Organising a meeting in the portal: the participant list on the manage page, who may see it, and what
it costs in queries."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from meetings import services
from meetings.models import Meeting, Registration
from meetings.tests.factories import MeetingFactory, RegistrationFactory
from partnership.models import Membership
from partnership.tests.factories import OrganisationFactory, PartnershipFactory, PersonFactory, member_user

pytestmark = pytest.mark.django_db
RegState = Registration.State


def text(response) -> str:
    return unescape(re.sub(r"\s+", " ", response.content.decode()))


def manage_url(meeting: Meeting, query: str = "") -> str:
    return reverse("meetings:manage", kwargs={"pk": meeting.pk}) + (f"?{query}" if query else "")


def participants_table(response) -> str:
    match = re.search(
        r'<table class="table table-sm align-middle" id="participants">(.*?)</table>', response.content.decode(), re.S
    )
    assert match, "the manage page has no participant list"
    return unescape(re.sub(r"\s+", " ", match.group(1)))


@pytest.fixture
def meeting(partnership):
    return MeetingFactory(partnership=partnership, title="Third partnership meeting, Florence", capacity=None)


@pytest.fixture
def invitees(meeting, coordinator):
    """One invitee in each answer, invited through the service by the coordinator."""
    helsinki = OrganisationFactory(name="City of Helsinki")
    people = {
        "registered": PersonFactory(name="Aino Virtanen", organisation=helsinki, email="aino@hel.fi"),
        "waitlisted": PersonFactory(name="Bruno Conti"),
        "declined": PersonFactory(name="Carla Rossi"),
        "invited": PersonFactory(name="Dario Neri"),
        "attended": PersonFactory(name="Elena Galli"),
    }
    services.meeting_invite(meeting=meeting, people=people.values(), by=coordinator)
    days = [day.isoformat() for day in meeting.days]
    services.registration_submit(
        registration=Registration.objects.get(person=people["registered"]),
        by=None,
        days=days[:1],
        site_visit=True,
        dietary_needs="Vegetarian",
        accessibility_needs="Step-free access",
        consent_participant_list=True,
    )
    Registration.objects.filter(person=people["waitlisted"]).update(state=RegState.WAITLISTED)
    Registration.objects.filter(person=people["declined"]).update(state=RegState.DECLINED)
    Registration.objects.filter(person=people["attended"]).update(state=RegState.ATTENDED)
    return people


def test_manage_page_lists_participants_with_their_registration(client, meeting, coordinator, invitees):
    client.force_login(coordinator)
    table = participants_table(client.get(manage_url(meeting)))
    for person in invitees.values():
        assert person.name in table
    row = re.search(r"Aino Virtanen.*?</tr>", table).group(0)
    assert "City of Helsinki" in row and "Registered" in row and "aino@hel.fi" in row
    first_day = meeting.days[0]
    assert f"{first_day:%a} {first_day.day} {first_day:%b}" in row
    assert "yes" in row and "Vegetarian" in row and "Step-free access" in row
    assert f"by {coordinator.person.name}" in row


@pytest.mark.parametrize(
    ("show", "names"),
    [
        ("registered", {"Aino Virtanen"}),
        ("waitlist", {"Bruno Conti"}),
        ("declined", {"Carla Rossi"}),
        ("not_answered", {"Dario Neri"}),
        ("attended", {"Elena Galli"}),
        ("", {"Aino Virtanen", "Bruno Conti", "Carla Rossi", "Dario Neri", "Elena Galli"}),
        ("nonsense", {"Aino Virtanen", "Bruno Conti", "Carla Rossi", "Dario Neri", "Elena Galli"}),
    ],
)
def test_participant_filters_show_each_answer(client, meeting, coordinator, invitees, show, names):
    client.force_login(coordinator)
    table = participants_table(client.get(manage_url(meeting, f"show={show}")))
    assert {person.name for person in invitees.values() if person.name in table} == names


def test_participant_search_matches_name_email_or_organisation_within_a_filter(client, meeting, coordinator, invitees):
    client.force_login(coordinator)
    for query in ("virtanen", "aino@hel", "Helsinki"):
        table = participants_table(client.get(manage_url(meeting, f"q={query}")))
        assert "Aino Virtanen" in table and "Bruno Conti" not in table
    table = participants_table(client.get(manage_url(meeting, "show=waitlist&q=Aino")))
    assert "Nobody matches." in table
    response = client.get(manage_url(meeting, "q=" + "x" * 5000 + "&page=-3"))
    assert response.status_code == 200
    assert "Nobody matches." in participants_table(response)


def test_participant_list_pages_keep_the_filter_and_search(client, meeting, coordinator):
    for n in range(55):
        RegistrationFactory(meeting=meeting, person=PersonFactory(name=f"Person {n:02d}"))
    client.force_login(coordinator)
    page = client.get(manage_url(meeting, "show=registered&q=Person"))
    assert "Page 1 of 2" in text(page)
    assert "?show=registered&amp;q=Person&amp;page=2" in page.content.decode()
    assert "Person 54" in participants_table(client.get(manage_url(meeting, "show=registered&q=Person&page=2")))


def test_exports_stay_on_the_manage_page(client, meeting, coordinator, invitees):
    client.force_login(coordinator)
    page = client.get(manage_url(meeting)).content.decode()
    assert reverse("meetings:participants", kwargs={"pk": meeting.pk}) + "?format=csv" in page
    assert reverse("meetings:participants", kwargs={"pk": meeting.pk}) + "?format=xlsx" in page


def test_participant_list_is_for_the_meetings_coordinators_only(
    client, partnership, meeting, partner, outsider, invitees
):
    other_coordinator = member_user(PartnershipFactory(), Membership.Role.COORDINATOR)
    client.force_login(partner)
    assert client.get(manage_url(meeting, "show=registered")).status_code == 403
    client.force_login(outsider)
    assert client.get(manage_url(meeting, "show=registered")).status_code == 403
    client.force_login(other_coordinator)
    assert client.get(manage_url(meeting, "show=registered")).status_code == 403
    private = MeetingFactory(partnership=PartnershipFactory(is_public=False), is_public=False)
    assert client.get(manage_url(private)).status_code == 404
    client.logout()
    assert client.get(manage_url(meeting)).status_code == 302


@pytest.mark.parametrize("invitees", [10, 200])
def test_manage_page_queries_do_not_grow_with_invitees(
    client, meeting, coordinator, django_assert_max_num_queries, invitees
):
    organisations = [OrganisationFactory() for _ in range(5)]
    for n in range(invitees):
        state = [RegState.REGISTERED, RegState.INVITED, RegState.WAITLISTED, RegState.DECLINED][n % 4]
        RegistrationFactory(meeting=meeting, state=state, person=PersonFactory(organisation=organisations[n % 5]))
    services.meeting_invite(meeting=meeting, people=[PersonFactory()], by=coordinator)
    client.force_login(coordinator)
    with django_assert_max_num_queries(14):
        response = client.get(manage_url(meeting))
    assert response.status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(manage_url(meeting, "show=registered&q=a")).status_code == 200
