"""The coordinators' admin for actions: scoped to their partnerships, and edits that do not overwrite silently."""

import pytest
from django.urls import reverse

from actions.models import Action, ActionEvent
from actions.tests.factories import ActionFactory, organisation_of
from partnership.tests.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

State = Action.State


def change_form_data(response):
    """What the browser would post back from an admin change page, unchanged."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None:
                continue
            if isinstance(value, list | tuple):
                data[form.add_prefix(name)] = [str(item.pk if hasattr(item, "pk") else item) for item in value]
            elif isinstance(value, bool):
                if value:
                    data[form.add_prefix(name)] = "on"
            else:
                data[form.add_prefix(name)] = str(value.pk if hasattr(value, "pk") else value)
    return data


def test_a_coordinator_sees_and_filters_only_their_partnerships_actions(client, partnership, coordinator):
    ours = ActionFactory(partnership=partnership, title="Ours")
    other = PartnershipFactory(name="Culture and Cultural Heritage")
    theirs = ActionFactory(partnership=other, title="Theirs", priority_area__name="Heritage in public space")
    client.force_login(coordinator)

    changelist = client.get(reverse("admin:actions_action_changelist"))

    assert changelist.status_code == 200
    page = changelist.content.decode()
    assert "Ours" in page
    assert "Theirs" not in page
    assert "Culture and Cultural Heritage" not in page
    assert "Heritage in public space" not in page
    assert client.get(reverse("admin:actions_action_change", args=[ours.pk])).status_code == 200
    assert client.get(reverse("admin:actions_action_change", args=[theirs.pk])).status_code == 302


def test_a_coordinator_does_not_see_another_organisations_draft_in_the_admin(client, partnership, coordinator):
    own = ActionFactory(partnership=partnership, owner=organisation_of(coordinator), state=State.DRAFT, title="Ours")
    hidden = ActionFactory(partnership=partnership, state=State.DRAFT, title="Their private draft")
    submitted = ActionFactory(partnership=partnership, state=State.PROPOSED, title="Their proposal")
    client.force_login(coordinator)

    page = client.get(reverse("admin:actions_action_changelist")).content.decode()

    assert "Ours" in page
    assert "Their proposal" in page
    assert "Their private draft" not in page
    assert client.get(reverse("admin:actions_action_change", args=[own.pk])).status_code == 200
    assert client.get(reverse("admin:actions_action_change", args=[submitted.pk])).status_code == 200
    assert client.get(reverse("admin:actions_action_change", args=[hidden.pk])).status_code == 302


def test_a_partner_has_no_admin(client, partner):
    client.force_login(partner)

    response = client.get(reverse("admin:actions_action_changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_bulk_workflow_action_moves_the_selected_actions(client, partnership, coordinator):
    first = ActionFactory(partnership=partnership, state=State.PROPOSED)
    second = ActionFactory(partnership=partnership, state=State.PROPOSED)
    adopted = ActionFactory(partnership=partnership, state=State.ADOPTED, title="Already adopted")
    client.force_login(coordinator)

    response = client.post(
        reverse("admin:actions_action_changelist"),
        {"action": "move_to_long_listed", "_selected_action": [first.pk, second.pk, adopted.pk]},
        follow=True,
    )

    assert sorted(Action.objects.filter(state=State.LONG_LISTED).values_list("code", flat=True)) == ["A-01", "A-02"]
    adopted.refresh_from_db()
    assert adopted.state == State.ADOPTED
    assert "Already adopted: An action cannot go from" in response.content.decode()
    assert ActionEvent.objects.filter(kind=ActionEvent.Kind.TRANSITION, by=coordinator).count() == 2


def test_an_admin_edit_is_recorded_and_makes_an_older_browser_form_stale(client, partnership, coordinator, partner):
    action = ActionFactory(partnership=partnership, owner=organisation_of(partner), title="Teaser title")
    client.force_login(coordinator)
    url = reverse("admin:actions_action_change", args=[action.pk])
    data = change_form_data(client.get(url))

    response = client.post(url, {**data, "title": "Coordinator's title"})

    assert response.status_code == 302, response.context["adminform"].form.errors
    action.refresh_from_db()
    assert (action.title, action.version) == ("Coordinator's title", 2)
    event = ActionEvent.objects.get(action=action, kind=ActionEvent.Kind.EDITED)
    assert (event.by, event.changes) == (coordinator, {"title": ["Teaser title", "Coordinator's title"]})

    client.force_login(partner)
    stale = client.post(
        reverse("actions:edit", args=[action.pk]),
        {"title": "Partner's title", "problem": action.problem, "priority_area": action.priority_area_id, "version": 1},
    )

    assert stale.status_code == 200
    assert "Someone else saved this action" in stale.content.decode()
    action.refresh_from_db()
    assert action.title == "Coordinator's title"


def test_saving_the_admin_form_unchanged_records_nothing(client, partnership, coordinator):
    action = ActionFactory(partnership=partnership)
    client.force_login(coordinator)
    url = reverse("admin:actions_action_change", args=[action.pk])

    response = client.post(url, change_form_data(client.get(url)))

    assert response.status_code == 302
    action.refresh_from_db()
    assert action.version == 1
    assert not ActionEvent.objects.exists()


def test_the_admin_does_not_empty_a_submitted_actions_problem(client, partnership, coordinator):
    action = ActionFactory(partnership=partnership, state=State.PROPOSED, problem="Dark squares")
    client.force_login(coordinator)
    url = reverse("admin:actions_action_change", args=[action.pk])

    response = client.post(url, {**change_form_data(client.get(url)), "problem": ""})

    assert response.status_code == 200
    assert "A submitted action needs this." in response.content.decode()
    action.refresh_from_db()
    assert action.problem == "Dark squares"


@pytest.mark.parametrize("how_many", [10, 120])
def test_the_action_changelist_reads_the_same_number_of_queries_however_long_the_list(
    client, partnership, coordinator, how_many, django_assert_max_num_queries
):
    area = ActionFactory(partnership=partnership).priority_area
    owner = organisation_of(coordinator)
    ActionFactory.create_batch(how_many, partnership=partnership, priority_area=area, owner=owner)
    client.force_login(coordinator)
    with django_assert_max_num_queries(18):
        plain = client.get(reverse("admin:actions_action_changelist"))
    with django_assert_max_num_queries(18):
        searched = client.get(reverse("admin:actions_action_changelist"), {"q": "Action"})
    assert plain.status_code == searched.status_code == 200
    assert plain.context["cl"].result_count == how_many + 1
    assert len(plain.context["cl"].result_list) == min(how_many + 1, 50)


def test_the_action_changelist_searches_like_the_long_list(client, partnership, coordinator):
    ActionFactory(partnership=partnership, title="Lighting of squares", problem="Dark corners invite crime.")
    ActionFactory(partnership=partnership, title="Sensors in parks", problem="Nobody knows how busy parks are.")
    client.force_login(coordinator)
    found = client.get(reverse("admin:actions_action_changelist"), {"q": '"dark corners" -parks'})
    assert [action.title for action in found.context["cl"].result_list] == ["Lighting of squares"]


def test_a_long_changelist_is_counted_by_the_planners_estimate(client, partnership, coordinator, uses_postgres):
    from partnership.admin import EstimatedCountPaginator

    ActionFactory.create_batch(30, partnership=partnership)
    queryset = Action.objects.filter(partnership=partnership)
    exact = EstimatedCountPaginator(queryset, 10)
    assert exact.count == 30  # below the threshold: counted
    EstimatedCountPaginator.EXACT_BELOW, before = 1, EstimatedCountPaginator.EXACT_BELOW
    try:
        estimated = EstimatedCountPaginator(queryset, 10)
        assert estimated.count >= 1
        assert estimated.count != 0
    finally:
        EstimatedCountPaginator.EXACT_BELOW = before
