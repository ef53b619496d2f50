"""Building surveys in the coordinators' admin with the builder's shared forms (`surveys.forms.building`) and
services: texts side by side in each language, options inline, the structure locked once answers exist, and an
empty survey deletable by its coordinator."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from partnership import scoping
from partnership.admin import ScopedAdmin, ScopedTabularInline
from partnership.models import Organisation
from surveys import selectors, services
from surveys.forms import (
    MAX_CHOICES,
    ChoiceEditForm,
    ChoiceFormSet,
    QuestionEditForm,
    SectionEditForm,
    SectionFormSet,
    SurveyAdminForm,
    for_survey,
    other_languages,
    side_by_side,
)
from surveys.models import SURVEY_LANGUAGES, Choice, NeedLink, Question, Respondent, Section, Survey, SurveyExport


def survey_of_question(request: HttpRequest, question: Question | None) -> Survey | None:
    """The survey a question page is about: the question's, else that of the section posted or asked for in the
    address (`?section=`), when the user runs it."""
    if question is not None:
        return Survey.objects.filter(sections=question.section_id).first()
    section_id = request.POST.get("section") or request.GET.get("section")
    if not section_id or not str(section_id).isdigit():
        return None
    return selectors.surveys_run_by(request.user).filter(sections=int(section_id)).first()


class SectionInline(ScopedTabularInline):
    """The survey's sections, titled in each of its languages; saved together by `SurveyAdmin.save_formset`."""

    model = Section
    form = SectionEditForm
    formset = SectionFormSet
    extra = 0

    def get_formset(self, request: HttpRequest, obj: Survey | None = None, **kwargs: Any) -> Any:
        kwargs["form"] = for_survey(SectionEditForm, obj, translated=("title",))
        return super().get_formset(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Survey | None = None) -> list[Any]:
        title = side_by_side("title", other_languages(obj))
        return ["position", *(title if isinstance(title, tuple) else [title]), "priority_area"]


class CloneForm(forms.Form):
    title = forms.CharField(label=_("Title of the copy"), max_length=250)
    country = forms.CharField(label=_("Country code (e.g. IT)"), max_length=2)
    owner = forms.ModelChoiceField(label=_("Owner (ministry)"), queryset=Organisation.objects.none())
    default_language = forms.ChoiceField(label=_("Language"), choices=SURVEY_LANGUAGES)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = scoping.organisations_linkable(user)  # as every other relation in the admin


@admin.register(Survey)
class SurveyAdmin(ScopedAdmin):
    form = SurveyAdminForm
    list_display = ["title", "partnership", "country", "owner", "state", "opens_at", "closes_at", "manage_link"]
    list_filter = ["partnership", "state", "country", "anonymity"]
    list_select_related = ["partnership", "owner"]
    search_fields = ["title"]
    autocomplete_fields = ["owner"]
    readonly_fields = ["state", "cloned_from", "building"]
    inlines = [SectionInline]
    actions = ["clone_survey", "enable_open_link"]

    def get_form(self, request: HttpRequest, obj: Survey | None = None, change: bool = False, **kwargs: Any) -> Any:
        kwargs["form"] = for_survey(SurveyAdminForm, obj)
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Survey | None = None) -> Any:
        languages = other_languages(obj)
        return [
            (None, {"fields": ["partnership", "owner", "country", "default_language", "languages", "state"]}),
            (
                _("Texts"),
                {
                    "fields": [
                        side_by_side("title", languages),
                        side_by_side("introduction", languages),
                        side_by_side("owner_name", languages),
                        "contact_email",
                    ]
                },
            ),
            (
                _("Answering"),
                {
                    "fields": [
                        "anonymity",
                        ("opens_at", "closes_at"),
                        "open_link_enabled",
                        ("reminder_after_days", "reminder_max", "reminder_gap_days"),
                        "erase_after_months",
                        "cloned_from",
                    ]
                },
            ),
            (_("Questions"), {"fields": ["building"]}),
        ]

    @admin.display(description=_("questions"))
    def building(self, obj: Survey) -> str:
        if obj.pk is None:
            return str(_("Save the survey and add its sections first."))
        sections = format_html_join(
            "",
            '<li>{} – <a href="{}?section={}">{}</a></li>',
            (
                (section.title, reverse("admin:surveys_question_add"), section.pk, _("Add a question"))
                for section in obj.sections.order_by("position", "id")
            ),
        )
        return format_html(
            '<ul>{}</ul><p><a href="{}?section__survey__id__exact={}">{}</a> · <a href="{}">{}</a> · '
            '<a href="{}">{}</a></p>',
            sections,
            reverse("admin:surveys_question_changelist"),
            obj.pk,
            _("All its questions"),
            reverse("surveys:preview", args=[obj.pk]),
            _("Preview as a respondent"),
            reverse("surveys:build", args=[obj.pk]),
            _("Builder page"),
        )

    def save_model(self, request: HttpRequest, obj: Survey, form: Any, change: bool) -> None:
        services.survey_save(survey=obj, by=request.user)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if isinstance(formset, SectionFormSet):
            kept, removed = formset.kept_and_removed()
            services.sections_save(survey=form.instance, kept=kept, removed=removed, by=request.user)
            formset.new_objects = [section for section in kept if section not in formset.initial_forms]
            formset.changed_objects = [
                (f.instance, f.changed_data) for f in formset.initial_forms if f.has_changed() and f.instance in kept
            ]
            formset.deleted_objects = removed
            return
        super().save_formset(request, form, formset, change)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        """A survey's parts go with it; a survey with answers is refused, with the reason shown as what protects
        it."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        parts = {str(model._meta.verbose_name) for model in (Respondent, NeedLink, SurveyExport, Question)}
        perms_needed = {name for name in perms_needed if str(name) not in parts}
        protected = list(protected) + [problem for obj in objs if (problem := services.survey_delete_problem(obj))]
        return deleted, counts, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: Survey) -> None:
        services.survey_delete(survey=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Survey]) -> None:
        for survey in queryset:
            services.survey_delete(survey=survey, by=request.user)

    @admin.display(description=_("manage"))
    def manage_link(self, obj: Survey) -> str:
        return format_html('<a href="{}">{}</a>', reverse("surveys:manage", args=[obj.pk]), _("Manage"))

    @admin.action(description=_("Clone for another country and language"), permissions=["add"])
    def clone_survey(self, request: HttpRequest, queryset: QuerySet[Survey]) -> HttpResponse | None:
        source = queryset.first()
        if source is None or queryset.count() != 1:
            self.message_user(request, _("Choose exactly one survey to clone."), messages.ERROR)
            return None
        form = CloneForm(
            request.POST if "apply" in request.POST else None, initial={"title": source.title}, user=request.user
        )
        if "apply" in request.POST and form.is_valid():
            clone = services.survey_clone(survey=source, by=request.user, **form.cleaned_data)
            self.message_user(
                request,
                _("Cloned as “%(title)s”; translate its texts before opening it.") % {"title": clone.title},
                messages.SUCCESS,
            )
            return None
        return render(
            request,
            "admin/surveys/clone.html",
            {**self.admin_site.each_context(request), "source": source, "form": form, "opts": self.model._meta},
        )

    @admin.action(description=_("Enable the open link (shows it once)"), permissions=["change"])
    def enable_open_link(self, request: HttpRequest, queryset: QuerySet[Survey]) -> None:
        for survey in queryset:
            raw = services.survey_open_link_enable(survey=survey, by=request.user)
            url = request.build_absolute_uri(reverse("surveys:open_link", kwargs={"token": raw}))
            self.message_user(
                request, _("Open link of %(survey)s: %(url)s") % {"survey": survey, "url": url}, messages.SUCCESS
            )


class ChoiceInline(ScopedTabularInline):
    """A question's options, labelled in each language of its survey; their values are made from the labels."""

    model = Choice
    form = ChoiceEditForm
    formset = ChoiceFormSet

    def get_extra(self, request: HttpRequest, obj: Question | None = None, **kwargs: Any) -> int:
        return 3 if obj is None else 1

    def get_formset(self, request: HttpRequest, obj: Question | None = None, **kwargs: Any) -> Any:
        kwargs["form"] = for_survey(ChoiceEditForm, survey_of_question(request, obj))
        kwargs.update(max_num=MAX_CHOICES, validate_max=True, absolute_max=MAX_CHOICES)
        return super().get_formset(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Question | None = None) -> list[Any]:
        label = side_by_side("label", other_languages(survey_of_question(request, obj)))
        return ["position", *(label if isinstance(label, tuple) else [label]), "value"]


@admin.register(Question)
class QuestionAdmin(ScopedAdmin):
    """Questions of every kind with their options inline; saved, with the options, by `services.question_save`."""

    form = QuestionEditForm
    list_display = ["text", "section", "kind", "required", "position"]
    list_filter = ["section__survey", "kind"]
    list_select_related = ["section", "section__survey"]
    search_fields = ["text"]
    inlines = [ChoiceInline]

    def get_form(self, request: HttpRequest, obj: Question | None = None, change: bool = False, **kwargs: Any) -> Any:
        kwargs["form"] = for_survey(QuestionEditForm, survey_of_question(request, obj))
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Question | None = None) -> Any:
        languages = other_languages(survey_of_question(request, obj))
        return [
            (None, {"fields": ["section", "position", "kind", side_by_side("text", languages)]}),
            (None, {"fields": [side_by_side("help_text", languages), "required", "has_other"]}),
            (
                _("Scale (1–5): the labels of its ends"),
                {"fields": [side_by_side("likert_low_label", languages), side_by_side("likert_high_label", languages)]},
            ),
            (_("Number: its bounds"), {"fields": [("min_value", "max_value")]}),
            (
                _("Condition: show this question only after a given answer"),
                {"fields": ["show_if_question", "show_if_value"]},
            ),
        ]

    def save_model(self, request: HttpRequest, obj: Question, form: Any, change: bool) -> None:
        """Nothing yet: the question is saved with its options, in one service call, by `save_related`."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        formset = next((f for f in formsets if isinstance(f, ChoiceFormSet)), None)
        kept, removed = formset.kept_and_removed() if formset is not None else (None, [])
        existing = {choice.pk for choice in kept or [] if choice.pk}
        services.question_save(question=form.instance, choices=kept, removed=removed, by=request.user)
        if formset is not None:  # what the admin's history message reads
            formset.new_objects = [choice for choice in kept or [] if choice.pk not in existing]
            formset.changed_objects = [
                (f.instance, f.changed_data)
                for f in formset.initial_forms
                if f.has_changed() and f.instance.pk in existing
            ]
            formset.deleted_objects = removed

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        """A question of a survey with answers, or one another question waits for, is refused with the reason."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        protected = list(protected) + [problem for obj in objs if (problem := services.question_delete_problem(obj))]
        return deleted, counts, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: Question) -> None:
        services.question_delete(question=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Question]) -> None:
        for question in queryset:
            services.question_delete(question=question, by=request.user)


@admin.register(Respondent)
class RespondentAdmin(ScopedAdmin):
    list_display = ["name", "email", "organisation", "region", "kind", "language", "survey"]
    list_filter = ["survey", "kind", "language"]
    list_select_related = ["survey"]
    search_fields = ["name", "email", "organisation", "region"]


@admin.register(NeedLink)
class NeedLinkAdmin(ScopedAdmin):
    list_display = ["need", "survey"]
    list_select_related = ["survey"]
    autocomplete_fields = ["actions"]


@admin.register(SurveyExport)
class SurveyExportAdmin(ScopedAdmin):
    """Background exports, to follow or delete (their file goes with them); files open through the owner's page."""

    list_display = ["survey", "format", "state", "rows_done", "rows_total", "requested_by", "created_at", "download"]
    list_filter = ["state", "format"]
    list_select_related = ["survey", "requested_by"]
    readonly_fields = (
        "survey",
        "format",
        "state",
        "rows_done",
        "rows_total",
        "requested_by",
        "created_at",
        "finished_at",
        "error",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("file"))
    def download(self, obj: SurveyExport) -> str:
        if obj.state != SurveyExport.State.DONE:
            return "–"
        url = reverse("surveys:export_download", kwargs={"pk": obj.survey_id, "export_id": obj.pk})
        return format_html('<a href="{}">{}</a>', url, _("Download"))
