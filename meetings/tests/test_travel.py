"""Travel support: who is eligible under a meeting's rule, the secretariat's decisions (who may, the history,
one mail each), the participant's page (by account or personal link), the secretariat's list and its export,
and what nobody else may reach."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from meetings import services
from meetings.models import Meeting, Registration, TravelChange, TravelPolicy, TravelRequest
from meetings.services import travel as travel_services
from meetings.tests.factories import MeetingFactory, RegistrationFactory
from partnership.models import Membership, OutboundMessage, Person
from partnership.tests.factories import MembershipFactory, PersonFactory, member_user

pytestmark = pytest.mark.django_db
Status = TravelRequest.Status
Role = Membership.Role


@pytest.fixture
def meeting(partnership: Any) -> Meeting:
    meeting = MeetingFactory.create(partnership=partnership)
    policy = TravelPolicy.objects.create(
        meeting=meeting, offered=True, roles=[Role.PARTNER], cap_eur=Decimal("800.00"), conditions="Economy class."
    )
    assert policy.pk
    return meeting


def person_with_role(meeting: Meeting, role: str, name: str = "") -> Person:
    membership = MembershipFactory.create(partnership=meeting.partnership, role=role)
    return PersonFactory.create(organisation=membership.organisation, **({"name": name} if name else {}))


def registered(meeting: Meeting, person: Person) -> Registration:
    return RegistrationFactory.create(meeting=meeting, person=person)


def ask(registration: Registration, **changes: Any) -> TravelRequest:
    days = registration.meeting.days
    values: dict[str, Any] = {
        "travelling_from": "Helsinki, Finland",
        "arrival": days[0] - dt.timedelta(days=1),
        "departure": days[-1],
        "nights": 2,
        "notes": "",
    }
    values.update(changes)
    return travel_services.travel_request_submit(registration=registration, by=None, **values)


def travel_mails(registration: Registration) -> list[OutboundMessage]:
    prefix = f"meeting:{registration.meeting_id}:travel_"
    return list(
        OutboundMessage.objects.filter(key__startswith=prefix, to_email=registration.person.email).order_by("pk")
    )


# Eligibility ---------------------------------------------------------------------------------------


def test_eligibility_follows_the_meetings_roles_and_organisations(meeting):
    policy = meeting.travel_policy
    partner = ask(registered(meeting, person_with_role(meeting, Role.PARTNER)))
    observer = ask(registered(meeting, person_with_role(meeting, Role.OBSERVER)))
    named = person_with_role(meeting, Role.EXPERT)
    policy.organisations.add(named.organisation)
    expert = ask(registered(meeting, named))

    travel_services.travel_request_move(travel=partner, to_state=Status.APPROVED, by=None)
    travel_services.travel_request_move(travel=expert, to_state=Status.APPROVED, by=None)
    with pytest.raises(ValidationError, match="not eligible under the meeting's rule"):
        travel_services.travel_request_move(travel=observer, to_state=Status.APPROVED, by=None)

    assert TravelRequest.objects.get(pk=partner.pk).status == Status.APPROVED
    assert TravelRequest.objects.get(pk=expert.pk).status == Status.APPROVED
    assert TravelRequest.objects.get(pk=observer.pk).status == Status.REQUESTED


def test_an_ended_membership_or_a_policy_withdrawn_makes_nobody_eligible(meeting):
    person = person_with_role(meeting, Role.PARTNER)
    travel = ask(registered(meeting, person))
    Membership.objects.filter(organisation=person.organisation).update(
        since=dt.date(2018, 1, 1), until=dt.date(2019, 1, 1)
    )
    with pytest.raises(ValidationError, match="not eligible"):
        travel_services.travel_request_move(travel=travel, to_state=Status.APPROVED, by=None)
    Membership.objects.filter(organisation=person.organisation).update(until=None)
    TravelPolicy.objects.filter(meeting=meeting).update(offered=False)
    with pytest.raises(ValidationError, match="not eligible"):
        travel_services.travel_request_move(travel=travel, to_state=Status.APPROVED, by=None)


def test_the_secretariat_overrides_eligibility_only_with_a_reason_kept_in_the_history(meeting, coordinator):
    travel = ask(registered(meeting, person_with_role(meeting, Role.OBSERVER)))
    with pytest.raises(ValidationError) as refused:
        travel_services.travel_eligibility_set(travel=travel, eligibility="eligible", by=coordinator, reason=" ")
    assert "reason" in refused.value.message_dict

    travel_services.travel_eligibility_set(
        travel=travel, eligibility="eligible", by=coordinator, reason="Presents the observers' findings"
    )
    travel_services.travel_request_move(travel=travel, to_state=Status.APPROVED, by=coordinator)

    travel.refresh_from_db()
    assert travel.eligibility_override is True
    assert travel.status == Status.APPROVED
    override = travel.changes.get(eligibility="eligible")
    assert (override.by, override.reason) == (coordinator, "Presents the observers' findings")

    # Approved on that decision, the request stays eligible: neither the rule (an observer is not) nor "not
    # eligible" can take it back.
    for eligibility in ("rule", "not_eligible"):
        with pytest.raises(ValidationError, match="already approved"):
            travel_services.travel_eligibility_set(travel=travel, eligibility=eligibility, by=coordinator, reason="No")
    travel.refresh_from_db()
    assert travel.eligibility_override is True

    waiting = ask(registered(meeting, person_with_role(meeting, Role.OBSERVER)))
    travel_services.travel_eligibility_set(travel=waiting, eligibility="eligible", by=coordinator, reason="Speaker")
    travel_services.travel_eligibility_set(travel=waiting, eligibility="rule", by=coordinator)
    waiting.refresh_from_db()
    assert waiting.eligibility_override is None and waiting.eligibility_reason == ""


# Status changes ------------------------------------------------------------------------------------


def test_each_status_change_is_recorded_with_who_and_mailed_once(meeting, coordinator):
    registration = registered(meeting, person_with_role(meeting, Role.PARTNER))
    travel = ask(registration)
    ask(registration, travelling_from="Espoo, Finland")  # a change before the decision is not mailed again
    for to_state, amount in [(Status.APPROVED, Decimal("650")), (Status.BOOKED, None), (Status.REIMBURSED, None)]:
        travel_services.travel_request_move(travel=travel, to_state=to_state, by=coordinator, amount=amount)
    with pytest.raises(ValidationError, match="cannot become approved"):
        travel_services.travel_request_move(travel=travel, to_state=Status.APPROVED, by=coordinator)

    history = list(TravelChange.objects.filter(travel=travel).order_by("pk"))
    assert [(c.from_state, c.to_state) for c in history] == [
        ("", "requested"),
        ("requested", "approved"),
        ("approved", "booked"),
        ("booked", "reimbursed"),
    ]
    assert [c.by for c in history] == [None, coordinator, coordinator, coordinator]
    mails = travel_mails(registration)
    assert len(mails) == 4
    assert len({m.key for m in mails}) == 4
    assert "Helsinki, Finland" in mails[0].body_text
    assert TravelRequest.objects.get(pk=travel.pk).travelling_from == "Espoo, Finland"
    assert [m.subject.rsplit(": ", 1)[-1] for m in mails[1:]] == ["Approved", "Booked", "Reimbursed"]
    assert "650.00 EUR" in mails[1].body_text
    travel.refresh_from_db()
    assert travel.amount_eur == Decimal("650.00")


def test_a_refusal_needs_a_reason_which_the_participant_reads(meeting, coordinator):
    registration = registered(meeting, person_with_role(meeting, Role.PARTNER))
    travel = ask(registration)
    with pytest.raises(ValidationError) as refused:
        travel_services.travel_request_move(travel=travel, to_state=Status.REFUSED, by=coordinator, reason="")
    assert "reason" in refused.value.message_dict
    travel_services.travel_request_move(
        travel=travel, to_state=Status.REFUSED, by=coordinator, reason="Funds are spent for this meeting."
    )
    assert "Funds are spent for this meeting." in travel_mails(registration)[-1].body_text


def test_an_amount_above_the_cap_is_refused(meeting, coordinator):
    travel = ask(registered(meeting, person_with_role(meeting, Role.PARTNER)))
    with pytest.raises(ValidationError) as refused:
        travel_services.travel_request_move(
            travel=travel, to_state=Status.APPROVED, by=coordinator, amount=Decimal("800.01")
        )
    assert refused.value.message_dict == {"amount": ["The meeting's cap is 800.00 EUR per person."]}
    assert TravelRequest.objects.get(pk=travel.pk).status == Status.REQUESTED


def test_the_participant_cannot_change_a_decided_request_nor_ask_without_a_place(meeting, coordinator):
    registration = registered(meeting, person_with_role(meeting, Role.PARTNER))
    travel = ask(registration)
    travel_services.travel_request_move(travel=travel, to_state=Status.APPROVED, by=coordinator)
    with pytest.raises(ValidationError, match="write to the secretariat"):
        ask(registration, nights=3)
    declined = RegistrationFactory.create(
        meeting=meeting, person=person_with_role(meeting, Role.PARTNER), state=Registration.State.DECLINED
    )
    with pytest.raises(ValidationError, match="Register for the meeting"):
        ask(declined)


def test_dates_around_the_meeting_and_nights_within_them(meeting):
    registration = registered(meeting, person_with_role(meeting, Role.PARTNER))
    first, last = meeting.days[0], meeting.days[-1]
    with pytest.raises(ValidationError) as early:
        ask(registration, arrival=first - dt.timedelta(days=30))
    assert "arrival" in early.value.message_dict
    with pytest.raises(ValidationError) as backwards:
        ask(registration, arrival=last, departure=first)
    assert "departure" in backwards.value.message_dict
    with pytest.raises(ValidationError) as nights:
        ask(registration, arrival=first, departure=last, nights=5)
    assert "nights" in nights.value.message_dict
    assert not TravelRequest.objects.exists()


def test_status_mails_reach_the_smtp_server_once_each(
    smtp_settings, meeting, coordinator, django_capture_on_commit_callbacks
):
    registration = registered(meeting, person_with_role(meeting, Role.PARTNER))
    with django_capture_on_commit_callbacks(execute=True):
        travel = ask(registration)
    with django_capture_on_commit_callbacks(execute=True):
        travel_services.travel_request_move(travel=travel, to_state=Status.APPROVED, by=coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        travel_services.travel_request_move(travel=travel, to_state=Status.BOOKED, by=coordinator)
    smtp_settings.wait_for(3)
    with smtp_settings.lock:
        received = list(smtp_settings.messages)
    assert sorted(str(m["Message-ID"]) for m in received) == sorted({m.message_id for m in travel_mails(registration)})
    assert len(received) == 3


# The participant's page ----------------------------------------------------------------------------


def form(**values: Any) -> dict[str, Any]:
    return {"travelling_from": "Tallinn", "arrival": "", "departure": "", "nights": "1", "notes": "", **values}


def test_an_invitee_asks_by_personal_link_and_sees_the_status(client, meeting):
    person = person_with_role(meeting, Role.PARTNER, name="Aino Virtanen")
    services.meeting_invite(meeting=meeting, people=[person], by=None)
    registration = Registration.objects.get(meeting=meeting, person=person)
    body = OutboundMessage.objects.get(key=f"meeting:{meeting.pk}:invitation:{registration.pk}").body_text
    token = re.search(r"/meetings/r/([A-Za-z0-9_-]+)/", body).group(1)
    client.get(reverse("meetings:personal_link", kwargs={"token": token}))
    Registration.objects.filter(pk=registration.pk).update(state=Registration.State.REGISTERED)
    url = reverse("meetings:travel", kwargs={"pk": meeting.pk})
    first, last = meeting.days[0], meeting.days[-1]

    assert "Ask for travel support" in client.get(reverse("meetings:register", kwargs={"pk": meeting.pk})).text
    page = client.get(url)
    assert page.status_code == 200
    assert "up to 800.00 EUR per person" in page.text and "you are eligible" in page.text
    response = client.post(url, form(arrival=first.isoformat(), departure=last.isoformat()))
    assert response.status_code == 302

    travel = TravelRequest.objects.get(registration=registration)
    assert (travel.travelling_from, travel.nights, travel.status) == ("Tallinn", 1, Status.REQUESTED)
    assert "Your travel request: Requested." in client.get(reverse("meetings:register", kwargs={"pk": meeting.pk})).text
    assert 'id="travel-status">Requested<' in client.get(url).text


@pytest.mark.parametrize(
    "values",
    [
        {"arrival": "not a date", "departure": "2019-02-30"},
        {"arrival": "1900-01-01", "departure": "9999-12-31", "nights": "-3"},
        {"nights": "99999999999999999999", "travelling_from": "x" * 5000},
        {"travelling_from": "", "notes": "y" * 100_000},
        {"arrival": "{last}", "departure": "{first}"},
        {"nights": "7"},
    ],
)
def test_bad_input_is_a_message_on_the_form_keeping_what_was_typed(client, meeting, partner, values):
    registration = RegistrationFactory.create(meeting=meeting, person=partner.person)
    client.force_login(partner)
    first, last = meeting.days[0].isoformat(), meeting.days[-1].isoformat()
    data = form(arrival=first, departure=last, travelling_from="Riga <b>old town</b>")
    data.update({k: v.format(first=first, last=last) for k, v in values.items()})

    response = client.post(reverse("meetings:travel", kwargs={"pk": meeting.pk}), data)

    assert response.status_code == 200
    assert "Please correct the errors below." in response.text
    assert 'class="invalid-feedback' in response.text or "alert-danger" in response.text
    if data["travelling_from"] and len(data["travelling_from"]) < 200:
        assert "Riga &lt;b&gt;old town&lt;/b&gt;" in response.text
    assert not TravelRequest.objects.filter(registration=registration).exists()


def test_a_meeting_without_travel_support_says_so_and_takes_no_request(client, partnership, partner):
    meeting = MeetingFactory.create(partnership=partnership)
    RegistrationFactory.create(meeting=meeting, person=partner.person)
    client.force_login(partner)
    url = reverse("meetings:travel", kwargs={"pk": meeting.pk})
    assert "This meeting offers no travel support." in client.get(url).text
    day = meeting.days[0].isoformat()
    assert client.post(url, form(arrival=day, departure=day)).status_code == 302
    assert not TravelRequest.objects.exists()


# The secretariat's pages ------------------------------------------------------------------------------


def secretariat_of(meeting: Meeting) -> Any:
    return member_user(meeting.partnership, Role.SECRETARIAT)


def test_the_secretariat_lists_requests_with_totals_and_decides_on_the_page(client, meeting):
    secretariat = secretariat_of(meeting)
    approved = ask(registered(meeting, person_with_role(meeting, Role.PARTNER, name="Aino Virtanen")))
    travel_services.travel_request_move(
        travel=approved, to_state=Status.APPROVED, by=secretariat, amount=Decimal("400")
    )
    waiting = ask(registered(meeting, person_with_role(meeting, Role.OBSERVER, name="Marco Rossi")), nights=1)
    client.force_login(secretariat)

    page = client.get(reverse("meetings:travel_list", kwargs={"pk": meeting.pk}))
    assert page.status_code == 200
    totals = page.text.split('id="travel-totals"')[1].split("</table>")[0]
    assert re.search(r"Requests</th><td>2<", totals)
    assert re.search(r"Nights requested</th><td>3<", totals)
    assert re.search(r"\(EUR\)</th><td>400.00<", totals)
    assert "Aino Virtanen" in page.text and "Marco Rossi" in page.text
    only_approved = client.get(reverse("meetings:travel_list", kwargs={"pk": meeting.pk}), {"status": "approved"})
    assert "Aino Virtanen" in only_approved.text and "Marco Rossi" not in only_approved.text

    detail = reverse("meetings:travel_detail", kwargs={"pk": meeting.pk, "travel_pk": waiting.pk})
    refused = client.post(detail, {"move": "1", "to_state": "approved", "amount": "", "reason": ""})
    assert refused.status_code == 200 and "not eligible under the meeting" in refused.text
    ids = re.findall(r' id="([^"]+)"', client.get(detail).text)
    assert len(ids) == len(set(ids)), "each label names one field: the two forms' reasons are told apart"
    eligible = {"set_eligibility": "1", "eligibility-eligibility": "eligible"}
    kept = client.post(detail, {**eligible, "eligibility-reason": ""})
    assert kept.status_code == 200 and "Say why the rule does not decide" in kept.text
    client.post(detail, {**eligible, "eligibility-reason": "Keynote speaker"})
    over = client.post(detail, {"move": "1", "to_state": "approved", "amount": "9000", "reason": ""})
    assert over.status_code == 200 and "cap is 800.00 EUR" in over.text and 'value="9000"' in over.text
    assert client.post(detail, {"move": "1", "to_state": "approved", "amount": "abc", "reason": ""}).status_code == 200
    assert client.post(detail, {"move": "1", "to_state": "reimbursed", "reason": ""}).status_code == 200
    done = client.post(detail, {"move": "1", "to_state": "approved", "amount": "300", "reason": ""})
    assert done.status_code == 302
    waiting.refresh_from_db()
    assert (waiting.status, waiting.amount_eur) == (Status.APPROVED, Decimal("300.00"))
    history = client.get(detail).text.split('id="travel-history"')[1].split("</ul>")[0]
    assert "Keynote speaker" in history and "Requested → Approved, 300.00 EUR" in history


def test_the_list_reads_in_constant_queries(client, meeting, django_assert_max_num_queries):
    secretariat = secretariat_of(meeting)
    client.force_login(secretariat)
    url = reverse("meetings:travel_list", kwargs={"pk": meeting.pk})
    ask(registered(meeting, person_with_role(meeting, Role.PARTNER)))
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for _n in range(12):
        ask(registered(meeting, person_with_role(meeting, Role.PARTNER)))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_export_holds_every_request_and_the_totals(client, meeting):
    secretariat = secretariat_of(meeting)
    travel = ask(
        registered(meeting, person_with_role(meeting, Role.PARTNER, name="Aino Virtanen")),
        travelling_from='=HYPERLINK("http://evil")',
    )
    travel_services.travel_request_move(
        travel=travel, to_state=Status.APPROVED, by=secretariat, amount=Decimal("120.5")
    )
    ask(registered(meeting, person_with_role(meeting, Role.OBSERVER, name="Marco Rossi")), nights=1)
    client.force_login(secretariat)

    response = client.get(reverse("meetings:travel_export", kwargs={"pk": meeting.pk}))

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook["travel"].iter_rows(values_only=True))
    header = rows[0]
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_name) == {"Aino Virtanen", "Marco Rossi"}
    aino = by_name["Aino Virtanen"]
    assert aino["travelling_from"] == '=HYPERLINK("http://evil")'
    assert workbook["travel"]["F2"].quotePrefix or workbook["travel"]["F3"].quotePrefix
    assert (aino["status"], aino["amount_eur"], aino["eligible"], aino["role"]) == ("Approved", 120.5, "yes", "Partner")
    assert aino["arrival"].date() == travel.arrival
    assert (by_name["Marco Rossi"]["eligible_by_rule"], by_name["Marco Rossi"]["nights"]) == ("no", 1)
    totals = dict(workbook["totals"].iter_rows(min_row=2, values_only=True))
    assert totals["Requested"] == 1 and totals["Approved"] == 1 and totals["Requests"] == 2
    assert totals["Nights requested"] == 3
    assert totals["Amount approved, booked or reimbursed (EUR)"] == 120.5
    assert totals["Cap per person (EUR)"] == 800


# Who may reach what -------------------------------------------------------------------------------------


def test_a_partner_sees_only_their_own_request(client, meeting, partner):
    mine = RegistrationFactory.create(meeting=meeting, person=partner.person)
    other = ask(
        registered(meeting, person_with_role(meeting, Role.PARTNER, name="Marco Rossi")), travelling_from="Palermo"
    )
    client.force_login(partner)

    page = client.get(reverse("meetings:travel", kwargs={"pk": meeting.pk}))
    assert page.status_code == 200
    assert "Palermo" not in page.text and "Marco Rossi" not in page.text
    assert mine.person.name in page.text
    assert client.get(reverse("meetings:travel_list", kwargs={"pk": meeting.pk})).status_code == 403
    detail = reverse("meetings:travel_detail", kwargs={"pk": meeting.pk, "travel_pk": other.pk})
    assert client.get(detail).status_code == 403
    assert client.post(detail, {"move": "1", "to_state": "refused", "reason": "no"}).status_code == 403
    assert client.get(reverse("meetings:travel_export", kwargs={"pk": meeting.pk})).status_code == 403
    assert TravelRequest.objects.get(pk=other.pk).status == Status.REQUESTED


def test_another_partnerships_coordinator_is_refused_and_forged_ids_are_404(client, meeting):
    travel = ask(registered(meeting, person_with_role(meeting, Role.PARTNER)))
    Meeting.objects.filter(pk=meeting.pk).update(is_public=False)
    mine = MeetingFactory.create()
    stranger = member_user(mine.partnership, Role.COORDINATOR)
    client.force_login(stranger)

    for name in ("travel_list", "travel_export"):
        assert client.get(reverse(f"meetings:{name}", kwargs={"pk": meeting.pk})).status_code == 404
    detail = {"pk": meeting.pk, "travel_pk": travel.pk}
    assert client.post(reverse("meetings:travel_detail", kwargs=detail), {"move": "1"}).status_code == 404
    forged = {"pk": mine.pk, "travel_pk": travel.pk}
    assert client.get(reverse("meetings:travel_detail", kwargs=forged)).status_code == 404
    assert client.post(reverse("meetings:travel_detail", kwargs=forged), {"move": "1"}).status_code == 404
    assert client.get(reverse("meetings:travel", kwargs={"pk": meeting.pk})).status_code == 404
    assert TravelRequest.objects.get(pk=travel.pk).status == Status.REQUESTED
    assert not TravelChange.objects.filter(by=stranger).exists()


def test_a_visitor_is_sent_to_log_in(client, meeting):
    for name in ("travel", "travel_list", "travel_export"):
        response = client.get(reverse(f"meetings:{name}", kwargs={"pk": meeting.pk}))
        assert response.status_code == 302 and reverse("login") in response["Location"]


# The admin ---------------------------------------------------------------------------------------------


def test_the_policy_is_set_in_the_meetings_admin_and_a_request_shown_on_its_registration(client, partnership):
    from meetings.tests.pages import form_fields
    from partnership.models import AuditLog

    meeting = MeetingFactory.create(partnership=partnership)
    secretariat = secretariat_of(meeting)
    named = person_with_role(meeting, Role.OBSERVER)
    client.force_login(secretariat)
    change = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    data = form_fields(client.get(change))
    data.update(
        {
            "travel_policy-TOTAL_FORMS": ["1"],
            "travel_policy-0-offered": ["on"],
            "travel_policy-0-roles": ["partner", "expert"],
            "travel_policy-0-organisations": [str(named.organisation_id)],
            "travel_policy-0-cap_eur": ["-5"],
            "_save": ["Save"],
        }
    )
    refused = client.post(change, data)
    assert refused.status_code == 200 and not TravelPolicy.objects.filter(meeting=meeting).exists()

    data["travel_policy-0-cap_eur"] = ["650"]
    response = client.post(change, data)

    assert response.status_code == 302, response.context["errors"] if response.context else response
    policy = TravelPolicy.objects.get(meeting=meeting)
    assert (policy.offered, sorted(policy.roles), policy.cap_eur) == (True, ["expert", "partner"], Decimal("650.00"))
    assert list(policy.organisations.all()) == [named.organisation]
    assert AuditLog.objects.filter(model="meetings.travelpolicy", object_id=str(policy.pk)).exists()
    travel = ask(registered(meeting, named), travelling_from="Vilnius")
    assert travel.pk
    registration_page = client.get(reverse("admin:meetings_registration_change", args=[travel.registration_id]))
    assert "Vilnius" in registration_page.text
    assert reverse("meetings:travel_detail", args=[meeting.pk, travel.pk]) in registration_page.text


# Personal data -------------------------------------------------------------------------------------------


def test_the_travel_request_is_in_its_persons_download_and_erased_with_them(meeting, coordinator):
    from partnership import personal_data
    from partnership import services as partner_services

    person = person_with_role(meeting, Role.PARTNER)
    travel = ask(registered(meeting, person), travelling_from="Tampere, Finland", notes="Vegetarian, train only")
    ask(registered(meeting, person_with_role(meeting, Role.PARTNER)), travelling_from="Oulu")

    data = personal_data.export(person)
    (registration,) = data["records"]["meetings.Registration.person"]
    assert [(t["travelling_from"], t["notes"]) for t in registration["travel"]] == [
        ("Tampere, Finland", "Vegetarian, train only")
    ]
    assert "Oulu" not in str(data)

    partner_services.person_erase(person=person, by=coordinator)
    travel.refresh_from_db()
    assert (travel.travelling_from, travel.notes) == ("", "")
    assert TravelRequest.objects.filter(travelling_from="Oulu").exists()
