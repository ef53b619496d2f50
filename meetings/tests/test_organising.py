"""Organising a meeting in the portal: the participant list on the manage page, who may see it, and what
it costs in queries."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from meetings import services, workflow
from meetings.models import AgendaItem, Meeting, Registration
from meetings.tests.factories import AgendaItemFactory, MeetingFactory, RegistrationFactory, ended_meeting
from partnership import jobs
from partnership.models import Job, Membership, OutboundMessage, Person
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
    AgendaItemFactory(meeting=meeting, kind=AgendaItem.Kind.SITE_VISIT, starts_at=meeting.starts_at)
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
    with django_assert_max_num_queries(16):
        response = client.get(manage_url(meeting))
    assert response.status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(manage_url(meeting, "show=registered&q=a")).status_code == 200


# Invitations ----------------------------------------------------------------------------------


def invite_url(meeting: Meeting, query: str = "") -> str:
    return reverse("meetings:invite", kwargs={"pk": meeting.pk}) + (f"?{query}" if query else "")


def invitations_table(response) -> str:
    match = re.search(
        r'<table class="table table-sm align-middle" id="invited">(.*?)</table>', response.content.decode(), re.S
    )
    assert match, "the invite page does not list who is invited"
    return unescape(re.sub(r"\s+", " ", match.group(1)))


def invitation_mails(meeting: Meeting):
    return OutboundMessage.objects.filter(key__startswith=f"meeting:{meeting.pk}:invitation:").order_by("pk")


def test_invite_page_shows_who_is_invited_when_by_whom_and_their_answer(client, meeting, coordinator, invitees):
    client.force_login(coordinator)
    table = invitations_table(client.get(invite_url(meeting)))
    aino = re.search(r"Aino Virtanen.*?</tr>", table).group(0)
    assert "City of Helsinki" in aino and "Registered" in aino and f"by {coordinator.person.name}" in aino
    dario = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.search(r"Dario Neri.*?</tr>", table).group(0)))
    assert "Not answered" in dario and "Send again Dario Neri" in dario
    assert "Send again" not in aino
    assert "Bruno Conti" not in invitations_table(client.get(invite_url(meeting, "q=Aino")))


def test_people_are_picked_from_a_checkbox_list_of_those_not_yet_invited(
    client, partnership, meeting, coordinator, partner
):
    client.force_login(coordinator)
    page = client.get(invite_url(meeting)).content.decode()
    partner_box = re.search(rf'<input type="checkbox"[^>]*name="people" value="{partner.person.pk}"', page)
    assert partner_box, "the partner is offered as a checkbox"
    assert 'data-filter-label="Filter people by name or organisation"' in page
    assert "js/filter-checkboxes.js" in page
    colleague = PersonFactory(organisation=partner.person.organisation, name="Mika Laine")

    response = client.post(
        invite_url(meeting),
        {"people": [partner.person.pk, colleague.pk], "message": "Please bring your city's proposals."},
        follow=True,
    )

    assert "2 invitations are on their way." in text(response)
    assert set(meeting.registrations.values_list("person__name", flat=True)) == {partner.person.name, "Mika Laine"}
    assert all("Please bring your city's proposals." in mail.body_text for mail in invitation_mails(meeting))
    page = client.get(invite_url(meeting)).content.decode()
    assert f'name="people" value="{partner.person.pk}"' not in page


def test_a_guest_is_invited_by_name_and_email_and_registers_through_the_personal_link(client, meeting, coordinator):
    client.force_login(coordinator)
    response = client.post(
        invite_url(meeting),
        {
            "guest_name": "Giulia Bianchi",
            "guest_email": "Giulia@Unifi.IT",
            "guest_organisation": "University of Florence",
            "message": "Welcome!",
        },
        follow=True,
    )
    assert "1 invitation is on its way." in text(response)
    guest = Person.objects.get(email="giulia@unifi.it")
    assert guest.user is None and guest.organisation.name == "University of Florence"
    mail = invitation_mails(meeting).get()
    assert mail.to_email == "giulia@unifi.it" and "Welcome!" in mail.body_text
    # Inviting the same address again adds nobody.
    response = client.post(
        invite_url(meeting), {"guest_name": "G. Bianchi", "guest_email": "giulia@unifi.it"}, follow=True
    )
    assert "0 invitations are on their way." in text(response)
    assert Person.objects.filter(email="giulia@unifi.it").count() == 1
    # The guest has no account: the personal link opens the registration page as for a partner.
    token = re.search(r"/meetings/r/([A-Za-z0-9_-]+)/", mail.body_text).group(1)
    client.logout()
    response = client.get(reverse("meetings:personal_link", kwargs={"token": token}), follow=True)
    assert response.status_code == 200 and "Giulia Bianchi" in text(response)


def test_a_guest_without_a_name_or_with_a_bad_address_is_told_and_keeps_what_was_typed(client, meeting, coordinator):
    client.force_login(coordinator)
    response = client.post(invite_url(meeting), {"guest_email": "not an address", "message": "Kept message"})
    assert response.status_code == 200
    page = text(response)
    assert "Enter a valid email address." in page and "Give the guest's name." in page
    assert 'value="not an address"' in response.content.decode() and "Kept message" in page
    assert not meeting.registrations.exists()


def test_invitations_are_resent_to_one_or_to_all_who_have_not_answered(client, meeting, coordinator, invitees):
    client.force_login(coordinator)
    dario = Registration.objects.get(person=invitees["invited"])
    aino = Registration.objects.get(person=invitees["registered"])
    first = invitation_mails(meeting).count()

    response = client.post(invite_url(meeting), {"resend": dario.pk}, follow=True)

    assert "1 invitation is sent again." in text(response)
    resent = invitation_mails(meeting)[first:]
    assert [mail.to_email for mail in resent] == [invitees["invited"].email]
    old_token = re.search(
        r"/meetings/r/([A-Za-z0-9_-]+)/",
        invitation_mails(meeting).filter(key=f"meeting:{meeting.pk}:invitation:{dario.pk}").get().body_text,
    )
    new_token = re.search(r"/meetings/r/([A-Za-z0-9_-]+)/", resent[0].body_text)
    assert old_token and new_token and old_token.group(1) != new_token.group(1)
    client.post(invite_url(meeting), {"resend": aino.pk})  # answered already: nothing is sent
    client.post(invite_url(meeting), {"resend_all": "1"})
    assert invitation_mails(meeting).count() == first + 2
    assert invitation_mails(meeting).filter(to_email=invitees["invited"].email).count() == 3


def test_invitations_are_for_the_meetings_coordinators_only(client, meeting, partner, outsider, invitees):
    dario = Registration.objects.get(person=invitees["invited"])
    other_coordinator = member_user(PartnershipFactory(), Membership.Role.COORDINATOR)
    for user in (partner, outsider, other_coordinator):
        client.force_login(user)
        assert client.get(invite_url(meeting)).status_code == 403
        assert client.post(invite_url(meeting), {"resend": dario.pk}).status_code == 403
        assert client.post(invite_url(meeting), {"guest_name": "X", "guest_email": "x@example.org"}).status_code == 403
    assert not Person.objects.filter(email="x@example.org").exists()


@pytest.mark.parametrize("forged", ["999999999", "abc", "", "-1", "9" * 30])
def test_a_forged_or_foreign_registration_to_resend_is_404(client, meeting, coordinator, forged):
    foreign = RegistrationFactory(meeting=MeetingFactory(), state=RegState.INVITED)
    client.force_login(coordinator)
    assert client.post(invite_url(meeting), {"resend": forged}).status_code == 404
    assert client.post(invite_url(meeting), {"resend": foreign.pk}).status_code == 404


# Writing to participants ----------------------------------------------------------------------


def write_url(meeting: Meeting) -> str:
    return reverse("meetings:write", kwargs={"pk": meeting.pk})


def letters(meeting: Meeting):
    return OutboundMessage.objects.filter(key__startswith=f"meeting:{meeting.pk}:letter:")


@pytest.mark.parametrize(
    ("audience", "names"),
    [
        ("registered", {"Aino Virtanen", "Elena Galli"}),
        ("waitlist", {"Bruno Conti"}),
        ("not_answered", {"Dario Neri"}),
        ("all", {"Aino Virtanen", "Bruno Conti", "Dario Neri", "Elena Galli"}),
    ],
)
def test_a_letter_goes_once_to_its_audience_with_the_meetings_details(
    client, meeting, coordinator, invitees, audience, names
):
    client.force_login(coordinator)
    page = text(client.get(write_url(meeting)))
    assert "Those who have not answered (1)" in page and "The registered (2)" in page

    response = client.post(
        write_url(meeting), {"audience": audience, "subject": "Bring slides", "body": "Please bring your slides."}
    )

    assert response.status_code == 302
    job = Job.objects.get(key=f"meeting:{meeting.pk}:letter")
    assert job.requested_by == coordinator and job.state in (Job.State.QUEUED, Job.State.DONE)
    jobs.job_run(job_id=job.pk)  # what the worker does; a second run (a redelivered task) adds nothing
    jobs.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.state, job.done, job.total) == (Job.State.DONE, len(names), len(names))
    by_address = {person.email: person.name for person in invitees.values()}
    assert sorted(by_address[mail.to_email] for mail in letters(meeting)) == sorted(names)
    mail = letters(meeting).first()
    assert mail.subject == f"{meeting.title}: Bring slides"
    assert "Please bring your slides." in mail.body_text and "Florence" in mail.body_text
    # None of them has an account: their way to the meeting's pages is a personal link.
    assert re.search(r"/meetings/r/[\w-]+/", mail.body_text) and meeting.get_absolute_url() not in mail.body_text
    assert 'data-state="done"' in client.get(write_url(meeting)).content.decode()


def test_a_letters_link_is_the_meeting_page_with_an_account_and_a_personal_link_without(
    client, meeting, coordinator, invitees
):
    member = member_user(meeting.partnership, name="Maria Member")
    services.meeting_invite(meeting=meeting, people=[member.person], by=coordinator)
    client.force_login(coordinator)
    client.post(write_url(meeting), {"audience": "not_answered", "subject": "Answer", "body": "Please answer."})
    jobs.job_run(job_id=Job.objects.get(key=f"meeting:{meeting.pk}:letter").pk)

    to_member = letters(meeting).get(to_email=member.email)
    assert meeting.get_absolute_url() in to_member.body_text and "/meetings/r/" not in to_member.body_text
    to_guest = letters(meeting).get(to_email=invitees["invited"].email)
    personal = re.search(r"http://[^/]+(/meetings/r/[\w-]+/)", to_guest.body_text)
    assert personal is not None
    client.logout()
    registration = Registration.objects.get(meeting=meeting, person=invitees["invited"])
    page = client.get(personal.group(1), follow=True)
    assert page.status_code == 200 and page.redirect_chain[-1][0] == reverse("meetings:register", args=[meeting.pk])
    assert page.context["registration"] == registration


def test_a_second_letter_waits_for_the_first_and_bad_input_is_kept(client, meeting, coordinator, invitees):
    client.force_login(coordinator)
    response = client.post(write_url(meeting), {"audience": "everyone!", "subject": "", "body": "Kept text"})
    assert response.status_code == 200
    assert "Kept text" in text(response) and "This field is required." in text(response)
    client.post(write_url(meeting), {"audience": "registered", "subject": "One", "body": "First"})
    response = client.post(write_url(meeting), {"audience": "registered", "subject": "Two", "body": "Second"})
    assert "The previous letter is still being written" in text(response)
    assert Job.objects.filter(key=f"meeting:{meeting.pk}:letter").count() == 1
    page = client.get(write_url(meeting)).content.decode()
    assert 'http-equiv="refresh"' in page and 'data-state="queued"' in page


def test_nobody_is_written_to_about_a_draft_or_an_empty_group(client, partnership, meeting, coordinator):
    client.force_login(coordinator)
    response = client.post(write_url(meeting), {"audience": "waitlist", "subject": "S", "body": "B"})
    assert "Nobody is in this group yet." in text(response)
    draft = MeetingFactory(partnership=partnership, state=Meeting.State.DRAFT)
    assert "Nobody can be written to about a draft" in text(client.get(write_url(draft)))
    assert not Job.objects.exists()


def test_writing_to_participants_is_for_the_meetings_coordinators_only(client, meeting, partner, outsider, invitees):
    other_coordinator = member_user(PartnershipFactory(), Membership.Role.COORDINATOR)
    for user in (partner, outsider, other_coordinator):
        client.force_login(user)
        assert client.get(write_url(meeting)).status_code == 403
        post = client.post(write_url(meeting), {"audience": "all", "subject": "S", "body": "B"})
        assert post.status_code == 403
    private = MeetingFactory(partnership=PartnershipFactory(is_public=False), is_public=False)
    assert client.get(write_url(private)).status_code == 404
    client.logout()
    assert client.get(write_url(meeting)).status_code == 302
    assert not Job.objects.exists()


# Guards: check-in from the first day, held once ended, undo for a day ---------------------------


def test_check_in_opens_on_the_first_day_on_the_venues_clock_and_closes_a_day_after_the_end(settings):
    riga = zoneinfo.ZoneInfo("Europe/Riga")
    meeting = Meeting(
        timezone="Europe/Riga",
        starts_at=dt.datetime(2031, 6, 5, 10, 0, tzinfo=riga),
        ends_at=dt.datetime(2031, 6, 6, 17, 0, tzinfo=riga),
    )
    settings.MEETING_CHECK_IN_OPENS_HOURS = 0
    assert workflow.check_in_window(meeting) == (
        dt.datetime(2031, 6, 5, 0, 0, tzinfo=riga),
        dt.datetime(2031, 6, 7, 17, 0, tzinfo=riga),
    )
    # 23:30 in Brussels on the 4th is already the 5th in Riga.
    assert workflow.check_in_is_open(
        meeting, now=dt.datetime(2031, 6, 4, 23, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Brussels"))
    )
    assert not workflow.check_in_is_open(meeting, now=dt.datetime(2031, 6, 4, 23, 59, tzinfo=riga))
    assert not workflow.check_in_is_open(meeting, now=dt.datetime(2031, 6, 7, 17, 1, tzinfo=riga))
    settings.MEETING_CHECK_IN_OPENS_HOURS = 3
    assert workflow.check_in_is_open(meeting, now=dt.datetime(2031, 6, 4, 21, 0, tzinfo=riga))


def test_nobody_is_checked_in_or_told_they_attended_a_month_early(client, meeting, coordinator, partner):
    registration = RegistrationFactory(meeting=meeting, person=partner.person)
    with pytest.raises(ValidationError, match="Check-in opens on"):
        services.registration_check_in(registration=registration, by=coordinator)
    client.force_login(coordinator)
    check_in = reverse("meetings:check_in", kwargs={"pk": meeting.pk})
    page = text(client.get(check_in))
    assert "Check-in opens on" in page and "Check in " + partner.person.name not in page
    response = client.post(check_in, {"registration": registration.pk}, follow=True)
    assert "Check-in opens on" in text(response)
    registration.refresh_from_db()
    assert registration.state == RegState.REGISTERED
    client.force_login(partner)
    assert "You attended" not in text(client.get(meeting.get_absolute_url()))


def test_check_in_closes_a_day_after_the_end_and_is_undone_only_within_a_day(partnership, coordinator):
    long_over = ended_meeting(
        partnership=partnership,
        starts_at=timezone.now() - dt.timedelta(days=3),
        ends_at=timezone.now() - dt.timedelta(days=2),
    )
    late = RegistrationFactory(meeting=long_over)
    with pytest.raises(ValidationError, match="Check-in closed"):
        services.registration_check_in(registration=late, by=coordinator)
    meeting = ended_meeting(partnership=partnership)
    registration = services.registration_check_in(registration=RegistrationFactory(meeting=meeting), by=coordinator)
    Registration.objects.filter(pk=registration.pk).update(checked_in_at=timezone.now() - dt.timedelta(hours=25))
    with pytest.raises(ValidationError, match="within a day"):
        services.registration_undo_check_in(registration=registration, by=coordinator)
    registration.refresh_from_db()
    assert registration.state == RegState.ATTENDED


def test_held_waits_for_the_end_and_is_confirmed(client, partnership, meeting, coordinator):
    client.force_login(coordinator)
    page = client.get(manage_url(meeting)).content.decode()
    assert 'name="to_state" value="held"' not in page and "It can be marked held once it has ended" in unescape(page)
    response = client.post(manage_url(meeting), {"to_state": "held", "confirm": "1"}, follow=True)
    assert "once it has ended, not before" in text(response)
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.REGISTRATION_OPEN

    ended = ended_meeting(partnership=partnership)
    RegistrationFactory(meeting=ended, state=RegState.REGISTERED)
    assert 'name="to_state" value="held"' in client.get(manage_url(ended)).content.decode()
    confirm = client.post(manage_url(ended), {"to_state": "held"})
    assert confirm.status_code == 200
    assert "1 registered person was not checked in" in text(confirm) and 'name="confirm"' in confirm.content.decode()
    ended.refresh_from_db()
    assert ended.state == Meeting.State.REGISTRATION_OPEN
    client.post(manage_url(ended), {"to_state": "held", "confirm": "1"})
    ended.refresh_from_db()
    assert ended.state == Meeting.State.HELD


def test_held_is_undone_within_a_day_with_its_no_shows_and_history(client, partnership, coordinator, partner):
    meeting = ended_meeting(partnership=partnership, state=Meeting.State.REGISTRATION_CLOSED)
    came = services.registration_check_in(registration=RegistrationFactory(meeting=meeting), by=coordinator)
    stayed_home = RegistrationFactory(meeting=meeting, state=RegState.CONFIRMED)
    services.meeting_transition(meeting=meeting, to_state=Meeting.State.HELD, by=coordinator)
    stayed_home.refresh_from_db()
    assert stayed_home.state == RegState.NO_SHOW
    client.force_login(partner)
    assert client.post(manage_url(meeting), {"undo_held": "1"}).status_code == 403
    client.force_login(coordinator)
    assert 'name="undo_held"' in client.get(manage_url(meeting)).content.decode()

    response = client.post(manage_url(meeting), {"undo_held": "1"}, follow=True)

    assert "no longer marked held" in text(response)
    meeting.refresh_from_db()
    stayed_home.refresh_from_db()
    came.refresh_from_db()
    assert (meeting.state, stayed_home.state, came.state) == (
        Meeting.State.REGISTRATION_CLOSED,
        RegState.CONFIRMED,
        RegState.ATTENDED,
    )
    history = list(meeting.transitions.values_list("from_state", "to_state", "by"))
    assert history[-2:] == [
        (Meeting.State.REGISTRATION_CLOSED, Meeting.State.HELD, coordinator.pk),
        (Meeting.State.HELD, Meeting.State.REGISTRATION_CLOSED, coordinator.pk),
    ]
    assert list(stayed_home.changes.values_list("to_state", flat=True)) == [RegState.NO_SHOW, RegState.CONFIRMED]
    # Held again, and a day later it stays held.
    services.meeting_transition(meeting=meeting, to_state=Meeting.State.HELD, by=coordinator)
    meeting.transitions.filter(to_state=Meeting.State.HELD).update(at=timezone.now() - dt.timedelta(hours=25))
    assert 'name="undo_held"' not in client.get(manage_url(meeting)).content.decode()
    response = client.post(manage_url(meeting), {"undo_held": "1"}, follow=True)
    assert "only within a day" in text(response)
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.HELD
