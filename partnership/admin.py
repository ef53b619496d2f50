"""The coordinators' admin: every queryset and choice scoped to the partnerships they run."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from import_export.admin import ImportExportModelAdmin

from partnership import outbox, scoping, selectors, services, spreadsheets, two_factor
from partnership.admin_scoping import (
    CoordinatedPartnershipFilter,
    EstimatedCountPaginator,
    ScopedAdmin,
    ScopedMixin,
    ScopedStackedInline,
    ScopedTabularInline,
)
from partnership.importing.admin import PartnershipImportMixin, PortalImportMixin
from partnership.models import (
    AuditLog,
    ConsentRecord,
    Job,
    Membership,
    Notification,
    Organisation,
    OutboundMessage,
    Partnership,
    Person,
    Pillar,
    PriorityArea,
)
from partnership.resources import MembershipResource, OrganisationResource, PersonResource

# The base the other apps' admins build on, as they import it.
__all__ = ["EstimatedCountPaginator", "ScopedAdmin", "ScopedMixin", "ScopedStackedInline", "ScopedTabularInline"]


class PortalImportExportAdmin(PortalImportMixin, ImportExportModelAdmin):
    """Imports run as the user (audited, scoped to what they manage), read any CSV or XLSX workbook and
    explain every problem plainly (partnership.importing); exports are written by partnership.spreadsheets."""

    export_formats = spreadsheets.ADMIN_EXPORT_FORMATS


class PriorityAreaInline(ScopedTabularInline):
    model = PriorityArea
    extra = 0


class PillarInline(ScopedTabularInline):
    model = Pillar
    extra = 0


@admin.register(Partnership)
class PartnershipAdmin(ScopedAdmin):
    list_display = ["name", "theme", "starts_on", "ends_on", "is_public"]
    list_filter = ["is_public"]
    search_fields = ["name", "theme"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PriorityAreaInline, PillarInline]


class MembershipInline(ScopedTabularInline):
    model = Membership
    extra = 0
    fields = ["partnership", "role", "since", "until"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request).select_related("partnership")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(partnership__in=selectors.partnerships_coordinated(request.user))


class OrganisationScope:
    """Organisations are shared between partnerships: a coordinator's lists show the members of their
    partnerships and organisations not yet in any partnership (just added or imported); a relation may
    also name a member of a public partnership (`scoping.organisations_linkable`); a shared one is
    changed or erased only by the coordinators of every partnership it belongs to."""

    @staticmethod
    def organisations(request: HttpRequest) -> QuerySet[Organisation]:
        return selectors.organisations_managed(request.user)

    @staticmethod
    def for_autocomplete(request: HttpRequest) -> bool:
        """Whether the request is an autocomplete of a relation field, which offers `choices`."""
        return getattr(request.resolver_match, "url_name", "") == "autocomplete"


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
        if OrganisationScope.for_autocomplete(request):
            return queryset.filter(pk__in=scoping.organisations_linkable(request.user).values("pk"))
        return queryset.filter(pk__in=OrganisationScope.organisations(request).values("pk"))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and scoping.may_change_organisation(request.user, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and scoping.may_change_organisation(request.user, obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        services.coordinator_access_sync(organisation=form.instance)


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
    actions = ["create_accounts", "erase_people", "reset_second_factors"]

    def scope(self, queryset: QuerySet[Any], request: HttpRequest) -> QuerySet[Any]:
        if OrganisationScope.for_autocomplete(request):
            return queryset.filter(pk__in=scoping.people_linkable(request.user).values("pk"))
        return queryset.filter(pk__in=scoping.people_managed(request.user).values("pk"))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        organisation = obj.organisation if obj is not None else None
        return super().has_change_permission(request, obj) and scoping.may_change_organisation(
            request.user, organisation
        )

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
        changeable = scoping.organisations_changeable(request.user)
        for person in queryset.filter(user__isnull=True, erased_at__isnull=True, organisation__in=changeable):
            services.person_account_create(person=person, by=request.user)
            created += 1
        self.message_user(
            request, ngettext("%d account created.", "%d accounts created.", created) % created, messages.SUCCESS
        )

    def has_reset_factors_permission(self, request: HttpRequest) -> bool:
        """Only a superuser resets someone's second factors: whoever may reset them may take the account over."""
        return bool(request.user.is_superuser)

    @admin.action(
        description=_("Reset two-factor login (lost device): they set a factor up again"),
        permissions=["reset_factors"],
    )
    def reset_second_factors(self, request: HttpRequest, queryset: QuerySet[Person]) -> None:
        count = 0
        for person in queryset.filter(user__isnull=False).select_related("user"):
            two_factor.factors_reset(user=person.user, by=request.user)
            count += 1
        self.message_user(
            request,
            ngettext(
                "The second factors of %d person were reset.", "The second factors of %d people were reset.", count
            )
            % count,
            messages.SUCCESS,
        )

    @admin.action(description=_("Erase personal data (keeps anonymous stubs)"), permissions=["change"])
    def erase_people(self, request: HttpRequest, queryset: QuerySet[Person]) -> None:
        count = 0
        changeable = scoping.organisations_changeable(request.user)
        for person in queryset.filter(erased_at__isnull=True, organisation__in=changeable):
            services.person_erase(person=person, by=request.user)
            count += 1
        self.message_user(request, ngettext("%d person erased.", "%d people erased.", count) % count, messages.SUCCESS)


@admin.register(Membership)
class MembershipAdmin(PartnershipImportMixin, PortalImportExportAdmin, ScopedAdmin):
    resource_classes = [MembershipResource]
    partnership_required = False  # the file may name each row's partnership instead
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
        changed = queryset.count()
        self.message_user(
            request,
            ngettext(
                "%(count)d membership now has the role %(role)s.",
                "%(count)d memberships now have the role %(role)s.",
                changed,
            )
            % {"count": changed, "role": label},
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


class ReadOnlyAdmin(ScopedAdmin):
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

    def scope(self, queryset: QuerySet[Any], request: HttpRequest) -> QuerySet[Any]:
        return queryset.filter(person__in=scoping.people_managed(request.user).values("pk"))


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "verb", "model", "object_repr"]
    list_filter = ["verb", "model"]
    list_select_related = ["actor"]
    search_fields = ["object_repr", "actor__username"]
    date_hierarchy = "at"

    def scope(self, queryset: QuerySet[Any], request: HttpRequest) -> QuerySet[Any]:
        """An entry shows to those who may see its record now in the admin; an entry about a deleted record,
        or about a record edited only within another's page (a meeting's travel policy, an agenda's reminder
        rule), to the coordinators of the partnership it belonged to."""
        if request.user.is_superuser:
            return queryset
        coordinated = self.coordinated(request).values("pk")
        visible = Q(verb="delete", partnership__in=coordinated)
        own_admins = []
        for model, model_admin in self.admin_site._registry.items():
            if isinstance(model_admin, ScopedAdmin) and model is not AuditLog:
                own_admins.append(model._meta.label_lower)
                rows = model_admin.scope(model._default_manager.all(), request)
                ids = rows.annotate(text_id=Cast("pk", CharField())).values("text_id")
                visible |= Q(model=model._meta.label_lower, object_id__in=ids)
        visible |= Q(partnership__in=coordinated) & ~Q(model__in=own_admins)
        return queryset.filter(visible)


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
        "body",
    ]
    readonly_fields = ["body"]
    actions = ["retry_failed"]

    @admin.display(description=_("text"))
    def body(self, obj: OutboundMessage) -> str:
        """The mail's text with its personal links masked: whoever reads the outbox must not be able to
        open a respondent's or invitee's page with them (unsent mails keep them for sending)."""
        return outbox.redact_tokens(obj.body_text)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("partnership.view_outboundmessage") and obj is None

    @admin.action(description=_("Retry the selected failed e-mails"), permissions=["change"])
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[OutboundMessage]) -> None:
        failed = list(queryset.filter(status=OutboundMessage.Status.FAILED))
        for message in failed:
            outbox.message_retry(message=message)
        self.message_user(
            request,
            ngettext("%(count)d e-mail queued again.", "%(count)d e-mails queued again.", len(failed))
            % {"count": len(failed)},
            messages.SUCCESS,
        )


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    """Background jobs as their requesters see them: queued, progress, done or failed with the reason."""

    list_display = ["kind", "partnership", "requested_by", "state", "done", "total", "created_at", "finished_at"]
    list_filter = ["state", "partnership"]
    list_select_related = ["partnership", "requested_by"]
    fields = [
        "kind",
        "partnership",
        "requested_by",
        "key",
        "params",
        "state",
        "done",
        "total",
        "result",
        "result_file",
        "error",
        "attempts",
        "created_at",
        "enqueued_at",
        "started_at",
        "claimed_until",
        "finished_at",
    ]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Read-only, for superusers only. A notification is personal (whom the portal told what, and whether they
    read it) and its object may be one its partnership's coordinators cannot see (a partner's draft): they
    have no permission on it. A superuser may look one up to answer "I was never told"; the services write them."""

    list_display = ["at", "recipient", "kind", "title", "partnership", "read_at", "mailed_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter), ("mailed_at", admin.EmptyFieldListFilter)]
    list_select_related = ["recipient", "partnership"]
    search_fields = ["recipient__username", "recipient__email", "title"]
    date_hierarchy = "at"
    fields = ["recipient", "partnership", "kind", "title", "url", "at", "read_at", "mailed_at"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


# django-otp's own admin pages would show a superuser anyone's authenticator key (a device's QR code) and let them
# make codes for someone else: a second factor is set up by its owner and only reset by a superuser, audited
# (PersonAdmin's "reset_second_factors").
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)
