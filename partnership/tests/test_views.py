import json
import re
from html import unescape

import pytest
from django.conf import settings
from django.urls import reverse

from partnership import services
from partnership.models import AuditLog, ConsentRecord, Membership, OutboundMessage, Person
from partnership.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
    PersonFactory,
    PillarFactory,
    PriorityAreaFactory,
    UserFactory,
    member_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def public():
    return PartnershipFactory(name="Security in Public Spaces", slug="security", is_public=True)


@pytest.fixture
def private():
    return PartnershipFactory(name="Closed Circle", slug="closed", is_public=False)


def with_contact(partnership, *, organisation_name, contact_name, email):
    """A member organisation with one contact person who agreed to be listed."""
    membership = MembershipFactory(partnership=partnership, organisation=OrganisationFactory(name=organisation_name))
    person = PersonFactory(organisation=membership.organisation, name=contact_name, email=email)
    services.consent_set(person=person, purpose=ConsentRecord.Purpose.DIRECTORY, given=True, by=None)
    membership.contacts.add(person)
    return membership


def field_error(html, field):
    """The text of the error crispy renders under a field, or '' if there is none."""
    match = re.search(rf'<[^>]+id="error_\d+_id_{field}"[^>]*>(.*?)</(?:span|p|div)>', html, re.S)
    return unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip() if match else ""


def input_value(html, field):
    match = re.search(rf'<input[^>]*name="{field}"[^>]*>', html)
    assert match, f"no input named {field}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return unescape(value.group(1)) if value else ""


# home


def test_home_shows_public_partnerships_to_visitor_but_not_private(client, public, private):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert public.name in response.text
    assert private.name not in response.text


def test_home_shows_member_their_private_partnership(client, public, private):
    client.force_login(member_user(private))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert private.name in response.text
    assert "Your partnerships" in response.text


def test_home_shows_coordinator_their_partnership_to_manage(client, public):
    client.force_login(member_user(public, role=Membership.Role.COORDINATOR))
    response = client.get(reverse("home"))
    assert "Partnerships you coordinate" in response.text
    assert reverse("admin:index") in response.text


# partnership_detail


def test_partnership_detail_public_for_visitor(client, public):
    PriorityAreaFactory(partnership=public, name="Urban planning and design")
    PillarFactory(partnership=public, name="Better funding")
    MembershipFactory(partnership=public)
    response = client.get(reverse("partnership_detail", args=[public.slug]))
    assert response.status_code == 200
    assert "Urban planning and design" in response.text
    assert "Better funding" in response.text
    assert "1 organisation" in response.text


def test_partnership_detail_private_is_404_for_visitor_and_outsider(client, public, private):
    url = reverse("partnership_detail", args=[private.slug])
    assert client.get(url).status_code == 404
    client.force_login(member_user(public))
    assert client.get(url).status_code == 404
    assert client.get(reverse("partnership_detail", args=["no-such-thing"])).status_code == 404


def test_partnership_detail_private_for_member_shows_role(client, private):
    client.force_login(member_user(private, role=Membership.Role.SECRETARIAT))
    response = client.get(reverse("partnership_detail", args=[private.slug]))
    assert response.status_code == 200
    assert "Your organisation's role: Technical secretariat" in response.text


# directory


def test_directory_shows_contacts_to_members_only(client, public):
    with_contact(public, organisation_name="Comune di Firenze", contact_name="Giulia Rossi", email="giulia@fi.it")
    url = reverse("directory", args=[public.slug])

    visitor = client.get(url)
    assert visitor.status_code == 200
    assert "Comune di Firenze" in visitor.text
    assert "Giulia Rossi" not in visitor.text
    assert "giulia@fi.it" not in visitor.text
    assert "Contact persons are shown to members of the partnership only." in visitor.text

    client.force_login(member_user(PartnershipFactory()))
    outsider = client.get(url)
    assert "giulia@fi.it" not in outsider.text

    client.force_login(member_user(public))
    member = client.get(url)
    assert "Giulia Rossi" in member.text
    assert 'href="mailto:giulia@fi.it"' in member.text


def test_directory_hides_contact_who_did_not_consent(client, public):
    membership = MembershipFactory(partnership=public)
    membership.contacts.add(PersonFactory(name="Quiet Person", email="quiet@example.org"))
    client.force_login(member_user(public))
    response = client.get(reverse("directory", args=[public.slug]))
    assert "quiet@example.org" not in response.text


def test_directory_private_is_404_for_visitor_and_outsider(client, public, private):
    url = reverse("directory", args=[private.slug])
    assert client.get(url).status_code == 404
    client.force_login(member_user(public))
    assert client.get(url).status_code == 404


def test_directory_filters_by_role(client, public):
    MembershipFactory(partnership=public, organisation=OrganisationFactory(name="Efus"), role="coordinator")
    MembershipFactory(partnership=public, organisation=OrganisationFactory(name="Prato"))
    response = client.get(reverse("directory", args=[public.slug]), {"role": "coordinator"})
    assert "Efus" in response.text
    assert "Prato" not in response.text
    bad = client.get(reverse("directory", args=[public.slug]), {"role": "emperor"})
    assert bad.status_code == 200
    assert "Prato" in bad.text


def test_directory_paginates(client, public):
    for i in range(55):
        MembershipFactory(partnership=public, organisation=OrganisationFactory(name=f"Town {i:02d}"))
    url = reverse("directory", args=[public.slug])
    first = client.get(url)
    assert "Town 00" in first.text
    assert "Town 54" not in first.text
    assert "Page 1 of 2" in first.text
    assert "Town 54" in client.get(url, {"page": 2}).text


# organisation_detail


def test_organisation_detail_public_for_visitor_without_contacts(client, public):
    membership = with_contact(public, organisation_name="Ville de Nice", contact_name="Jean Martin", email="jm@nice.fr")
    response = client.get(reverse("organisation_detail", args=[membership.organisation.pk]))
    assert response.status_code == 200
    assert "Ville de Nice" in response.text
    assert public.name in response.text
    assert "jm@nice.fr" not in response.text


def test_organisation_detail_shows_contacts_to_members(client, public):
    membership = with_contact(public, organisation_name="Ville de Nice", contact_name="Jean Martin", email="jm@nice.fr")
    client.force_login(member_user(public))
    response = client.get(reverse("organisation_detail", args=[membership.organisation.pk]))
    assert "Jean Martin" in response.text
    assert 'href="mailto:jm@nice.fr"' in response.text


def test_organisation_detail_only_in_private_partnership_is_404_for_outsiders(client, public, private):
    membership = with_contact(private, organisation_name="Hidden Town", contact_name="Secret", email="s@h.example")
    url = reverse("organisation_detail", args=[membership.organisation.pk])
    assert client.get(url).status_code == 404
    client.force_login(member_user(public))
    assert client.get(url).status_code == 404
    client.force_login(member_user(private))
    response = client.get(url)
    assert response.status_code == 200
    assert "s@h.example" in response.text


def test_organisation_detail_does_not_list_private_partnership_to_outsider(client, public, private):
    organisation = MembershipFactory(partnership=public).organisation
    MembershipFactory(partnership=private, organisation=organisation)
    response = client.get(reverse("organisation_detail", args=[organisation.pk]))
    assert public.name in response.text
    assert private.name not in response.text


# profile


def test_profile_redirects_visitor_to_login(client):
    response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_profile_is_403_for_account_without_person(client):
    client.force_login(UserFactory())
    response = client.get(reverse("profile"))
    assert response.status_code == 403
    assert "not linked to a person" in response.text


def test_profile_shows_the_persons_details(client, public):
    user = member_user(public, name="Ana Horvat", role_title="Adviser")
    client.force_login(user)
    response = client.get(reverse("profile"))
    assert response.status_code == 200
    assert input_value(response.text, "name") == "Ana Horvat"
    assert input_value(response.text, "email") == user.person.email


def profile_post(client, person, **overrides):
    data = {
        "name": person.name,
        "email": person.email,
        "role_title": person.role_title,
        "language": person.language,
        **overrides,
    }
    return client.post(reverse("profile"), {k: v for k, v in data.items() if v is not False})


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("email", "not-an-address", "Enter a valid email address."),
        ("email", "OTHER.Person@Example.org", "A person with this e-mail address already exists."),
        ("name", "N" * 201, "Ensure this value has at most 200 characters"),
    ],
)
def test_profile_bad_input_shows_error_at_field_keeps_input_and_saves_nothing(client, public, field, typed, message):
    PersonFactory(email="other.person@example.org")
    user = member_user(public, name="Ana Horvat")
    person = user.person
    client.force_login(user)
    before = Person.objects.filter(pk=person.pk).values().get()
    audit_before = AuditLog.objects.count()

    response = profile_post(client, person, **{field: typed, "role_title": "New title", "consent_directory": "on"})

    assert response.status_code == 200
    assert message in field_error(response.text, field)
    assert input_value(response.text, field) == typed
    assert input_value(response.text, "role_title") == "New title"
    assert "Please correct the errors below." in response.text
    assert Person.objects.filter(pk=person.pk).values().get() == before
    assert AuditLog.objects.count() == audit_before
    assert not ConsentRecord.objects.exists()


def test_profile_good_save_updates_person_consents_and_language(client, public):
    user = member_user(public, name="Ana Horvat")
    person = user.person
    client.force_login(user)

    response = profile_post(
        client,
        person,
        name="Ana Horvat-Kovač",
        email="Ana.New@Example.HR",
        role_title="Head of unit",
        language="hr",
        consent_directory="on",
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("profile")
    person.refresh_from_db()
    assert person.name == "Ana Horvat-Kovač"
    assert person.email == "ana.new@example.hr"
    assert person.role_title == "Head of unit"
    assert person.language == "hr"
    user.refresh_from_db()
    assert user.email == "ana.new@example.hr"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "hr"
    directory = services.consent_current(person=person, purpose=ConsentRecord.Purpose.DIRECTORY)
    assert directory is not None
    assert directory.given
    assert services.consent_current(person=person, purpose=ConsentRecord.Purpose.PARTICIPANT_LIST) is None
    assert AuditLog.objects.filter(verb="update", object_id=str(person.pk), actor=user).exists()

    # Unticking withdraws; saving again unchanged records nothing new.
    profile_post(client, person)
    profile_post(client, person)
    assert list(person.consents.values_list("given", flat=True)) == [False, True]
    page = client.get(reverse("profile"))
    assert "Your details have been saved." in page.text


# profile_data


def test_profile_data_returns_the_users_json(client, public):
    user = member_user(public, name="Ivana Novak")
    client.force_login(user)
    response = client.get(reverse("profile_data"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["name"] == "Ivana Novak"
    assert data["email"] == user.person.email
    assert data["username"] == user.username


def test_profile_data_refused_to_visitor_and_to_account_without_person(client):
    response = client.get(reverse("profile_data"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    client.force_login(UserFactory())
    assert client.get(reverse("profile_data")).status_code == 404


def test_profile_data_only_answers_get(client, public):
    client.force_login(member_user(public))
    assert client.post(reverse("profile_data")).status_code == 405


# static pages, health, ping


@pytest.mark.parametrize(("name", "text"), [("privacy", "Privacy notice"), ("accessibility", "Accessibility")])
def test_static_pages_for_everyone(client, public, name, text):
    assert text in client.get(reverse(name)).text
    client.force_login(member_user(public))
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert text in response.text


def test_health_reports_database_cache_and_broker(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert data["database"] == "ok"
    assert data["cache"] == "ok"
    assert data["broker"] in ("ok", "eager")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_health_reports_unreachable_broker_as_503(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    from partnership.celery import app

    # The stored value, usually none (then the broker URL is used): reading the property would pin the
    # write URL to today's broker for every later test.
    previous = app.conf.get("broker_write_url")
    app.conf.broker_write_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get(reverse("health"))
    finally:
        app.conf.broker_write_url = previous
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")


def test_ping(client):
    response = client.get(reverse("ping"))
    assert response.status_code == 200
    assert response.content == b"pong"


# login and password reset


def test_login_page_and_successful_login(client, public):
    user = member_user(public)
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": user.username, "password": "secret-pass-123"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("profile")).status_code == 200


def test_login_refuses_wrong_password_and_erased_account(client, public):
    user = member_user(public)
    wrong = client.post(reverse("login"), {"username": user.username, "password": "wrong"})
    assert wrong.status_code == 200
    assert "Please enter a correct username and password" in wrong.text
    assert "_auth_user_id" not in client.session

    services.person_erase(person=user.person, by=None)
    user.refresh_from_db()
    erased = client.post(reverse("login"), {"username": user.username, "password": "secret-pass-123"})
    assert erased.status_code == 200
    assert "_auth_user_id" not in client.session


def test_password_reset_queues_mail_for_known_address_only(client, public):
    user = member_user(public)
    url = reverse("password_reset")
    assert client.get(url).status_code == 200

    unknown = client.post(url, {"email": "nobody@example.org"})
    assert unknown.status_code == 302
    assert not OutboundMessage.objects.exists()

    known = client.post(url, {"email": user.email})
    assert known.status_code == 302
    assert known["Location"] == unknown["Location"]
    message = OutboundMessage.objects.get()
    assert message.to_email == user.email
    assert "/accounts/reset/" in message.body_text


def test_password_reset_reaches_account_that_never_set_a_password(client):
    person = PersonFactory(email="fresh@example.org")
    services.person_account_create(person=person, by=None)
    client.post(reverse("password_reset"), {"email": "fresh@example.org"})
    keys = OutboundMessage.objects.filter(to_email="fresh@example.org").values_list("key", flat=True)
    assert any(key.startswith("password-reset:") for key in keys)


def test_password_reset_ignores_erased_account(client):
    person = PersonFactory(email="gone@example.org")
    user = services.person_account_create(person=person, by=None)
    services.person_erase(person=person, by=None)
    user.email = "gone@example.org"
    user.save()
    client.post(reverse("password_reset"), {"email": "gone@example.org"})
    assert not OutboundMessage.objects.filter(key__startswith="password-reset:").exists()


def test_five_failed_logins_lock_the_account_out(client, settings, public):
    settings.AXES_ENABLED = True
    user = member_user(public)
    responses = [client.post(reverse("login"), {"username": user.username, "password": f"wrong-{i}"}) for i in range(5)]
    assert all(r.status_code == 200 for r in responses[:4])
    locked = responses[4]
    assert locked.status_code == 429
    assert "Too many failed log-in attempts" in locked.text
    assert "locked" in locked.text
    # Even the right password is refused while locked out.
    right = client.post(reverse("login"), {"username": user.username, "password": "secret-pass-123"})
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
