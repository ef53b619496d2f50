"""The coordinators' admin: every queryset and choice scoped to the partnerships they run."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportModelAdmin

from partnership import outbox, selectors, services
from partnership.models import (
    AuditLog,
    ConsentRecord,
    Membership,
    Organisation,
    OutboundMessage,
    Partnership,
    Person,
    Pillar,
    PriorityArea,
)
from partnership.resources import OrganisationResource, PersonResource

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class CoordinatedPartnershipFilter(admin.RelatedFieldListFilter):
    """A partnership filter that names only the partnerships the user runs, never the others."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list[tuple[str, StrOrPromise]]:
        return [(str(p.pk), str(p)) for p in selectors.partnerships_coordinated(request.user)]


class ScopedAdmin(admin.ModelAdmin):
    """Saves and deletes through the audited services and scopes rows to the user's partnerships.

    `partnership_path` names the lookup from the model to its Partnership.
    """

    partnership_path = "partnership"

    def coordinated(self, request: HttpRequest) -> QuerySet[Partnership]:
        return selectors.partnerships_coordinated(request.user)

    def scope(self, queryset: QuerySet[Any], request: HttpRequest) -> QuerySet[Any]:
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.partnership_path}__in": self.coordinated(request)}).distinct()

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return self.scope(super().get_queryset(request), request)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model is Partnership and not request.user.is_superuser:
            kwargs["queryset"] = self.coordinated(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.record_save(instance=obj, by=request.user)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.record_delete(instance=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            services.record_delete(instance=obj, by=request.user)


class PortalImportExportAdmin(ImportExportModelAdmin):
    """Imports run as the user (audited, scoped to what they manage) and explain unreadable files plainly."""

    import_template_name = "partnership/admin_import.html"

    def get_import_resource_kwargs(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_import_resource_kwargs(request, **kwargs), "user": request.user}

    def add_data_read_fail_error_to_form(self, form: Any, e: Exception) -> None:
        if isinstance(e, UnicodeDecodeError):
            form.add_error(
                "import_file",
                _(
                    "This file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8”, "
                    "or choose the XLSX format, and upload it again."
                ),
            )
            return
        super().add_data_read_fail_error_to_form(form, e)


class PriorityAreaInline(admin.TabularInline):
    model = PriorityArea
    extra = 0


class PillarInline(admin.TabularInline):
    model = Pillar
    extra = 0


@admin.register(Partnership)
class PartnershipAdmin(ScopedAdmin):
    partnership_path = "pk"
    list_display = ["name", "theme", "starts_on", "ends_on", "is_public"]
    list_filter = ["is_public"]
    search_fields = ["name", "theme"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PriorityAreaInline, PillarInline]

    def scope(self, queryset: QuerySet[Any], request: HttpRequest) -> QuerySet[Any]:
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=self.coordinated(request))


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["partnership", "role", "since", "until"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request).select_related("partnership")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(partnership__in=selectors.partnerships_coordinated(request.user))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "partnership" and not request.user.is_superuser:
            kwargs["queryset"] = selectors.partnerships_coordinated(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class OrganisationScope:
    """Organisations are shared between partnerships: a coordinator sees the members of their
    partnerships and organisations not yet in any partnership (just added or imported)."""

    @staticmethod
    def organisations(request: HttpRequest) -> QuerySet[Organisation]:
        return selectors.organisations_managed(request.user)


@admin.register(Organisation)
class OrganisationAdmin(PortalImportExportAdmin, ScopedAdmin):
    resource_classes = [OrganisationResource]
    list_display = ["name", "short_name", "kind", "country", "parent"]
    list_filter = ["kind", "country", ("memberships__partnership", CoordinatedPartnershipFilter), "memberships__role"]
    list_select_related = ["parent"]
    search_fields = ["name", "short_name"]
    autocomplete_fields = ["parent"]
    inlines = [MembershipInline]

    def scope(self, queryset: QuerySet[Any], request: HttpRequest) -> QuerySet[Any]:
        return queryset.filter(pk__in=OrganisationScope.organisations(request).values("pk"))

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            services.record_delete(instance=obj, by=request.user)
        for obj in instances:
            services.record_save(instance=obj, by=request.user)
            if isinstance(obj, Membership):
                services.coordinator_access_sync(organisation=obj.organisation)
        formset.save_m2m()


@admin.register(Person)
class PersonAdmin(PortalImportExportAdmin, ScopedAdmin):
    resource_classes = [PersonResource]
    list_display = ["name", "email", "organisation", "role_title", "language", "has_account"]
    list_filter = [
        "language",
        "organisation__kind",
        ("organisation__memberships__partnership", CoordinatedPartnershipFilter),
    ]
    list_select_related = ["organisation", "user"]
    search_fields = ["name", "email", "organisation__name", "organisation__short_name"]
    autocomplete_fields = ["organisation"]
    readonly_fields = ["user", "erased_at"]
    actions = ["create_accounts", "erase_people"]

    def scope(self, queryset: QuerySet[Any], request: HttpRequest) -> QuerySet[Any]:
        return queryset.filter(organisation__in=OrganisationScope.organisations(request))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "organisation":
            kwargs["queryset"] = OrganisationScope.organisations(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(boolean=True, description=_("account"))
    def has_account(self, obj: Person) -> bool:
        return obj.user_id is not None

    @admin.action(description=_("Create accounts and send welcome e-mails"), permissions=["change"])
    def create_accounts(self, request: HttpRequest, queryset: QuerySet[Person]) -> None:
        created = 0
        for person in queryset.filter(user__isnull=True, erased_at__isnull=True):
            services.person_account_create(person=person, by=request.user)
            created += 1
        self.message_user(
            request, ngettext("%d account created.", "%d accounts created.", created) % created, messages.SUCCESS
        )

    @admin.action(description=_("Erase personal data (keeps anonymous stubs)"), permissions=["change"])
    def erase_people(self, request: HttpRequest, queryset: QuerySet[Person]) -> None:
        count = 0
        for person in queryset.filter(erased_at__isnull=True):
            services.person_erase(person=person, by=request.user)
            count += 1
        self.message_user(request, ngettext("%d person erased.", "%d people erased.", count) % count, messages.SUCCESS)


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    list_display = ["organisation", "partnership", "role", "since", "until"]
    list_filter = [("partnership", CoordinatedPartnershipFilter), "role", "organisation__kind", "organisation__country"]
    list_select_related = ["organisation", "partnership"]
    search_fields = ["organisation__name", "organisation__short_name"]
    autocomplete_fields = ["organisation", "contacts"]
    actions = [
        "make_partner",
        "make_observer",
        "make_expert",
        "make_coordinator",
        "make_secretariat",
        "end_today",
    ]

    def _change_role(self, request: HttpRequest, queryset: QuerySet[Membership], role: str) -> None:
        for membership in queryset.select_related("organisation"):
            services.membership_change_role(membership=membership, role=role, by=request.user)
        label = Membership.Role(role).label
        self.message_user(
            request,
            _("%(count)d memberships now have the role %(role)s.") % {"count": queryset.count(), "role": label},
            messages.SUCCESS,
        )

    @admin.action(description=_("Change role to partner"), permissions=["change"])
    def make_partner(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        self._change_role(request, queryset, Membership.Role.PARTNER)

    @admin.action(description=_("Change role to observer"), permissions=["change"])
    def make_observer(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        self._change_role(request, queryset, Membership.Role.OBSERVER)

    @admin.action(description=_("Change role to expert"), permissions=["change"])
    def make_expert(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        self._change_role(request, queryset, Membership.Role.EXPERT)

    @admin.action(description=_("Change role to coordinator"), permissions=["change"])
    def make_coordinator(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        self._change_role(request, queryset, Membership.Role.COORDINATOR)

    @admin.action(description=_("Change role to technical secretariat"), permissions=["change"])
    def make_secretariat(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        self._change_role(request, queryset, Membership.Role.SECRETARIAT)

    @admin.action(description=_("End memberships today"), permissions=["change"])
    def end_today(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for membership in queryset.select_related("organisation"):
            services.membership_end(membership=membership, by=request.user)
        self.message_user(request, _("The selected memberships end today."), messages.SUCCESS)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.coordinator_access_sync(organisation=obj.organisation)


@admin.register(PriorityArea)
class PriorityAreaAdmin(ScopedAdmin):
    list_display = ["name", "partnership", "position"]
    list_filter = [("partnership", CoordinatedPartnershipFilter)]
    list_select_related = ["partnership"]
    search_fields = ["name"]


@admin.register(Pillar)
class PillarAdmin(ScopedAdmin):
    list_display = ["name", "partnership", "position"]
    list_filter = [("partnership", CoordinatedPartnershipFilter)]
    list_select_related = ["partnership"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = ["person", "purpose", "given", "text_version", "at"]
    list_filter = ["purpose", "given", "text_version"]
    list_select_related = ["person"]
    search_fields = ["person__name", "person__email"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        return queryset.filter(person__organisation__in=OrganisationScope.organisations(request))


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "verb", "model", "object_repr"]
    list_filter = ["verb", "model"]
    list_select_related = ["actor"]
    search_fields = ["object_repr", "actor__username"]
    date_hierarchy = "at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        coordinated = selectors.partnerships_coordinated(request.user)
        return queryset.filter(actor__person__organisation__memberships__partnership__in=coordinated).distinct()


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyAdmin):
    """Coordinators see their partnerships' mail, failures first, with the reason."""

    list_display = ["subject", "to_email", "status", "attempts", "send_after", "sent_at", "last_error"]
    list_filter = ["status"]
    search_fields = ["to_email", "subject", "key"]
    fields = [
        "key",
        "to_email",
        "subject",
        "status",
        "attempts",
        "send_after",
        "created_at",
        "sent_at",
        "last_error",
        "body_text",
    ]
    actions = ["retry_failed"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(partnership__in=selectors.partnerships_coordinated(request.user))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("partnership.view_outboundmessage") and obj is None

    @admin.action(description=_("Retry the selected failed e-mails"), permissions=["change"])
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[OutboundMessage]) -> None:
        failed = list(queryset.filter(status=OutboundMessage.Status.FAILED))
        for message in failed:
            outbox.message_retry(message=message)
        self.message_user(request, _("%(count)d e-mails queued again.") % {"count": len(failed)}, messages.SUCCESS)
