"""Every admin, by construction: a coordinator of one partnership sees nothing of another, private one,
and no id of it posted into any relation field is saved (DESIGN.md, Roles and permissions)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from admin_world import World, coordinator_of, plant
from django.contrib import admin
from django.db.models import Model
from django.forms.models import model_to_dict
from django.urls import reverse

from meetings.tests.pages import form_fields
from partnership.admin import ScopedAdmin, ScopedMixin
from partnership.models import Organisation, Person

pytestmark = pytest.mark.django_db
APPS = ("partnership", "meetings", "actions", "surveys")
# A word that appears in every record of the private partnership and nowhere else.
SECRET = "Zanzibar"


def _registered() -> list[tuple[type[Model], Any]]:
    return sorted(
        ((model, model_admin) for model, model_admin in admin.site._registry.items() if model._meta.app_label in APPS),
        key=lambda pair: pair[0]._meta.label,
    )


REGISTERED = [model._meta.label for model, _admin in _registered()]


def _admin_of(label: str) -> tuple[type[Model], Any]:
    return next((model, model_admin) for model, model_admin in _registered() if model._meta.label == label)


def _url(model: type[Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def ours() -> World:
    return plant("Ourtown", is_public=True)


@pytest.fixture
def theirs() -> World:
    return plant(SECRET, is_public=False)


@pytest.fixture
def coordinator_client(client: Any, ours: World, theirs: World) -> Any:
    client.force_login(coordinator_of(ours.partnership, "ourtown-coordinator"))
    return client


def test_every_admin_and_inline_is_built_on_the_scoped_base():
    unscoped = [
        label
        for label, (_model, model_admin) in ((label, _admin_of(label)) for label in REGISTERED)
        if not isinstance(model_admin, ScopedAdmin)
        or any(not issubclass(inline, ScopedMixin) for inline in model_admin.inlines)
    ]
    assert unscoped == []
    assert len(REGISTERED) >= 20


def test_the_world_has_a_record_of_every_model_with_an_admin(theirs):
    assert [label for label in REGISTERED if _admin_of(label)[0] not in theirs.records] == []


def _assert_secret_kept(response: Any, where: str) -> None:
    assert response.status_code != 500, where
    body = response.content.decode(errors="replace")
    assert SECRET not in body, f"{where} shows a record of the private partnership"


@pytest.mark.parametrize("label", REGISTERED)
def test_a_coordinator_sees_nothing_of_another_partnership(coordinator_client, ours, theirs, label):
    client = coordinator_client
    model, model_admin = _admin_of(label)
    mine, other = ours.records[model], theirs.records[model]

    changelist = client.get(_url(model, "changelist"))
    _assert_secret_kept(changelist, f"{label} changelist")
    if changelist.status_code != 200:
        return
    assert changelist.context["cl"].result_count >= 1, f"{label}: the coordinator's own record is listed"
    searched = client.get(_url(model, "changelist"), {"q": SECRET})
    assert searched.status_code == 200
    found = [row.pk for row in searched.context["cl"].result_list]
    assert other.pk not in found, f"{label}: a search finds the private partnership's records"

    for spec in changelist.context["cl"].filter_specs:
        for parameter in spec.expected_parameters():
            for value in (str(other.pk), str(getattr(theirs.partnership, "pk", "")), "not-a-number", "'"):
                filtered = client.get(_url(model, "changelist"), {parameter: value})
                assert filtered.status_code in (200, 302), f"{label} filter {parameter}={value}"
                if filtered.status_code == 200:
                    _assert_secret_kept(filtered, f"{label} filter {parameter}={value}")
                    assert other.pk not in {row.pk for row in filtered.context["cl"].result_list}
                    assert (
                        filtered.context["cl"].result_count == 0
                        or value in ("not-a-number", "'")
                        or (str(ours.partnership.pk) == value)
                        # "Is empty" takes any value but 0 or false as yes: our rows without one are listed.
                        or parameter.endswith("__isnull")
                    ), f"{label} filter {parameter}={value} lists records"

    if model_admin.has_add_permission(changelist.wsgi_request):
        _assert_secret_kept(client.get(_url(model, "add")), f"{label} add page")
    _assert_secret_kept(client.get(_url(model, "change", mine.pk)), f"{label} change page")

    for view in ("change", "history", "delete"):
        response = client.get(_url(model, view, other.pk))
        assert response.status_code in (302, 403, 404), f"{label} {view} page of the private partnership's record"
        _assert_secret_kept(response, f"{label} {view} page of the private partnership's record")
    client.post(_url(model, "delete", other.pk), {"post": "yes"})
    assert model._default_manager.filter(pk=other.pk).exists(), f"{label}: deleted across partnerships"

    for field_name in model_admin.get_autocomplete_fields(changelist.wsgi_request):
        for term in ("", SECRET, SECRET[:3]):
            response = client.get(
                reverse("admin:autocomplete"),
                {
                    "app_label": model._meta.app_label,
                    "model_name": model._meta.model_name,
                    "field_name": field_name,
                    "term": term,
                },
            )
            _assert_secret_kept(response, f"{label}.{field_name} autocomplete")


def _relation_fields(model_admin: Any, request: Any, obj: Model) -> list[Any]:
    form = model_admin.get_form(request, obj, change=True)
    fields = []
    for name in form.base_fields:
        field = next((f for f in obj._meta.get_fields() if f.name == name), None)
        if field is not None and field.is_relation and (field.many_to_one or field.many_to_many or field.one_to_one):
            fields.append(field)
    return fields


def _stored(obj: Model, field: Any) -> Any:
    obj.refresh_from_db()
    if field.many_to_many:
        return sorted(getattr(obj, field.name).values_list("pk", flat=True))
    return getattr(obj, field.attname)


@pytest.mark.parametrize("label", REGISTERED)
def test_no_id_of_another_partnership_is_saved_through_any_relation_field(coordinator_client, ours, theirs, label):
    client = coordinator_client
    model, model_admin = _admin_of(label)
    mine = ours.records[model]
    page = client.get(_url(model, "change", mine.pk))
    if page.status_code != 200:
        return
    values = form_fields(page)
    if model_admin.has_change_permission(page.wsgi_request, mine):
        unchanged = client.post(_url(model, "change", mine.pk), {**values, "_save": ["Save"]})
        errors = unchanged.context and [
            form.errors for form in [unchanged.context.get("adminform")] if form is not None and form.errors
        ]
        assert unchanged.status_code == 302, f"{label}: the page's own values do not save: {errors}"
    for field in _relation_fields(model_admin, page.wsgi_request, mine):
        foreign = theirs.records.get(field.related_model)
        if foreign is None and field.related_model in (Organisation, Person):
            foreign = theirs.records[field.related_model]
        if foreign is None:
            continue
        before = _stored(mine, field)
        data = {**values, field.name: [str(foreign.pk)], "_save": ["Save"]}
        response = client.post(_url(model, "change", mine.pk), data)
        assert response.status_code in (200, 403), f"{label}.{field.name}: {response.status_code}"
        assert _stored(mine, field) == before, f"{label}.{field.name} saved another partnership's record"


def test_an_autocomplete_answers_json_without_the_private_partnership(coordinator_client, ours):
    response = coordinator_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "partnership", "model_name": "membership", "field_name": "organisation", "term": "Our"},
    )
    assert response.status_code == 200
    names = [result["text"] for result in json.loads(response.content)["results"]]
    assert "Ourtown City" in names


@pytest.mark.parametrize("label", [label for label in REGISTERED if _admin_of(label)[1].inlines])
def test_no_id_of_another_partnership_is_saved_through_an_inline_row(coordinator_client, ours, theirs, label):
    client = coordinator_client
    model, model_admin = _admin_of(label)
    mine = ours.records[model]
    page = client.get(_url(model, "change", mine.pk))
    if page.status_code != 200:
        return
    values = form_fields(page)
    forged = 0
    for inline in model_admin.get_inline_instances(page.wsgi_request, mine):
        prefix = inline.get_formset(page.wsgi_request, mine).get_default_prefix()
        row_id = values.get(f"{prefix}-0-id", [""])[0]
        if not row_id:
            continue
        row = inline.model._default_manager.get(pk=row_id)
        for field in _relation_fields_of(inline.model, values, f"{prefix}-0-"):
            foreign = theirs.records.get(field.related_model)
            if foreign is None:
                continue
            before = _stored(row, field)
            data = {**values, f"{prefix}-0-{field.name}": [str(foreign.pk)], "_save": ["Save"]}
            response = client.post(_url(model, "change", mine.pk), data)
            # A row's link to the page's record is the page's own whatever is posted: a 302 may be honest.
            assert response.status_code in (200, 302, 403), f"{label} inline {prefix}.{field.name}"
            assert _stored(row, field) == before, f"{label} inline {prefix}.{field.name} saved another partnership's"
            forged += 1
    assert forged or not any(key.endswith("-0-id") for key in values), f"{label}: no inline field was tried"


def _relation_fields_of(model: type[Model], values: dict[str, list[str]], prefix: str) -> list[Any]:
    return [
        field
        for field in model._meta.get_fields()
        if field.concrete and field.is_relation and not field.auto_created and f"{prefix}{field.name}" in values
    ]


WITH_PARTNERSHIP_FILTER = [
    label
    for label in REGISTERED
    if any(
        entry == "partnership" or (isinstance(entry, tuple) and entry[0] == "partnership")
        for entry in _admin_of(label)[1].list_filter
    )
]


@pytest.mark.parametrize("label", WITH_PARTNERSHIP_FILTER)
def test_a_list_filtered_by_another_partnership_is_empty_not_the_whole_list(coordinator_client, ours, theirs, label):
    """The coordinator runs one partnership, so the list offers no partnership filter; an address that names
    another one must not be read as no filter at all."""
    model, _model_admin = _admin_of(label)
    parameter = "partnership__id__exact"

    plain = coordinator_client.get(_url(model, "changelist"))
    other = coordinator_client.get(_url(model, "changelist"), {parameter: theirs.partnership.pk})
    own = coordinator_client.get(_url(model, "changelist"), {parameter: ours.partnership.pk})

    assert plain.context["cl"].result_count >= 1
    assert other.status_code == 200 and other.context["cl"].result_count == 0, f"{label}: another partnership's"
    assert own.context["cl"].result_count == plain.context["cl"].result_count


def test_the_partnership_column_shows_only_to_who_runs_more_than_one(coordinator_client, admin_client, ours, theirs):
    from actions.models import Action

    one = coordinator_client.get(_url(Action, "changelist")).context["cl"].list_display
    every = admin_client.get(_url(Action, "changelist")).context["cl"].list_display

    assert "partnership" not in one
    assert "partnership" in every


@pytest.mark.parametrize("label", [label for label in REGISTERED if _admin_of(label)[1].inlines])
def test_an_inline_row_with_another_partnerships_id_says_so_and_changes_nothing(
    coordinator_client, ours, theirs, label
):
    """A row's hidden id swapped for a record of the private partnership: the page comes back with the reason
    on the row (the admin shows no error beside a hidden field), and neither record changes."""
    client = coordinator_client
    model, model_admin = _admin_of(label)
    mine = ours.records[model]
    page = client.get(_url(model, "change", mine.pk))
    if page.status_code != 200:
        return
    values = form_fields(page)
    for inline in model_admin.get_inline_instances(page.wsgi_request, mine):
        prefix = inline.get_formset(page.wsgi_request, mine).get_default_prefix()
        foreign = theirs.records.get(inline.model)
        if not values.get(f"{prefix}-0-id", [""])[0] or foreign is None:
            continue
        if not inline.has_change_permission(page.wsgi_request, mine):
            continue  # a read-only inline's rows are not read from the post at all
        before, rows = model_to_dict(foreign), inline.model._default_manager.count()
        data = {**values, f"{prefix}-0-id": [str(foreign.pk)], "_save": ["Save"]}

        response = client.post(_url(model, "change", mine.pk), data)

        assert response.status_code == 200, f"{label} inline {prefix}: {response.status_code}"
        assert "This row is not one of this page&#x27;s rows" in response.content.decode(), f"{label} {prefix}"
        foreign.refresh_from_db()
        assert model_to_dict(foreign) == before
        assert inline.model._default_manager.count() == rows, f"{label} {prefix}: the row was saved as a new one"
