"""The survey builder's forms, shared by the coordinators' admin and the owners' builder pages: a survey's texts
and languages, a section, a question with its options (an inline formset).

Each text has a field per other language of the survey beside it (`text__hr`), read from and written to the
record's `translations`; `for_survey` builds a form class for one survey's languages and narrows its choices to
that survey. The rules (the lock once answered, conditions, option values) are the services': the forms ask them
and show each refusal next to the field it concerns.
"""

from __future__ import annotations

import math
from typing import Any, TypeVar

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst, format_lazy, slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from partnership.models import PriorityArea
from surveys import selectors, services
from surveys.models import SURVEY_LANGUAGES, Choice, Question, Section, Survey

LANGUAGE_NAMES = dict(SURVEY_LANGUAGES)
F = TypeVar("F", bound=type[forms.ModelForm])


def other_languages(survey: Survey | None) -> list[str]:
    """The languages a survey's texts are translated into: all of its languages but the default one."""
    if survey is None:
        return []
    return [code for code in survey.all_languages if code != survey.default_language]


def translation_field(name: str, language: str) -> str:
    return f"{name}__{language}"


def side_by_side(name: str, languages: list[str]) -> str | tuple[str, ...]:
    """A field and its translations on one line of the admin's fieldsets."""
    return (name, *[translation_field(name, code) for code in languages]) if languages else name


def add_problems(form: forms.BaseForm, problems: dict[str, list[str]]) -> None:
    """Each problem next to its field, or above the form when the form has no such field."""
    for name, messages in problems.items():
        form.add_error(name if name in form.fields else None, list(messages))


class TranslatedFieldsMixin:
    """A ModelForm mixin: for each language in `text_languages`, a field per name in `translated`, kept in the
    instance's `translations` ({language: {field: text}}); an emptied field drops that translation (the record
    then shows its default text). Only the fields the form posted are written, so a partial form keeps the rest."""

    translated: tuple[str, ...] = ()
    text_languages: tuple[str, ...] = ()
    survey: Survey | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form: Any = self
        stored = form.instance.translations or {}
        for language in self.text_languages:
            for name in self.translated:
                key = translation_field(name, language)
                if key in form.fields and key not in form.initial:
                    form.initial[key] = stored.get(language, {}).get(name, "")

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        form: Any = self
        translations = {code: dict(texts) for code, texts in (form.instance.translations or {}).items()}
        for language in self.text_languages:
            texts = translations.setdefault(language, {})
            for name in self.translated:
                key = translation_field(name, language)
                if key not in form.cleaned_data or form.add_prefix(key) not in form.data:
                    continue
                text = form.cleaned_data[key].strip()
                if text:
                    texts[name] = text
                else:
                    texts.pop(name, None)
            if not texts:
                translations.pop(language)
        form.instance.translations = translations


def for_survey(form_class: F, survey: Survey | None, translated: tuple[str, ...] | None = None) -> F:
    """The form class for one survey: a field beside each of `translated` (default: all the form translates) per
    other language of the survey, and its choices narrowed to that survey."""
    languages = other_languages(survey)
    names = getattr(form_class, "translated", ()) if translated is None else translated
    model: Any = getattr(form_class, "_meta").model  # noqa: B009 (the generic class hides its options from mypy)
    attrs: dict[str, Any] = {"text_languages": tuple(languages), "translated": tuple(names), "survey": survey}
    for name in names:
        model_field = model._meta.get_field(name)
        long_text = isinstance(model_field, models.TextField)
        for code in languages:
            attrs[translation_field(name, code)] = forms.CharField(
                label=format_lazy("{} ({})", capfirst(model_field.verbose_name), LANGUAGE_NAMES.get(code, code)),
                required=False,
                max_length=model_field.max_length,
                widget=forms.Textarea(attrs={"rows": 3, "lang": code})
                if long_text
                else forms.TextInput(attrs={"lang": code}),
            )
    return type(form_class.__name__, (form_class,), attrs)  # type: ignore[return-value]


def _translation_rows(form: Any, *names: str) -> list[Any]:
    rows: list[Any] = []
    for name in names:
        if name not in form.fields:
            continue
        columns = [Column(name, css_class="col-md")]
        columns += [
            Column(translation_field(name, code), css_class="col-md")
            for code in form.text_languages
            if translation_field(name, code) in form.fields
        ]
        rows.append(Row(*columns))
    return rows


class SurveyTextsForm(TranslatedFieldsMixin, forms.ModelForm):
    """A survey's title, introduction and owner's name in each of its languages, the contact for respondents, and
    which languages it has."""

    translated = ("title", "introduction", "owner_name")
    languages = forms.MultipleChoiceField(
        label=_("Other languages"),
        choices=SURVEY_LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Respondents choose among these and the default language; each text gets a field per language."),
    )

    class Meta:
        model = Survey
        fields = ["title", "introduction", "owner_name", "contact_email"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("languages", list(self.instance.languages or []))
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            *_translation_rows(self, "title", "introduction", "owner_name"), "contact_email", "languages"
        )

    def clean_languages(self) -> list[str]:
        default = self.cleaned_data.get("default_language") or self.instance.default_language
        return [code for code in self.cleaned_data.get("languages", []) if code != default]

    def _post_clean(self) -> None:
        super()._post_clean()
        if "languages" in self.cleaned_data:
            self.instance.languages = list(self.cleaned_data["languages"])
        if not self.errors:
            add_problems(self, services.survey_problems(self.instance))


class SurveyAdminForm(SurveyTextsForm):
    """The coordinators' form of a whole survey in the admin."""

    class Meta:
        model = Survey
        fields = [
            "partnership",
            "owner",
            "country",
            "title",
            "introduction",
            "owner_name",
            "contact_email",
            "default_language",
            "opens_at",
            "closes_at",
            "anonymity",
            "open_link_enabled",
            "reminder_after_days",
            "reminder_max",
            "reminder_gap_days",
            "erase_after_months",
        ]


def _queryset(field: forms.ModelChoiceField, model: type[models.Model]) -> models.QuerySet[Any]:
    """The field's queryset, unevaluated (`queryset or …` would read every row to test it)."""
    return model._default_manager.all() if field.queryset is None else field.queryset


class SectionEditForm(TranslatedFieldsMixin, forms.ModelForm):
    """A page of the survey: its title and description in each language, and the priority area it is about."""

    translated = ("title", "description")
    position = forms.IntegerField(
        label=_("Order"), required=False, min_value=0, help_text=_("Left empty: after the last section.")
    )

    class Meta:
        model = Section
        fields = ["position", "title", "description", "priority_area"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.survey is not None and "priority_area" in self.fields:
            field = self.fields["priority_area"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = _queryset(field, PriorityArea).filter(partnership_id=self.survey.partnership_id)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(*_translation_rows(self, "title", "description"), "priority_area")

    def clean_position(self) -> int | None:
        position: int | None = self.cleaned_data.get("position")
        return self.instance.position if position is None and self.instance.pk else position


class SectionFormSet(forms.BaseInlineFormSet):
    """A survey's sections in the admin, saved together (`services.sections_save`): a section with questions
    stays once the survey has answers, and no condition may end up waiting for a later question."""

    def kept_and_removed(self) -> tuple[list[Section], list[Section]]:
        kept: list[Section] = []
        removed: list[Section] = []
        for form in self.forms:
            if not hasattr(form, "cleaned_data"):
                continue
            if self.can_delete and self._should_delete_form(form):  # type: ignore[attr-defined]
                if form.instance.pk is not None:
                    removed.append(form.instance)
            elif form.instance.pk is not None or form.has_changed():
                kept.append(form.instance)
        return kept, removed

    def clean(self) -> None:
        super().clean()
        if any(self.errors) or self.instance.pk is None:
            return
        kept, removed = self.kept_and_removed()
        problems = services.sections_problems(survey=self.instance, kept=kept, removed=removed)
        if problems:
            raise ValidationError(problems)


def _group_by_survey(field: forms.ModelChoiceField, survey_path: str) -> None:
    """Show `field`'s choices under the titles of their surveys (`survey_path` leads from a choice to its survey);
    the field still accepts only what its queryset holds."""
    groups: dict[str, list[tuple[int, str]]] = {}
    assert field.queryset is not None
    for obj in field.queryset.select_related(survey_path):
        survey = obj
        for step in survey_path.split("__"):
            survey = getattr(survey, step)
        groups.setdefault(str(survey), []).append((obj.pk, str(obj)))
    field.choices = [("", field.empty_label or "---------"), *groups.items()]


class QuestionEditForm(TranslatedFieldsMixin, forms.ModelForm):
    """A question of any kind, with its wording in each language, its settings and its condition. The question's
    options are a `ChoiceFormSet` beside it."""

    translated = ("text", "help_text", "likert_low_label", "likert_high_label")
    position = forms.IntegerField(
        label=_("Order"),
        required=False,
        min_value=0,
        help_text=_("Left empty: after the last question of its section."),
    )

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
            "likert_low_label",
            "likert_high_label",
            "show_if_question",
            "show_if_value",
        ]
        help_texts = {
            "has_other": _("Single and multiple choice: respondents may write their own answer."),
            "min_value": _("Number questions only."),
            "show_if_question": _("Only earlier questions with a choice, yes/no or scale answer can be chosen."),
            "show_if_value": _("yes or no; 1 to 5 for a scale; an option's value for a choice."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        condition = self.fields["show_if_question"]
        assert isinstance(condition, forms.ModelChoiceField)
        condition.empty_label = _("(always shown)")
        if self.survey is not None:
            section = self.fields["section"]
            assert isinstance(section, forms.ModelChoiceField)
            section.queryset = _queryset(section, Section).filter(survey=self.survey)
            condition.queryset = _queryset(condition, Question).filter(pk__in=self._earlier())
        else:
            # A new question whose survey is not known yet (the admin's add page without `?section=`): the
            # sections and the questions to wait for are those of every survey the user runs, whose texts are
            # often the same in each country's survey, so each survey's are listed under its title.
            section = self.fields["section"]
            assert isinstance(section, forms.ModelChoiceField)
            condition.queryset = _queryset(condition, Question).filter(kind__in=services.CONDITION_KINDS)
            _group_by_survey(section, "survey")
            _group_by_survey(condition, "section__survey")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(Column("section", css_class="col-md"), Column("kind", css_class="col-md")),
            *_translation_rows(self, "text", "help_text"),
            Row(Column("required", css_class="col-md"), Column("has_other", css_class="col-md")),
            Fieldset(
                _("Scale (1–5): the labels of its ends"),
                *_translation_rows(self, "likert_low_label", "likert_high_label"),
            ),
            Fieldset(_("Number: its bounds"), Row(Column("min_value"), Column("max_value"))),
            Fieldset(
                _("Condition: show this question only after a given answer"),
                Row(Column("show_if_question", css_class="col-md"), Column("show_if_value", css_class="col-md")),
            ),
            "position",
        )

    def _earlier(self) -> list[int]:
        """The questions of the survey before this one (before the end of its section, for a new one) that a
        condition may wait for."""
        assert self.survey is not None
        questions = list(selectors.survey_questions(self.survey))
        if self.instance.pk is not None:
            stored = next((q for q in questions if q.pk == self.instance.pk), None)
            mine = selectors.order_key(stored.section, stored.position, stored.pk) if stored else None
        else:
            section = next((q.section for q in questions if str(q.section_id) == str(self["section"].value())), None)
            mine = selectors.order_key(section, None, None) if section is not None else None
        return [
            q.pk
            for q in questions
            if q.kind in services.CONDITION_KINDS
            and q.pk != self.instance.pk
            and (mine is None or selectors.order_key(q.section, q.position, q.pk) < mine)
        ]

    def clean_position(self) -> int | None:
        position: int | None = self.cleaned_data.get("position")
        return self.instance.position if position is None and self.instance.pk else position

    def _post_clean(self) -> None:
        super()._post_clean()
        if self.instance.pk is None and self.cleaned_data.get("position") is None:
            self.instance.position = None  # placed after the section's last question when saved
        section = self.cleaned_data.get("section")
        if section is not None and "section" not in self.errors:
            add_problems(self, services.question_problems(question=self.instance, section=section))


class ChoiceEditForm(TranslatedFieldsMixin, forms.ModelForm):
    """An option (a row, for a matrix): its label in each language and its value, made from the label when left
    empty and kept when the label changes."""

    translated = ("label",)
    position = forms.IntegerField(label=_("Order"), required=False, min_value=0)
    value = forms.CharField(
        label=_("Value"),
        required=False,
        max_length=services.VALUE_LENGTH,
        help_text=_("Stored with each answer. Left empty, it is made from the label, once."),
    )

    class Meta:
        model = Choice
        fields = ["position", "label", "value"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        translations = [translation_field("label", code) for code in self.text_languages]
        self.order_fields(["position", "label", *translations, "value"])
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")
        # Narrow in both places: Bootstrap's w-auto on the portal, the admin's own integer width in the admin.
        self.fields["position"].widget.attrs.update(
            {"class": "form-control form-control-sm w-auto vIntegerField", "size": 3}
        )
        self._name_row()

    def _name_row(self) -> None:
        """Name each input with its row ("Label, option 2"): in a table of options, a column heading alone names
        nothing for a screen reader, and the admin's inline rows have no labels of their own."""
        row = (self.prefix or "").rsplit("-", 1)[-1]
        if row.isdigit():
            for field in self.fields.values():
                field.widget.attrs["aria-label"] = _("%(field)s, option %(row)s") % {
                    "field": field.label,
                    "row": int(row) + 1,
                }

    def clean_value(self) -> str:
        typed = (self.cleaned_data.get("value") or "").strip()
        if not typed:
            return self.instance.value if self.instance.pk else ""
        value = slugify(typed)[: services.VALUE_LENGTH].strip("-")
        if not value:
            raise ValidationError(_("Use letters or digits (the value becomes a code such as “in-a-few-places”)."))
        return value

    def clean_position(self) -> int | None:
        position: int | None = self.cleaned_data.get("position")
        return self.instance.position if position is None and self.instance.pk else position

    def validate_unique(self) -> None:
        """Values are checked across all the options by the formset, and saved in two steps by the service, so two
        options may exchange their values."""


# The most options a question may have (Italy's 107 provinces fit); a post claiming more builds no more forms.
MAX_CHOICES = 200


class ChoiceFormSet(forms.BaseInlineFormSet):
    """A question's options: the kept ones in their order, the deleted ones, checked together by the service's
    rules (how many the kind needs, distinct values, the lock once the survey has answers)."""

    default_error_messages = {
        **forms.BaseInlineFormSet.default_error_messages,
        "too_many_forms": ngettext_lazy(
            "A question has at most %(num)d option.", "A question has at most %(num)d options.", "num"
        ),
    }

    def kept_and_removed(self) -> tuple[list[Choice], list[Choice]]:
        """The options to keep, in order (by their order field, then as listed), and the stored ones to delete."""
        entries: list[tuple[float, int, Choice]] = []
        removed: list[Choice] = []
        for index, form in enumerate(self.forms):
            if not hasattr(form, "cleaned_data"):
                continue
            if self.can_delete and self._should_delete_form(form):  # type: ignore[attr-defined]
                if form.instance.pk is not None:
                    removed.append(form.instance)
                continue
            if form.instance.pk is None and not form.has_changed():
                continue
            position = form.cleaned_data.get("position")
            entries.append((math.inf if position is None else position, index, form.instance))
        return [choice for _position, _index, choice in sorted(entries, key=lambda e: e[:2])], removed

    def add_fields(self, form: Any, index: int | None) -> None:
        super().add_fields(form, index)
        if index is not None and "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["aria-label"] = _("Delete option %(row)s") % {"row": index + 1}

    def validate_unique(self) -> None:
        """Duplicate values are found by `services.choices_problems`, which names the value next to its option."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        question = self.instance
        if not question.section_id or question.kind not in Question.Kind.values:
            return  # the question's own form reports what is missing
        survey = Survey.objects.filter(sections=question.section_id).first()
        if survey is None:
            return
        kept, removed = self.kept_and_removed()
        forms_of = {id(form.instance): form for form in self.forms}
        general = []
        for choice, message in services.choices_problems(question=question, survey=survey, kept=kept, removed=removed):
            form = forms_of.get(id(choice)) if choice is not None else None
            if form is not None and choice in kept:
                form.add_error("value", message)
            else:
                general.append(message)
        if general:
            raise ValidationError(list(dict.fromkeys(general)))


def choice_formset_class(survey: Survey | None, *, extra: int) -> type[ChoiceFormSet]:
    """The options' formset of a question of `survey`, for the portal's builder page."""
    return forms.inlineformset_factory(  # type: ignore[return-value]
        Question,
        Choice,
        form=for_survey(ChoiceEditForm, survey),
        formset=ChoiceFormSet,
        fields=["position", "label", "value"],
        extra=extra,
        can_delete=True,
        max_num=MAX_CHOICES,
        validate_max=True,
        absolute_max=MAX_CHOICES,
    )
