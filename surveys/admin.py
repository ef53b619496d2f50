"""Building surveys in the coordinators' admin; questions lock once answers exist."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from partnership import services as partner_services
from partnership.admin import ScopedAdmin, ScopedTabularInline
from partnership.models import Organisation
from surveys import services
from surveys.models import SURVEY_LANGUAGES, Choice, NeedLink, Question, Respondent, Section, Survey, SurveyExport


class SurveyPartsAdmin(ScopedAdmin):
    """Rows of the inlines (a survey's sections, a question's options) are saved and deleted through the audited
    services too, like the page's own object."""

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            partner_services.record_delete(instance=obj, by=request.user)
        for obj in instances:
            partner_services.record_save(instance=obj, by=request.user)
        formset.save_m2m()


class SectionInline(ScopedTabularInline):
    model = Section
    extra = 0
    fields = ["position", "title", "priority_area", "translations"]


class CloneForm(forms.Form):
    title = forms.CharField(label=_("Title of the copy"), max_length=250)
    country = forms.CharField(label=_("Country code (e.g. IT)"), max_length=2)
    owner = forms.ModelChoiceField(label=_("Owner (ministry)"), queryset=Organisation.objects.all())
    default_language = forms.ChoiceField(label=_("Language"), choices=SURVEY_LANGUAGES)


@admin.register(Survey)
class SurveyAdmin(SurveyPartsAdmin):
    list_display = ["title", "partnership", "country", "owner", "state", "opens_at", "closes_at", "manage_link"]
    list_filter = ["partnership", "state", "country", "anonymity"]
    list_select_related = ["partnership", "owner"]
    search_fields = ["title"]
    autocomplete_fields = ["owner"]
    readonly_fields = ["state", "cloned_from"]
    inlines = [SectionInline]
    actions = ["clone_survey", "enable_open_link"]

    @admin.display(description=_("manage"))
    def manage_link(self, obj: Survey) -> str:
        return format_html('<a href="{}">{}</a>', reverse("surveys:manage", args=[obj.pk]), _("Manage"))

    @admin.action(description=_("Clone for another country and language"), permissions=["add"])
    def clone_survey(self, request: HttpRequest, queryset: QuerySet[Survey]) -> HttpResponse | None:
        source = queryset.first()
        if source is None or queryset.count() != 1:
            self.message_user(request, _("Choose exactly one survey to clone."), messages.ERROR)
            return None
        form = CloneForm(request.POST if "apply" in request.POST else None, initial={"title": source.title})
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


class ChoiceFormSet(forms.BaseInlineFormSet):
    """Once a survey has answers, options may be reworded but not added, removed or recoded."""

    def clean(self) -> None:
        super().clean()
        if self.instance.pk is None:
            return  # a new question: the question form refuses it on a locked survey
        for form in self.forms:
            deleted = bool(self.can_delete and form.cleaned_data.get("DELETE"))
            if (not form.has_changed() and not deleted) or (deleted and form.instance.pk is None):
                continue
            try:
                services.choice_check_change(choice=form.instance, delete=deleted)
            except ValidationError as error:
                raise forms.ValidationError(error.messages) from error


class ChoiceInline(ScopedTabularInline):
    model = Choice
    formset = ChoiceFormSet
    extra = 0
    fields = ["position", "value", "label", "translations"]


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = [
            "section",
            "position",
            "kind",
            "text",
            "help_text",
            "required",
            "has_other",
            "min_value",
            "max_value",
            "show_if_question",
            "show_if_value",
            "translations",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            services.question_check_change(question=self.instance)
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error
        return data


@admin.register(Question)
class QuestionAdmin(SurveyPartsAdmin):
    form = QuestionForm
    list_display = ["text", "section", "kind", "required", "position"]
    list_filter = ["section__survey", "kind"]
    list_select_related = ["section", "section__survey"]
    search_fields = ["text"]
    inlines = [ChoiceInline]


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
