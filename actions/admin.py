"""Actions in the coordinators' admin: scoped to their partnerships, bulk workflow, Teaser sheet import."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportMixin

from actions import selectors, services, workflow
from actions.models import (
    Action,
    ActionDocument,
    ActionEvent,
    FundingOpportunity,
    GroupOutcome,
    Milestone,
    WorkingGroup,
)
from actions.resources import ActionResource
from partnership.admin import EstimatedCountPaginator, ScopedAdmin, ScopedTabularInline
from partnership.documents import DocumentModelForm
from partnership.importing.admin import PartnershipImportMixin


class MilestoneInline(ScopedTabularInline):
    model = Milestone
    extra = 0


class GroupOutcomeInline(ScopedTabularInline):
    model = GroupOutcome
    extra = 0
    autocomplete_fields = ["action"]


class ActionDocumentForm(DocumentModelForm):
    class Meta:
        model = ActionDocument
        fields = ["title", "visibility", "file"]


class ActionDocumentInline(ScopedTabularInline):
    model = ActionDocument
    form = ActionDocumentForm
    extra = 0
    fields = ["title", "visibility", "file", "uploaded_by", "uploaded_at"]
    readonly_fields = ["uploaded_by", "uploaded_at"]


class ActionEventInline(ScopedTabularInline):
    model = ActionEvent
    extra = 0
    fields = ("at", "kind", "by", "from_state", "to_state", "reason", "changes")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _transition_action(to_state: str, label: Any) -> Any:
    def run(modeladmin: ActionAdmin, request: HttpRequest, queryset: QuerySet[Action]) -> None:
        moved = 0
        for action in queryset:
            try:
                services.action_transition(action=action, to_state=to_state, by=request.user, reason="")
                moved += 1
            except ValidationError as error:
                modeladmin.message_user(request, f"{action}: {' '.join(error.messages)}", messages.ERROR)
        if moved:
            modeladmin.message_user(
                request,
                ngettext("%(count)d action moved to “%(state)s”.", "%(count)d actions moved to “%(state)s”.", moved)
                % {"count": moved, "state": label},
                messages.SUCCESS,
            )

    run.__name__ = f"move_to_{to_state}"
    return admin.action(description=_("Move to “%(state)s”") % {"state": label}, permissions=["change"])(run)


class ActionAdminForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        """A submitted action keeps its problem and priority area (only a draft may lack them)."""
        data = super().clean() or {}
        if self.instance.pk is not None and self.instance.state != Action.State.DRAFT:
            for name in ("problem", "priority_area"):
                if name in self.fields and not data.get(name):
                    self.add_error(name, _("A submitted action needs this."))
        return data


# What the action list's rows never show: its long texts and the search document.
LISTED_WITHOUT = ("problem", "description", "expected_outcome", "resources", "search_document")


@admin.register(Action)
class ActionAdmin(PartnershipImportMixin, ImportMixin, ScopedAdmin):
    form = ActionAdminForm
    resource_classes = [ActionResource]
    # A list of up to 100,000 actions: each row is kept in the cache as rendered (partnership.templatetags.admin_rows).
    change_list_template = "admin/cached_rows_change_list.html"
    list_display = ["code", "title", "partnership", "priority_area", "pillar", "state", "leader", "owner", "updated"]
    list_display_links = ["code", "title"]
    list_filter = (
        "partnership",
        "state",
        "priority_area",
        "pillar",
        "level",
        "support_closed",
    )
    list_select_related = ["partnership", "priority_area", "pillar", "leader", "owner"]
    # Long lists run to 100,000 actions: read in the long list's index order, searched through its
    # full-text index, counted by estimate (EstimatedCountPaginator) and never counted twice.
    ordering = ["partnership_id", "code", "title", "pk"]
    search_fields = ["code", "title", "problem"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50
    autocomplete_fields = ["leader", "contributors", "owner", "related", "merged_into"]
    readonly_fields = ["state", "merged_into", "version", "created_by", "created_at"]
    filter_horizontal = ["funding_opportunities", "discussed_at"]
    inlines = [MilestoneInline, ActionDocumentInline, ActionEventInline]
    actions = [
        *(_transition_action(state, Action.State(state).label) for state in workflow.ADMIN_MOVES),
        "close_support_round",
    ]

    @admin.display(description=_("Updated"), ordering="updated_at")
    def updated(self, action: Action) -> str:
        """The day only, in the list: the time is on the action's history."""
        return date_format(timezone.localdate(action.updated_at), "j M Y")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        """The list's page reads none of the long texts it does not show, nor the search document."""
        queryset = super().get_queryset(request)
        listing = (
            request.method == "GET" and getattr(request.resolver_match, "url_name", "") == "actions_action_changelist"
        )
        return queryset.defer(*LISTED_WITHOUT) if listing else queryset

    def scope(self, queryset: QuerySet[Any], request: HttpRequest) -> QuerySet[Any]:
        """As on the site, a draft stays private to its organisation, even from the partnership's coordinators."""
        return selectors.others_drafts_hidden(super().scope(queryset, request), request.user)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], search_term: str) -> Any:
        """The long list's own search (web-search syntax, the stored full-text document on PostgreSQL)."""
        return selectors.search(queryset, search_term), False

    @admin.action(description=_("Close the support round"), permissions=["change"])
    def close_support_round(self, request: HttpRequest, queryset: QuerySet[Action]) -> None:
        count = services.support_round_close(actions=list(queryset), by=request.user)
        self.message_user(
            request,
            ngettext("Support closed on %(count)d action.", "Support closed on %(count)d actions.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not ActionDocument:
            super().save_formset(request, form, formset, change)
            return
        # Through the services, so that the history, the audit log and the files follow; the lists are
        # what the admin's own change message reads from a saved formset.
        action = form.instance
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for document_form in formset.forms:
            data = getattr(document_form, "cleaned_data", None)
            if not data or not document_form.has_changed():
                continue
            document = document_form.instance
            if data.get("DELETE"):
                if document.pk is not None:
                    services.document_remove(document=ActionDocument.objects.get(pk=document.pk), by=request.user)
                    formset.deleted_objects.append(document)
            elif document.pk is None:
                formset.new_objects.append(document)
                services.document_add(
                    action=action,
                    by=request.user,
                    title=data["title"],
                    visibility=data["visibility"],
                    file=data["file"],
                )
            else:
                formset.changed_objects.append((document, document_form.changed_data))
                stored = ActionDocument.objects.get(pk=document.pk)
                services.document_update(
                    document=stored,
                    by=request.user,
                    title=data["title"],
                    visibility=data["visibility"],
                    file=data["file"] if "file" in document_form.changed_data else None,
                )

    def save_model(self, request: HttpRequest, obj: Action, form: Any, change: bool) -> None:
        """Through the service, so an edit here moves the version on and enters the history as on the site."""
        changed = [name for name in form.changed_data if name in form.base_fields] if change else []
        many = {
            field.name: (form.initial.get(field.name), form.cleaned_data.get(field.name))
            for field in Action._meta.many_to_many
            if field.name in changed
        }
        services.action_admin_save(action=obj, by=request.user, changed=changed, many=many)


@admin.register(FundingOpportunity)
class FundingOpportunityAdmin(ScopedAdmin):
    list_display = ["provider", "programme", "partnership", "deadline"]
    list_filter = ["partnership", "provider"]
    list_select_related = ["partnership"]
    search_fields = ["provider", "programme"]
    filter_horizontal = ["eligible_priority_areas"]


@admin.register(WorkingGroup)
class WorkingGroupAdmin(ScopedAdmin):
    list_display = ["name", "partnership", "session"]
    list_filter = ["partnership"]
    list_select_related = ["partnership", "session"]
    inlines = [GroupOutcomeInline]
