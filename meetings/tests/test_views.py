"""Every meetings page: who may use it, who gets 403 or 404, and what it does."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import secrets
from html import unescape
from pathlib import Path
from urllib.parse import quote

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.models import AgendaItem, Meeting, MeetingDocument, Minutes, Registration
from meetings.tests.factories import (
    ROME,
    AgendaItemFactory,
    MeetingDocumentFactory,
    MeetingFactory,
    RegistrationFactory,
    ended_meeting,
)
from partnership.documents import MAX_DOCUMENT_BYTES
from partnership.models import OutboundMessage, Person
from partnership.selectors import person_for
from partnership.tests.factories import PartnershipFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db
State = Meeting.State
RegState = Registration.State
Vis = MeetingDocument.Visibility
JOIN = "https://meet.example.eu/room-42"
COORDINATOR_VIEWS = [
    "manage",
    "invite",
    "reschedule",
    "cancel",
    "minutes",
    "document_upload",
    "check_in",
    "participants",
]


@pytest.fixture
def meeting(partnership):
    return MeetingFactory(partnership=partnership, title="Third partnership meeting, Florence")


@pytest.fixture
def members_only(partnership):
    return MeetingFactory(partnership=partnership, title="Members-only meeting", is_public=False)


def url(name: str, meeting: Meeting, **query: str) -> str:
    path = reverse(f"meetings:{name}", kwargs={"pk": meeting.pk})
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def use(client, name: str, meeting: Meeting):
    """Call a coordinators' page the way its page calls it (the upload is a POST)."""
    if name == "document_upload":
        return client.post(url(name, meeting), {})
    return client.get(url(name, meeting))


def as_user(client, user):
    if user is not None:
        client.force_login(user)
    return client


def text(response) -> str:
    return unescape(re.sub(r"\s+", " ", response.content.decode()))


def login_redirect(response, path: str) -> bool:
    return response.status_code == 302 and response["Location"] == f"{reverse('login')}?next={quote(path)}"


def invite(meeting: Meeting, person: Person) -> tuple[Registration, str]:
    """Invite through the service and take the personal link from the queued mail."""
    services.meeting_invite(meeting=meeting, people=[person], by=None)
    registration = Registration.objects.get(meeting=meeting, person=person)
    body = OutboundMessage.objects.get(key=f"meeting:{meeting.pk}:invitation:{registration.pk}").body_text
    match = re.search(r"/meetings/r/([A-Za-z0-9_-]+)/", body)
    assert match
    return registration, match.group(1)


def open_link(client, token: str):
    return client.get(reverse("meetings:personal_link", kwargs={"token": token}))


# List, detail, calendar file ------------------------------------------------------------------


def test_list_shows_what_each_user_may_see(client, partnership, partner, outsider, coordinator, members_only):
    MeetingFactory(partnership=partnership, title="Public meeting in Florence")
    MeetingFactory(partnership=partnership, title="Draft meeting in Brussels", state=State.DRAFT)
    MeetingFactory(partnership=PartnershipFactory(is_public=False), title="Closed circle meeting")
    MeetingFactory(
        partnership=partnership,
        title="Kick-off meeting, Paris",
        starts_at=timezone.now() - dt.timedelta(days=200),
        ends_at=timezone.now() - dt.timedelta(days=199),
        registration_deadline=None,
        state=State.HELD,
    )
    titles = (
        "Public meeting in Florence",
        "Draft meeting in Brussels",
        "Members-only meeting",
        "Closed circle meeting",
    )
    seen = {}
    for name, user in [("anonymous", None), ("outsider", outsider), ("partner", partner), ("coord", coordinator)]:
        client.logout()
        page = text(as_user(client, user).get(reverse("meetings:list")))
        seen[name] = {title.split()[0] for title in titles if title in page}
        assert "Kick-off meeting, Paris" not in page
        assert "Kick-off meeting, Paris" in text(client.get(reverse("meetings:list") + "?when=past"))
    assert seen == {
        "anonymous": {"Public"},
        "outsider": {"Public"},
        "partner": {"Public", "Members-only"},
        "coord": {"Public", "Members-only", "Draft"},
    }


@pytest.mark.parametrize("name", ["detail", "ics", "register"])
def test_draft_meeting_is_hidden_from_partners_but_not_from_coordinators(
    client, name, partnership, partner, coordinator
):
    draft = MeetingFactory(partnership=partnership, state=State.DRAFT)
    assert as_user(client, partner).get(url(name, draft)).status_code == 404
    client.force_login(coordinator)
    assert client.get(url(name, draft)).status_code == 200


@pytest.mark.parametrize("name", ["detail", "ics"])
def test_meeting_of_a_private_partnership_is_hidden_from_outsiders(client, name, outsider):
    closed = PartnershipFactory(is_public=False)
    meeting = MeetingFactory(partnership=closed, is_public=True)
    assert client.get(url(name, meeting)).status_code == 404
    assert as_user(client, outsider).get(url(name, meeting)).status_code == 404


@pytest.mark.parametrize("name", ["detail", "ics"])
def test_members_only_meeting_is_hidden_from_outsiders_and_visitors(client, name, members_only, partner, outsider):
    assert client.get(url(name, members_only)).status_code == 404
    assert as_user(client, outsider).get(url(name, members_only)).status_code == 404
    assert as_user(client, partner).get(url(name, members_only)).status_code == 200


def test_public_meeting_page_for_a_visitor(client, meeting):
    AgendaItemFactory(meeting=meeting, title="Teaser Session", kind=AgendaItem.Kind.TEASER)
    response = client.get(url("detail", meeting))
    assert response.status_code == 200
    page = text(response)
    assert "Teaser Session" in page
    assert "09:30" in page  # venue time
    assert "Use the personal link in your invitation, or log in to register." in page
    assert url("manage", meeting) not in page


def test_registration_deadline_is_shown_in_the_venue_time_zone(client):
    start = dt.datetime(2031, 3, 10, 9, 0, tzinfo=ROME)
    meeting = MeetingFactory(
        timezone="Europe/Lisbon",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=8),
        registration_deadline=dt.datetime(2031, 3, 1, 23, 59, tzinfo=ROME),
    )
    assert "1 March 2031, 22:59" in text(client.get(url("detail", meeting)))


# Coordinators' pages --------------------------------------------------------------------------


@pytest.mark.parametrize("name", COORDINATOR_VIEWS)
def test_coordinator_pages_are_for_the_coordinators(
    client, name, meeting, members_only, coordinator, partner, outsider
):
    assert use(as_user(client, coordinator), name, meeting).status_code == 200
    assert use(as_user(client, partner), name, meeting).status_code == 403
    # An outsider who cannot see the meeting learns nothing; one who can see it may not change it.
    assert use(as_user(client, outsider), name, members_only).status_code == 404
    assert use(client, name, meeting).status_code == 403
    client.logout()
    response = use(client, name, meeting)
    assert login_redirect(response, url(name, meeting)), response


def test_manage_page_moves_the_meeting_through_its_workflow(client, partnership, coordinator, partner):
    meeting = MeetingFactory(partnership=partnership, state=State.DRAFT)
    client.force_login(partner)
    assert client.post(url("manage", meeting), {"to_state": State.ANNOUNCED}).status_code == 404
    client.force_login(coordinator)
    page = text(client.get(url("manage", meeting)))
    assert "Announced" in page

    response = client.post(url("manage", meeting), {"to_state": State.ANNOUNCED}, follow=True)

    meeting.refresh_from_db()
    assert meeting.state == State.ANNOUNCED
    assert "The meeting's state is changed." in text(response)
    assert meeting.transitions.get().by == coordinator
    for wrong in (State.MINUTES_PUBLISHED, "nonsense"):
        response = client.post(url("manage", meeting), {"to_state": wrong}, follow=True)
        assert response.status_code == 200
        assert "cannot go from" in text(response) or "is not a state" in text(response)
    meeting.refresh_from_db()
    assert meeting.state == State.ANNOUNCED


def test_partner_cannot_change_the_state(client, meeting, partner):
    client.force_login(partner)
    assert client.post(url("manage", meeting), {"to_state": State.HELD}).status_code == 403
    meeting.refresh_from_db()
    assert meeting.state == State.REGISTRATION_OPEN


def test_invite_page_invites_people_by_role_once(client, meeting, coordinator, partner):
    client.force_login(coordinator)
    response = client.post(url("invite", meeting), {"roles": ["partner"]}, follow=True)
    assert "1 invitation is on its way." in text(response)
    assert list(meeting.registrations.values_list("person__user", flat=True)) == [partner.pk]
    response = client.post(url("invite", meeting), {"roles": ["partner"]}, follow=True)
    assert "0 invitations are on their way." in text(response)
    assert OutboundMessage.objects.filter(key__startswith=f"meeting:{meeting.pk}:invitation:").count() == 1
    response = client.post(url("invite", meeting), {"invite": "Send invitations"})
    assert "Choose at least one role or one person to invite, or give a guest." in text(response)


def test_reschedule_page_reads_times_in_the_venue_zone(client, meeting, coordinator):
    client.force_login(coordinator)
    new_start = meeting.local(meeting.starts_at) + dt.timedelta(days=7)
    response = client.post(
        url("reschedule", meeting),
        {
            "starts_at": new_start.strftime("%Y-%m-%dT10:00"),
            "ends_at": (new_start + dt.timedelta(days=1)).strftime("%Y-%m-%dT13:00"),
            "reason": "The venue is needed for an election.",
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.local(meeting.starts_at).replace(tzinfo=None) == new_start.replace(hour=10, minute=0, tzinfo=None)
    assert meeting.sequence == 1


def test_cancel_page_needs_a_reason_and_cancels(client, meeting, coordinator):
    client.force_login(coordinator)
    response = client.post(url("cancel", meeting), {"reason": ""})
    assert response.status_code == 200
    meeting.refresh_from_db()
    assert meeting.state == State.REGISTRATION_OPEN
    client.post(url("cancel", meeting), {"reason": "Floods in the city."})
    meeting.refresh_from_db()
    assert meeting.state == State.CANCELLED
    assert meeting.transitions.get().reason == "Floods in the city."


def test_minutes_page_sanitises_and_publishes(client, partnership, coordinator, partner):
    meeting = MeetingFactory(partnership=partnership, state=State.HELD)
    client.force_login(coordinator)
    response = client.post(url("minutes", meeting), {"body": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert "This field cannot be blank." in text(response)
    response = client.post(
        url("minutes", meeting), {"body": "<p>Long list agreed.</p><script>alert(1)</script>", "publish": "1"}
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.state == State.MINUTES_PUBLISHED
    minutes = Minutes.objects.get(meeting=meeting)
    assert minutes.body == "<p>Long list agreed.</p>"
    assert minutes.published_at is not None
    client.force_login(partner)
    page = text(client.get(url("detail", meeting)))
    assert "Long list agreed." in page and "alert(1)" not in page


def test_check_in_page_checks_people_in(client, meeting, coordinator):
    meeting = ended_meeting(partnership=meeting.partnership)  # check-in is open from the first day of the meeting
    registration = RegistrationFactory(meeting=meeting, person=PersonFactory(name="Aino Virtanen"))
    RegistrationFactory(meeting=meeting, person=PersonFactory(name="Claire Martin"))
    client.force_login(coordinator)
    page = text(client.get(url("check_in", meeting, q="Aino")))
    assert "Aino Virtanen" in page and "Claire Martin" not in page

    response = client.post(url("check_in", meeting), {"registration": registration.pk, "q": "Aino V&x"})

    assert response.status_code == 302
    assert response["Location"].endswith("?q=Aino+V%26x")
    registration.refresh_from_db()
    assert registration.state == RegState.ATTENDED
    other = RegistrationFactory(meeting=MeetingFactory())
    assert client.post(url("check_in", meeting), {"registration": other.pk}).status_code == 404


# Registration -----------------------------------------------------------------------------------


def test_register_asks_visitors_to_log_in_and_refuses_non_members(client, meeting, members_only, outsider):
    response = client.get(url("register", meeting))
    assert login_redirect(response, url("register", meeting))
    client.force_login(outsider)
    assert client.get(url("register", meeting)).status_code == 403
    assert client.get(url("register", members_only)).status_code == 404


def test_registration_form_errors_keep_what_was_typed(client, meeting, partner):
    client.force_login(partner)
    response = client.post(
        url("register", meeting),
        {"dietary_needs": "vegetarian, no nuts", "accessibility_needs": "step-free access", "register": ""},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose at least one day of the meeting." in text(response)
    assert 'value="vegetarian, no nuts"' in page
    assert 'value="step-free access"' in page
    # Nothing is recorded for a member whose registration did not go through.
    assert not meeting.registrations.exists()


def test_member_registers_and_gets_a_confirmation(client, meeting, partner):
    client.force_login(partner)
    days = [day.isoformat() for day in meeting.days]
    response = client.post(
        url("register", meeting), {"days": days[:1], "dietary_needs": "halal", "register": ""}, follow=True
    )
    assert "You are registered." in text(response)
    registration = meeting.registrations.get()
    assert (registration.state, registration.days, registration.dietary_needs) == (
        RegState.REGISTERED,
        days[:1],
        "halal",
    )
    assert OutboundMessage.objects.filter(key__startswith=f"meeting:{meeting.pk}:confirmation:").count() == 1


def test_full_meeting_waitlists(client, partnership, partner):
    meeting = MeetingFactory(partnership=partnership, capacity=1)
    RegistrationFactory(meeting=meeting, state=RegState.REGISTERED)
    client.force_login(partner)
    days = [day.isoformat() for day in meeting.days]
    response = client.post(url("register", meeting), {"days": days, "register": ""}, follow=True)
    assert "The meeting is full: you are on the waitlist." in text(response)
    assert meeting.registrations.get(person__user=partner).state == RegState.WAITLISTED


def test_registration_closed_after_the_deadline_shows_so(client, partnership, partner):
    meeting = MeetingFactory(partnership=partnership, registration_deadline=timezone.now() - dt.timedelta(hours=1))
    client.force_login(partner)
    page = text(client.get(url("register", meeting)))
    assert "Registration for this meeting is closed." in page
    days = [day.isoformat() for day in meeting.days]
    client.post(url("register", meeting), {"days": days, "register": ""})
    assert not meeting.registrations.exists()


# Personal links -----------------------------------------------------------------------------------


def test_personal_link_opens_a_session_without_the_token_in_the_address(client, meeting):
    person = PersonFactory(name="Ivana Horvat")
    registration, token = invite(meeting, person)

    response = client.get(reverse("meetings:personal_link", kwargs={"token": token}), follow=True)

    assert response.redirect_chain == [(url("register", meeting), 302)]
    assert token not in response.redirect_chain[-1][0]
    assert "For Ivana Horvat" in text(response)
    days = [day.isoformat() for day in meeting.days]
    client.post(url("register", meeting), {"days": days, "accessibility_needs": "wheelchair", "register": ""})
    registration.refresh_from_db()
    assert (registration.state, registration.accessibility_needs) == (RegState.REGISTERED, "wheelchair")


def test_the_reminder_to_answer_carries_a_fresh_personal_link_and_the_first_still_works(client, meeting):
    person = PersonFactory(name="Ivana Horvat")
    registration, first = invite(meeting, person)
    due = meeting.registration_deadline - dt.timedelta(days=7) + dt.timedelta(minutes=1)

    assert services.reminders_sweep(now=due) == 1
    reminder = OutboundMessage.objects.get(key__startswith=f"meeting:{meeting.pk}:reminder:", to_email=person.email)
    match = re.search(r"/meetings/r/([A-Za-z0-9_-]+)/", reminder.body_text)

    assert match and match.group(1) != first
    response = client.get(reverse("meetings:personal_link", kwargs={"token": match.group(1)}), follow=True)
    assert response.redirect_chain == [(url("register", meeting), 302)]
    assert "For Ivana Horvat" in text(response)
    client.session.flush()
    assert open_link(client, first).status_code == 302
    # A second reminder (another rule, or a moved deadline) brings another link; the first keeps working.
    meeting.reminder_rules.create(days_before=3, anchor="deadline", audience="not_answered")
    assert services.reminders_sweep(now=meeting.registration_deadline - dt.timedelta(days=3, minutes=-1)) == 1
    links = set()
    for mail in OutboundMessage.objects.filter(key__startswith=f"meeting:{meeting.pk}:reminder:"):
        link = re.search(r"/meetings/r/([A-Za-z0-9_-]+)/", mail.body_text)
        assert link
        links.add(link.group(1))
    assert len(links) == 2
    for token in links:
        client.session.flush()
        assert open_link(client, token).status_code == 302
    assert registration.reminder_links.count() == 2


def test_invitee_declines_through_the_personal_link(client, meeting):
    registration, token = invite(meeting, PersonFactory())
    open_link(client, token)
    response = client.post(url("register", meeting), {"decline": "1", "reason": "Another commitment"}, follow=True)
    assert "Your answer is recorded." in text(response)
    registration.refresh_from_db()
    assert registration.state == RegState.DECLINED
    assert registration.changes.last().reason == "Another commitment"


def test_invitee_of_a_members_only_meeting_sees_its_page_through_the_link(client, members_only):
    _registration, token = invite(members_only, PersonFactory())
    assert client.get(url("detail", members_only)).status_code == 404
    open_link(client, token)
    assert client.get(url("detail", members_only)).status_code == 200
    assert client.get(url("ics", members_only)).status_code == 200


def test_guessed_expired_or_cancelled_personal_links_are_the_same_404(client, partnership):
    open_meeting = MeetingFactory(partnership=partnership)
    expired = MeetingFactory(partnership=partnership, registration_deadline=timezone.now() - dt.timedelta(minutes=1))
    cancelled = MeetingFactory(partnership=partnership)
    _r, expired_token = invite(expired, PersonFactory())
    _r, cancelled_token = invite(cancelled, PersonFactory())
    _r, valid_token = invite(open_meeting, PersonFactory())
    services.meeting_cancel(meeting=cancelled, by=None, reason="No quorum")

    tokens = (secrets.token_urlsafe(32), expired_token, cancelled_token)
    responses = [open_link(client, token) for token in tokens]

    assert [r.status_code for r in responses] == [404, 404, 404]
    # The pages differ only by the address they echo (language form, login link) and the CSRF mask.
    pages = {
        re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", r.content.decode().replace(token, "TOKEN"))
        for r, token in zip(responses, tokens, strict=True)
    }
    assert len(pages) == 1
    assert "meeting_registrations" not in client.session
    assert open_link(client, valid_token).status_code == 302


# Join link and documents --------------------------------------------------------------------------


def test_join_link_only_for_people_holding_a_place(client, partnership, partner):
    meeting = MeetingFactory(partnership=partnership, format=Meeting.Format.ONLINE, join_url=JOIN)
    person = person_for(partner)
    registration = RegistrationFactory(meeting=meeting, person=person, state=RegState.INVITED)
    assert JOIN not in client.get(url("detail", meeting)).content.decode()
    client.force_login(partner)
    assert JOIN not in client.get(url("detail", meeting)).content.decode()
    assert JOIN.encode() not in client.get(url("ics", meeting)).content
    Registration.objects.filter(pk=registration.pk).update(state=RegState.REGISTERED)
    assert JOIN in client.get(url("detail", meeting)).content.decode()
    assert JOIN.encode() in client.get(url("ics", meeting)).content


@pytest.fixture
def documents(meeting):
    return {
        visibility: MeetingDocumentFactory(meeting=meeting, visibility=visibility, title=f"{visibility} paper")
        for visibility in Vis.values
    }


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("anonymous", {Vis.PUBLIC}),
        ("outsider", {Vis.PUBLIC}),
        ("partner", {Vis.PUBLIC, Vis.MEMBERS}),
        ("coordinator", {Vis.PUBLIC, Vis.MEMBERS, Vis.COORDINATORS}),
    ],
)
def test_documents_are_streamed_only_to_who_may_see_them(client, request, who, allowed, meeting, documents):
    user = None if who == "anonymous" else request.getfixturevalue(who)
    as_user(client, user)
    page = text(client.get(url("detail", meeting)))
    for visibility, document in documents.items():
        response = client.get(document.get_absolute_url())
        if visibility in allowed:
            assert response.status_code == 200
            assert b"".join(response.streaming_content) == b"%PDF-1.4 slides"
            assert "attachment" in response["Content-Disposition"]
            assert document.title in page
        else:
            assert response.status_code == 404
            assert document.title not in page


def test_public_document_of_a_members_only_meeting_is_hidden_from_visitors(client, members_only, partner):
    document = MeetingDocumentFactory(meeting=members_only, visibility=Vis.PUBLIC)
    assert client.get(document.get_absolute_url()).status_code == 404
    client.force_login(partner)
    assert client.get(document.get_absolute_url()).status_code == 200


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def upload(client, meeting, name: str, content: bytes):
    return client.post(
        url("document_upload", meeting),
        {"title": "Slides", "kind": "presentation", "visibility": "members", "file": SimpleUploadedFile(name, content)},
    )


def test_upload_stores_an_allowed_document(client, meeting, coordinator):
    client.force_login(coordinator)
    assert upload(client, meeting, "eib-funding.pdf", b"%PDF-1.4 EIB").status_code == 302
    document = meeting.documents.get()
    assert (document.title, document.uploaded_by, document.size) == ("Slides", coordinator, 12)
    assert len(stored_files()) == 1


def test_disallowed_uploads_show_why_and_store_nothing(client, meeting, coordinator):
    client.force_login(coordinator)
    response = upload(client, meeting, "tool.exe", b"MZ\x90\x00")
    assert response.status_code == 200
    assert "Files of type “exe” are not accepted." in text(response)
    response = upload(client, meeting, "huge.pdf", b"0" * (MAX_DOCUMENT_BYTES + 1))
    assert response.status_code == 200
    assert "The file is too large: the limit is 25 MB." in text(response)
    assert not MeetingDocument.objects.exists()
    assert stored_files() == []


# Participants export ------------------------------------------------------------------------------


def test_participants_export_as_csv_and_xlsx(client, meeting, coordinator):
    RegistrationFactory(
        meeting=meeting,
        person=PersonFactory(name="Aino Virtanen", email="aino@hel.example"),
        dietary_needs="vegan",
        consent_participant_list=True,
    )
    RegistrationFactory(
        meeting=meeting, person=PersonFactory(name="Ivana Horvat"), state=RegState.WAITLISTED, site_visit=True
    )
    client.force_login(coordinator)

    response = client.get(url("participants", meeting, format="csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert [(r["name"], r["state"], r["dietary_needs"]) for r in rows] == [
        ("Aino Virtanen", "Registered", "vegan"),
        ("Ivana Horvat", "Waitlisted", ""),
    ]
    assert rows[0]["email"] == "aino@hel.example"
    assert rows[0]["on_participant_list"] == "yes"
    assert rows[0]["days"] == " ".join(day.isoformat() for day in meeting.days)

    response = client.get(url("participants", meeting, format="xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][:4] == ["name", "email", "organisation", "state"]
    assert [row[0] for row in values[1:]] == ["Aino Virtanen", "Ivana Horvat"]
    assert values[2][5] == "yes"

    assert client.get(url("participants", meeting, format="pdf")).status_code == 404


# Calendar feeds page ------------------------------------------------------------------------------


def test_calendar_feeds_page_creates_shows_once_and_revokes(client, partner):
    feeds_url = reverse("meetings:calendar_feeds")
    assert login_redirect(client.get(feeds_url), feeds_url)
    client.force_login(partner)
    response = client.post(feeds_url, {"create": "1"})
    match = re.search(r'value="(http[^"]+\.ics)"', response.content.decode())
    assert match
    feed_url = match.group(1).split("testserver", 1)[1]
    assert client.get(feed_url).status_code == 200
    assert 'value="http' not in client.get(feeds_url).content.decode()

    feed = person_for(partner).calendar_feeds.get()
    client.post(feeds_url, {"revoke": feed.pk})
    assert client.get(feed_url).status_code == 404


def test_calendar_feeds_page_needs_a_person_and_only_revokes_ones_own(client, partner):
    client.force_login(UserFactory())
    assert client.get(reverse("meetings:calendar_feeds")).status_code == 403
    other = PersonFactory()
    services.calendar_feed_create(person=other, by=None)
    client.force_login(partner)
    assert client.post(reverse("meetings:calendar_feeds"), {"revoke": other.calendar_feeds.get().pk}).status_code == 404
    assert other.calendar_feeds.get().revoked_at is None


@pytest.mark.parametrize("forged", ["abc", "", "1 OR 1=1", "99999999999999999999999"])
def test_forged_ids_posted_to_the_check_in_and_feed_pages_are_404_not_500(client, meeting, coordinator, forged):
    client.force_login(coordinator)
    assert client.post(url("check_in", meeting), {"registration": forged}).status_code == 404
    assert client.post(reverse("meetings:calendar_feeds"), {"revoke": forged}).status_code == 404


# Query counts -------------------------------------------------------------------------------------


def agenda(meeting: Meeting, count: int) -> None:
    speakers = [PersonFactory.create() for _ in range(3)]
    for n in range(count):
        item = AgendaItemFactory.create(meeting=meeting, starts_at=meeting.starts_at + dt.timedelta(minutes=15 * n))
        item.speakers.set(speakers[: 1 + n % 3])
        item.speaker_organisations.set([speakers[0].organisation])
        MeetingDocumentFactory.create(meeting=meeting, agenda_item=item, visibility=Vis.PUBLIC, file=None)
    MeetingDocumentFactory.create(meeting=meeting, visibility=Vis.MEMBERS, file=None)


@pytest.mark.parametrize("items", [10, 60])
def test_meeting_page_queries_do_not_grow_with_the_agenda(
    client, items, partnership, partner, django_assert_max_num_queries
):
    meeting = MeetingFactory(partnership=partnership)
    other = MeetingFactory(partnership=partnership)
    meeting.linked_meetings.add(other)
    agenda(meeting, items)
    RegistrationFactory(meeting=meeting, person=person_for(partner))
    services.minutes_save(meeting=meeting, body="<p>Notes</p>", decisions="", follow_ups="", by=None)
    client.force_login(partner)
    # The bell's count (one query until it is cached) and the follow button included.
    with django_assert_max_num_queries(21):
        response = client.get(url("detail", meeting))
    assert response.status_code == 200
    assert text(response).count("Agenda item") == items


@pytest.mark.parametrize("items", [25, 365])
def test_meeting_page_queries_do_not_grow_with_a_long_agenda(client, django_assert_max_num_queries, items):
    """The Florence-sized page and a 365-item page run the same few queries, speakers and documents included."""
    from django.core.management import call_command

    from partnership.tests.factories import MembershipFactory

    membership = MembershipFactory(partnership=PartnershipFactory(slug="security"))
    PersonFactory(organisation=membership.organisation)
    out = io.StringIO()
    call_command("generate_meeting", "--items", str(items), "--registrations", "40", stdout=out)
    meeting = Meeting.objects.get(pk=int(out.getvalue().split()[-1]))
    first = AgendaItem.objects.filter(meeting=meeting).first()
    MeetingDocument.objects.create(
        meeting=meeting, agenda_item=first, title="Slides", file="meetings/slides.pdf", visibility="public"
    )
    with django_assert_max_num_queries(11):
        response = client.get(meeting.get_absolute_url())
    assert response.status_code == 200
    assert response.text.count("agenda-item ") == items
    assert "Slides" in response.text


def test_cached_agenda_follows_every_change_it_shows(client):
    """The agenda fragment is cached, but an added, edited or removed item or document shows at once."""
    from meetings.tests.factories import MeetingFactory

    meeting = MeetingFactory(is_public=True, partnership=PartnershipFactory(is_public=True), state="announced")
    start = meeting.starts_at
    item = AgendaItem.objects.create(meeting=meeting, starts_at=start, ends_at=start, title="Opening plenary")
    url = meeting.get_absolute_url()
    assert "Opening plenary" in client.get(url).text
    item.title = "Welcome by the host"
    item.save()
    assert "Welcome by the host" in client.get(url).text
    MeetingDocument.objects.create(
        meeting=meeting, agenda_item=item, title="Host slides", file="x.pdf", visibility="public"
    )
    assert "Host slides" in client.get(url).text
    AgendaItem.objects.create(meeting=meeting, starts_at=start, ends_at=start, title="Coffee")
    item.delete()
    agenda = client.get(url).text.split('id="agenda-heading"')[1].split("</section>")[0]
    assert "Coffee" in agenda
    assert "Welcome by the host" not in agenda
    assert "Host slides" not in agenda  # now a document of the whole meeting, listed below the agenda
