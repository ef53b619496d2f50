"""The writes a coordinator could make across partnerships in the admin, each refused (issue: the
coordinators' web admin, "It reaches into other partnerships"), and the same rule below the admin."""

from __future__ import annotations

from typing import Any

import pytest
from admin_world import World, coordinator_of, plant
from django.core.exceptions import ValidationError
from django.urls import reverse

from actions.models import Action, WorkingGroup
from actions.tests.factories import ActionFactory
from meetings.models import AgendaItem
from partnership import outbox, services
from partnership.models import AuditLog, Membership, OutboundMessage, Person
from partnership.tests.factories import MembershipFactory, OrganisationFactory, PersonFactory
from partnership.tokens import token_new
from surveys.models import NeedLink, Respondent, Section, Survey

pytestmark = pytest.mark.django_db


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


def test_a_membership_cannot_name_an_organisation_known_only_from_a_private_partnership(admin_client, ours, theirs):
    private_only = theirs.records[type(ours.records[Membership].organisation)]
    response = admin_client.post(
        reverse("admin:partnership_membership_add"),
        {"partnership": ours.partnership.pk, "organisation": private_only.pk, "role": "partner", "since": "2025-01-01"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not Membership.objects.filter(partnership=ours.partnership, organisation=private_only).exists()
    people = admin_client.get(reverse("admin:partnership_person_changelist"))
    assert "Zanzibar Person" not in people.text


def test_a_membership_may_name_an_organisation_of_no_partnership_or_of_a_public_one(admin_client, ours):
    newcomer = OrganisationFactory.create(name="Newcomer Town")
    public_member = OrganisationFactory.create(name="Public Member City")
    MembershipFactory.create(partnership=plant("Elsewhere", is_public=True).partnership, organisation=public_member)
    for organisation in (newcomer, public_member):
        response = admin_client.post(
            reverse("admin:partnership_membership_add"),
            {
                "partnership": ours.partnership.pk,
                "organisation": organisation.pk,
                "role": "partner",
                "since": "2025-01-01",
            },
        )
        assert response.status_code == 302, response.text
        assert Membership.objects.filter(partnership=ours.partnership, organisation=organisation).exists()


def test_a_need_link_cannot_point_at_another_partnerships_survey(admin_client, ours, theirs):
    need = ours.records[NeedLink]
    response = admin_client.post(
        _change(NeedLink, need.pk), {"survey": theirs.records[Survey].pk, "need": "Moved", "_save": "Save"}
    )
    assert response.status_code == 200
    need.refresh_from_db()
    assert need.survey_id == ours.records[Survey].pk
    own = admin_client.post(_change(NeedLink, need.pk), {"survey": need.survey_id, "need": "Moved", "_save": "Save"})
    assert own.status_code == 302


def test_a_respondent_cannot_move_to_another_partnerships_survey(admin_client, ours, theirs):
    respondent = ours.records[Respondent]
    other_survey = theirs.records[Survey]
    response = admin_client.post(
        _change(Respondent, respondent.pk),
        {
            "survey": other_survey.pk,
            "name": respondent.name,
            "email": respondent.email,
            "language": respondent.language,
            "kind": respondent.kind,
            "_save": "Save",
        },
    )
    assert response.status_code == 200
    respondent.refresh_from_db()
    assert respondent.survey_id == ours.records[Survey].pk
    data = {"name": "Renamed", "email": respondent.email, "language": respondent.language, "kind": respondent.kind}
    kept = admin_client.post(_change(Respondent, respondent.pk), {**data, "survey": respondent.survey_id, "_save": "1"})
    assert kept.status_code == 302, kept.context["adminform"].form.errors if kept.context else kept


def test_a_record_cannot_move_to_another_partnership_below_the_admin(ours, theirs):
    respondent = ours.records[Respondent]
    respondent.survey = theirs.records[Survey]
    with pytest.raises(ValidationError, match="another partnership"):
        services.record_save(instance=respondent, by=None)


def test_a_record_cannot_point_at_another_partnerships_records_below_the_admin(ours, theirs):
    section = ours.records[Section]
    section.priority_area = theirs.records[type(section.priority_area)]
    with pytest.raises(ValidationError) as refused:
        services.record_save(instance=section, by=None)
    assert "priority_area" in refused.value.message_dict
    item = theirs.records[AgendaItem]
    group = ours.records[WorkingGroup]
    group.session = item
    with pytest.raises(ValidationError) as refused:
        services.record_save(instance=group, by=None)
    assert "session" in refused.value.message_dict


def _action_form(action: Any, **changes: Any) -> dict[str, Any]:
    data = {
        "partnership": action.partnership_id,
        "code": action.code,
        "title": action.title,
        "problem": action.problem,
        "priority_area": action.priority_area_id,
        "state": action.state,
        "owner": action.owner_id,
        "version": action.version,
        "progress": action.progress,
        "_save": "Save",
    }
    for prefix in ("milestones", "documents", "events"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    return {**data, **changes}


def test_an_action_cannot_be_discussed_at_another_partnerships_agenda_item(admin_client, ours, theirs):
    action = ours.records[Action]
    response = admin_client.post(
        _change(Action, action.pk), _action_form(action, discussed_at=[theirs.records[AgendaItem].pk])
    )
    assert response.status_code == 200
    assert not action.discussed_at.exists()
    own_item = ours.records[AgendaItem]
    saved = admin_client.post(_change(Action, action.pk), _action_form(action, discussed_at=[own_item.pk]))
    assert saved.status_code == 302, saved.context["adminform"].form.errors if saved.context else saved
    assert list(action.discussed_at.all()) == [own_item]


def test_related_actions_offer_no_other_organisations_drafts(admin_client, ours):
    action = ours.records[Action]
    someone_elses = ActionFactory.create(
        partnership=ours.partnership, priority_area=action.priority_area, title="Not yet yours", state="draft"
    )
    response = admin_client.post(_change(Action, action.pk), _action_form(action, related=[someone_elses.pk]))
    assert response.status_code == 200
    assert not action.related.exists()
    submitted = ActionFactory.create(partnership=ours.partnership, priority_area=action.priority_area)
    saved = admin_client.post(_change(Action, action.pk), _action_form(action, related=[submitted.pk]))
    assert saved.status_code == 302, saved.context["adminform"].form.errors if saved.context else saved
    found = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "actions", "model_name": "action", "field_name": "related", "term": "Not yet"},
    )
    assert "Not yet yours" not in found.text


def test_the_audit_log_shows_no_other_organisations_draft(admin_client, ours, coordinator):
    action = ours.records[Action]
    draft = ActionFactory.create(
        partnership=ours.partnership, priority_area=action.priority_area, title="Secret plan", state="draft"
    )
    services.audit_record(by=None, verb="update", instance=draft, changes={"problem": ["", "Our secret text"]})
    services.audit_record(by=None, verb="update", instance=action, changes={"problem": ["", "Shown text"]})
    response = admin_client.get(reverse("admin:partnership_auditlog_changelist"))
    assert response.status_code == 200
    assert "Secret plan" not in response.text
    assert ours.records[Action].title in response.text
    entry = AuditLog.objects.filter(object_id=str(draft.pk), model="actions.action").latest("id")
    assert entry.partnership_id == ours.partnership.pk
    assert admin_client.get(_change(AuditLog, entry.pk)).status_code in (302, 404)


def test_a_shared_organisation_is_seen_by_both_coordinators_and_erased_by_neither_alone(client, ours):
    other = plant("Otherville", is_public=False)
    shared = OrganisationFactory.create(name="Shared City")
    MembershipFactory.create(partnership=ours.partnership, organisation=shared)
    MembershipFactory.create(partnership=other.partnership, organisation=shared)
    person = PersonFactory.create(organisation=shared, name="Shared Person")
    for who in (coordinator_of(ours.partnership, "first"), coordinator_of(other.partnership, "second")):
        client.force_login(who)
        page = client.get(_change(type(shared), shared.pk))
        assert page.status_code == 200
        assert "View organisation" in page.text
        client.post(
            reverse("admin:partnership_person_changelist"),
            {"action": "erase_people", "_selected_action": [person.pk]},
        )
        person.refresh_from_db()
        assert person.erased_at is None
        client.post(reverse("admin:partnership_organisation_delete", args=[shared.pk]), {"post": "yes"})
        assert type(shared).objects.filter(pk=shared.pk).exists()


def test_the_outbox_masks_personal_links_and_forgets_them_once_cancelled(admin_client, ours):
    raw, _hash = token_new()
    message = OutboundMessage.objects.create(
        key="survey:1:invitation:1",
        to_email="respondent@example.org",
        subject="Your survey",
        body_text=f"Answer here: https://portal.example.eu/surveys/link/{raw}/",
        partnership=ours.partnership,
    )
    page = admin_client.get(_change(OutboundMessage, message.pk))
    assert page.status_code == 200
    assert raw not in page.text
    assert outbox.REDACTED in page.text
    message.refresh_from_db()
    assert raw in message.body_text  # still pending: sending needs it

    outbox.messages_cancel(keys_startwith="survey:1:")
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.CANCELLED
    assert raw not in message.body_text


def test_an_erased_shared_person_is_refused_but_an_own_one_is_erased(client, ours):
    own = PersonFactory.create(organisation=ours.records[Membership].organisation, name="Own Person")
    client.force_login(coordinator_of(ours.partnership, "eraser"))
    client.post(
        reverse("admin:partnership_person_changelist"), {"action": "erase_people", "_selected_action": [own.pk]}
    )
    assert Person.objects.get(pk=own.pk).erased_at is not None


def test_the_clone_form_offers_and_saves_no_organisation_known_only_from_a_private_partnership(
    admin_client, ours, theirs
):
    survey = ours.records[Survey]
    private_only = theirs.records[type(ours.records[Membership].organisation)]
    changelist = reverse("admin:surveys_survey_changelist")
    form = admin_client.post(changelist, {"action": "clone_survey", "_selected_action": [survey.pk]})
    assert form.status_code == 200
    assert "Zanzibar" not in form.content.decode()
    answer = admin_client.post(
        changelist,
        {
            "action": "clone_survey",
            "_selected_action": [survey.pk],
            "apply": "1",
            "title": "Forged clone",
            "country": "IT",
            "owner": private_only.pk,
            "default_language": "it",
        },
    )
    assert answer.status_code == 200
    assert not Survey.objects.filter(title="Forged clone").exists()


def test_accounts_are_not_created_for_people_of_an_organisation_shared_with_another_partnership(client, ours):
    other = plant("Otherville", is_public=False)
    shared = OrganisationFactory.create(name="Shared Region")
    MembershipFactory.create(partnership=ours.partnership, organisation=shared)
    MembershipFactory.create(partnership=other.partnership, organisation=shared)
    person = PersonFactory.create(organisation=shared, name="Shared Person", user=None)
    client.force_login(coordinator_of(ours.partnership, "accounts"))
    client.post(
        reverse("admin:partnership_person_changelist"), {"action": "create_accounts", "_selected_action": [person.pk]}
    )
    person.refresh_from_db()
    assert person.user_id is None


@pytest.mark.parametrize("forged", ["abc", "1 OR 1=1", "\x00"])
def test_forged_values_in_admin_posts_and_searches_are_never_a_server_error(admin_client, ours, forged):
    add = reverse("admin:partnership_membership_add")
    response = admin_client.post(add, {"partnership": ours.partnership.pk, "organisation": forged, "role": "partner"})
    assert response.status_code == 200
    assert "organisation" in response.context["adminform"].form.errors
    selected = admin_client.post(
        reverse("admin:partnership_person_changelist"), {"action": "erase_people", "_selected_action": [forged]}
    )
    assert selected.status_code in (200, 302)
    found = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "partnership", "model_name": "membership", "field_name": "organisation", "term": forged},
    )
    assert found.status_code == 200
