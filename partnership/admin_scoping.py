"""The base every admin of the portal is built on: rows, list filters and the choices of every relation scoped to
the partnerships the user runs (`ScopedAdmin`, `ScopedTabularInline`, `ScopedStackedInline`); inline rows that are
the page's own; lists that read long tables without counting them twice."""

from __future__ import annotations

import json
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.utils import NotRelationField, get_fields_from_path, quote
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from partnership import admin_names, scoping, selectors, services
from partnership.models import Organisation, Partnership, Person

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class ScopedRelatedFilter(admin.RelatedFieldListFilter):
    """A related-field filter that names only the records the user may reach, never the others."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list[tuple[Any, StrOrPromise]]:
        allowed = reachable(field.related_model, request)
        if allowed is None:
            return list(super().field_choices(field, request, model_admin))
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            allowed = allowed.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in allowed]

    def has_output(self) -> bool:
        """A filter with a value in use filters, even when it names no more than one record (Django leaves
        such a filter out and its value unapplied: another partnership's id would show all of the user's
        rows instead of none)."""
        return bool(self.used_parameters) or super().has_output()


# The name other apps' admins know it by.
CoordinatedPartnershipFilter = ScopedRelatedFilter


class ScopedFormMixin:
    """Every admin form refuses a record that points at another partnership's records, whoever
    saves it (the choices already hide them from coordinators; superusers can still mix them up)."""

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        form: Any = self
        if any(field.widget.is_hidden and name in form.errors for name, field in form.fields.items()):
            # An inline row's own id (or its link to the page's record) was not one of the page's: the admin
            # shows no error beside a hidden field, so the row says it.
            form.add_error(None, _("This row is not one of this page's rows: reload the page and enter it again."))
        if form.instance is None or not hasattr(form, "cleaned_data"):
            return
        many = {
            name: value
            for name, value in form.cleaned_data.items()
            if name in form.fields
            and getattr(form.fields[name], "queryset", None) is not None
            and hasattr(value, "__iter__")
            and not isinstance(value, str)
        }
        for name, message in scoping.crossing_relations(form.instance, many).items():
            if name in form.fields and name not in form.errors:
                form.add_error(name, message)
        if scoping.moves_partnership(form.instance):
            form.add_error(None, _("A record cannot move to another partnership."))


class RowsOfThisPageFormSet:
    """An inline's rows are the page's record's own: a row whose hidden id names any other record (Django
    accepts any id of the model there, and then saves the row as a new one) is refused on that row."""

    def add_fields(self, form: Any, index: int | None) -> None:
        super().add_fields(form, index)  # type: ignore[misc]
        formset: Any = self
        field = form.fields.get(formset._pk_field.name)
        if form.is_bound and isinstance(field, forms.ModelChoiceField):
            field.queryset = formset.get_queryset()


class ScopedMixin:
    """What every admin and inline shares: the choices of each relation, whatever model it points at,
    are the records of the partnerships the user runs (shared organisations and people by their own
    rule), so a forged id in a POST is a field error, never a save; and every input has a name
    (`partnership.admin_names`), an inline row's and a list's editable cells included."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        kwargs = _scoped_choices(db_field, request, kwargs)
        return _tolerant(super().formfield_for_foreignkey(db_field, request, **kwargs))  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        kwargs = _scoped_choices(db_field, request, kwargs)
        return _tolerant(super().formfield_for_manytomany(db_field, request, **kwargs))  # type: ignore[misc]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)  # type: ignore[misc]
        return type(form.__name__, (ScopedFormMixin, admin_names.NamedPartsForm, form), {})

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)  # type: ignore[misc]
        formset.form = type(formset.form.__name__, (ScopedFormMixin, formset.form), {})
        return type(formset.__name__, (admin_names.NamedRowsFormSet, RowsOfThisPageFormSet, formset), {})

    def get_changelist_formset(self, request: HttpRequest, **kwargs: Any) -> Any:
        formset = super().get_changelist_formset(request, **kwargs)  # type: ignore[misc]
        return type(formset.__name__, (admin_names.NamedListRowsFormSet, formset), {})


def coordinated_ids(request: HttpRequest) -> list[int]:
    """The ids of the partnerships the user runs, read once per request: as constants, they let the
    planner read long lists in their index order instead of joining a subquery."""
    ids: list[int] | None = getattr(request, "_coordinated_partnership_ids", None)
    if ids is None:
        ids = list(selectors.partnerships_coordinated(request.user).values_list("pk", flat=True))
        request._coordinated_partnership_ids = ids  # type: ignore[attr-defined]
    return ids


def reachable(model: Any, request: HttpRequest) -> QuerySet[Any] | None:
    """The records of `model` the user may pick or filter by (None: no limit). A model with its own admin
    follows that admin's rows (so other organisations' draft actions stay hidden); organisations and
    people follow the rule of shared records."""
    allowed = scoping.choices(model, request.user)
    registered = admin.site._registry.get(model)
    if allowed is not None and model not in (Organisation, Person) and isinstance(registered, ScopedAdmin):
        return registered.scope(model._default_manager.all(), request)
    return allowed


class _TolerantAutocomplete:
    """An autocomplete widget that redraws a form with a forged, non-numeric id as having no choice
    (Django's would look the text up as an id and fail); the field itself reports the error."""

    def optgroups(self, name: str, value: Any, attr: Any = None) -> Any:
        ids = [item for item in value if str(item).isdigit()]
        return super().optgroups(name, ids, attr)  # type: ignore[misc]


def _tolerant(formfield: Any) -> Any:
    widget = getattr(formfield, "widget", None)
    if isinstance(widget, AutocompleteSelect | AutocompleteSelectMultiple) and not isinstance(
        widget, _TolerantAutocomplete
    ):
        widget.__class__ = type(f"Tolerant{type(widget).__name__}", (_TolerantAutocomplete, type(widget)), {})
    return formfield


def _scoped_choices(db_field: Any, request: HttpRequest, kwargs: dict[str, Any]) -> dict[str, Any]:
    allowed = reachable(db_field.related_model, request)
    if allowed is None:
        return kwargs
    given = kwargs.get("queryset")
    return {**kwargs, "queryset": allowed if given is None else given.filter(pk__in=allowed.values("pk"))}


class EstimatedCountPaginator(Paginator):
    """A paginator for long lists: on PostgreSQL, a count the planner estimates above `EXACT_BELOW` rows
    instead of counting every row, which costs more than the page itself (pages stay exact)."""

    EXACT_BELOW = 10_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if connection.vendor != "postgresql" or not isinstance(queryset, QuerySet):
            return int(super().count)
        # The ids alone: the planner's estimate is the same, and planning the rows' joins costs more than counting.
        try:
            sql, params = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # a condition nothing can meet (an id beyond the column's range): no rows
            return 0
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        estimate = int((plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]["Plan Rows"])
        return estimate if estimate >= self.EXACT_BELOW else int(super().count)


class ScopedTabularInline(ScopedMixin, admin.TabularInline):
    """The base of every tabular inline: its relations' choices scoped like the page's."""


class ScopedStackedInline(ScopedMixin, admin.StackedInline):
    """The base of every stacked inline: its relations' choices scoped like the page's."""


class PortalChangeList(ChangeList):
    """Django's change list, each row's address made from the change page's address reversed once per page
    (a long list's page reversed it for every row, twice)."""

    def url_for_result(self, result: Any) -> str:
        if (pattern := self.__dict__.get("_change_url")) is None:
            pattern = self._change_url = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                args=(PK_PLACEHOLDER,),
                current_app=self.model_admin.admin_site.name,
            )
        return pattern.replace(PK_PLACEHOLDER, str(quote(getattr(result, self.pk_attname))), 1)


PK_PLACEHOLDER = "__pk__"


class ScopedAdmin(ScopedMixin, admin.ModelAdmin):
    """The base of every admin: rows, list filters and the choices of every relation scoped to the
    partnerships the user runs; saves and deletes through the audited services.

    Each model names its path to a partnership (`partnership_path` on the model); an admin may
    narrow its rows further in `scope`.
    """

    partnership_path: str | None = None

    def coordinated(self, request: HttpRequest) -> QuerySet[Partnership]:
        return selectors.partnerships_coordinated(request.user)

    def scope(self, queryset: QuerySet[Any], request: HttpRequest) -> QuerySet[Any]:
        if request.user.is_superuser:
            return queryset
        path = self.partnership_path or scoping.partnership_path(self.model)
        if path is None:
            return queryset.none()
        scoped = queryset.filter(**{f"{path}__in": coordinated_ids(request)})
        # Only a path through a many-valued relation can repeat rows; DISTINCT over a long list is costly.
        fields = get_fields_from_path(self.model, path) if path != "pk" else []
        return scoped.distinct() if any(field.many_to_many or field.one_to_many for field in fields) else scoped

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return self.scope(super().get_queryset(request), request)

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return PortalChangeList

    def action_checkbox(self, obj: Any) -> SafeString:
        """Django's row checkbox, written out rather than rendered through a form widget's template on each row."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            _("Select %(row)s for an action") % {"row": obj},
        )

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], search_term: str) -> Any:
        # A NUL cannot be in any stored text, and PostgreSQL refuses it in a query.
        return super().get_search_results(request, queryset, search_term.replace("\x00", ""))

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        """Selected rows that are not ids select nothing (Django would look them up and fail)."""
        if request.method == "POST" and helpers.ACTION_CHECKBOX_NAME in request.POST:
            posted = request.POST.copy()
            ids = [value for value in posted.getlist(helpers.ACTION_CHECKBOX_NAME) if value.isdigit()]
            posted.setlist(helpers.ACTION_CHECKBOX_NAME, ids)
            request.POST = posted  # type: ignore[assignment]
        return super().changelist_view(request, extra_context)

    def get_list_filter(self, request: HttpRequest) -> Any:
        return [_scoped_filter(self.model, entry) for entry in super().get_list_filter(request)]

    def get_list_display(self, request: HttpRequest) -> Any:
        """A coordinator of one partnership is not shown its name on every row: the room goes to the rest."""
        columns = super().get_list_display(request)
        if request.user.is_superuser or len(coordinated_ids(request)) > 1:
            return columns
        return [column for column in columns if column != "partnership"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.record_save(instance=obj, by=request.user)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.record_delete(instance=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            services.record_delete(instance=obj, by=request.user)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Inline rows are saved and deleted through the audited services too."""
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            services.record_delete(instance=obj, by=request.user)
        for obj in instances:
            services.record_save(instance=obj, by=request.user)
        formset.save_m2m()


def _scoped_filter(model: Any, entry: Any) -> Any:
    """A list filter over a relation, as a filter that names only what the user may reach."""
    name, filter_class = (
        (entry, None) if isinstance(entry, str) else (entry if isinstance(entry, tuple) else (None, None))
    )
    if name is None or filter_class not in (None, admin.RelatedFieldListFilter):
        return entry
    try:
        field = get_fields_from_path(model, name)[-1]
    except (FieldDoesNotExist, NotRelationField):
        return entry
    if getattr(field, "related_model", None) is None or not field.is_relation:
        return entry
    return (name, ScopedRelatedFilter)
