"""Forms of the respondents' and owners' pages: one page of questions, the language, respondent upload."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.models import SURVEY_LANGUAGES, Question, Section

LIKERT_LABELS = {
    1: _("1 – strongly disagree"),
    2: _("2"),
    3: _("3"),
    4: _("4"),
    5: _("5 – strongly agree"),
}


def likert_choices(question: Question, language: str) -> list[tuple[str, Any]]:
    """The five points of a scale, its ends labelled as the question says, else "strongly (dis)agree"."""
    low = question.text_in("likert_low_label", language)
    high = question.text_in("likert_high_label", language)
    choices: list[tuple[str, Any]] = [(str(n), label) for n, label in LIKERT_LABELS.items()]
    if low:
        choices[0] = ("1", f"1 – {low}")
    if high:
        choices[4] = ("5", f"5 – {high}")
    return choices


class SectionForm(forms.Form):
    """The questions of one section as form fields; validation itself is `surveys.answers.clean_answer`."""

    def __init__(
        self, *args: Any, section: Section, language: str, initial_answers: dict[int, tuple[Any, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.section = section
        self.language = language
        self.questions = list(section.questions.all())
        self.groups: list[tuple[Question, list[str]]] = []
        for question in self.questions:
            value, other = initial_answers.get(question.pk, (None, ""))
            self.groups.append((question, self._add_fields(question, value, other)))

    def _add_fields(self, question: Question, value: Any, other: str) -> list[str]:
        name = f"q{question.pk}"
        label = question.text_in("text", self.language) + (" *" if question.required else "")
        help_text = question.text_in("help_text", self.language)
        choices = [(c.value, c.text_in("label", self.language)) for c in question.choices.all()]
        kind = question.kind
        common: dict[str, Any] = {"label": label, "help_text": help_text, "required": False}
        names = [name]
        if kind == Question.Kind.SHORT_TEXT:
            self.fields[name] = forms.CharField(initial=value, **common)
        elif kind == Question.Kind.LONG_TEXT:
            self.fields[name] = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), initial=value, **common)
        elif kind == Question.Kind.NUMBER:
            attrs = {"inputmode": "decimal"}
            self.fields[name] = forms.CharField(widget=forms.TextInput(attrs=attrs), initial=value, **common)
        elif kind == Question.Kind.YES_NO:
            initial = None if value is None else ("yes" if value else "no")
            self.fields[name] = forms.ChoiceField(
                widget=forms.RadioSelect, choices=[("yes", _("Yes")), ("no", _("No"))], initial=initial, **common
            )
        elif kind == Question.Kind.LIKERT:
            self.fields[name] = forms.ChoiceField(
                widget=forms.RadioSelect,
                choices=likert_choices(question, self.language),
                initial=value,
                **common,
            )
        elif kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            options = choices + ([("other", _("Other"))] if question.has_other else [])
            if kind == Question.Kind.SINGLE:
                self.fields[name] = forms.ChoiceField(
                    widget=forms.RadioSelect, choices=options, initial=value, **common
                )
            else:
                self.fields[name] = forms.MultipleChoiceField(
                    widget=forms.CheckboxSelectMultiple, choices=options, initial=value, **common
                )
            if question.has_other:
                self.fields[f"{name}_other"] = forms.CharField(
                    label=_("If other, please say what"), required=False, initial=other, max_length=500
                )
                names.append(f"{name}_other")
        elif kind == Question.Kind.MATRIX:
            names = []
            for row_value, row_label in choices:
                field_name = f"{name}_{row_value}"
                self.fields[field_name] = forms.ChoiceField(
                    label=row_label,
                    widget=forms.RadioSelect(attrs={"class": "matrix-option"}),
                    choices=[(str(n), str(n)) for n in range(1, 6)],
                    initial=str((value or {}).get(row_value, "")) or None,
                    required=False,
                )
                names.append(field_name)
        elif kind == Question.Kind.RANKING:
            names = []
            ranks = {choice: index + 1 for index, choice in enumerate(value or [])}
            for row_value, row_label in choices:
                field_name = f"{name}_{row_value}"
                self.fields[field_name] = forms.ChoiceField(
                    label=row_label,
                    choices=[("", "–")] + [(str(n), str(n)) for n in range(1, len(choices) + 1)],
                    initial=str(ranks.get(row_value, "")),
                    required=False,
                )
                names.append(field_name)
        return names

    @property
    def section_title(self) -> str:
        return self.section.text_in("title", self.language)

    @property
    def view_groups(self) -> list[dict[str, Any]]:
        """Each question with its label, help and bound fields, for the templates."""
        return [
            {
                "question": question,
                "label": question.text_in("text", self.language) + (" *" if question.required else ""),
                "help": question.text_in("help_text", self.language),
                "fields": [self[name] for name in names],
            }
            for question, names in self.groups
        ]

    def answers(self) -> dict[int, tuple[Any, str]]:
        """The raw answers per question, in the shapes `clean_answer` expects."""
        data: dict[int, tuple[Any, str]] = {}
        for question in self.questions:
            name = f"q{question.pk}"
            other = self.data.get(f"{name}_other", "") or ""
            if question.kind == Question.Kind.MULTIPLE:
                raw: Any = self.data.getlist(name) if hasattr(self.data, "getlist") else self.data.get(name, [])
            elif question.kind == Question.Kind.MATRIX:
                raw = {
                    c.value: self.data.get(f"{name}_{c.value}")
                    for c in question.choices.all()
                    if self.data.get(f"{name}_{c.value}")
                }
            elif question.kind == Question.Kind.RANKING:
                ranked = []
                for choice in question.choices.all():
                    rank = str(self.data.get(f"{name}_{choice.value}") or "")
                    if rank:
                        # A rank that is not a small number is refused by the validator like a duplicate.
                        ranked.append((int(rank) if rank.isdigit() and len(rank) < 4 else -1, choice.value))
                ranked.sort()
                ranks = [rank for rank, _value in ranked]
                valid = len(set(ranks)) == len(ranks) and -1 not in ranks
                raw = [value for _rank, value in ranked] if valid else ["__invalid__"]
            else:
                raw = self.data.get(name)
            data[question.pk] = (raw, other)
        return data

    def add_question_errors(self, errors: dict[str, list[str]]) -> None:
        for key, messages in errors.items():
            field = key if key in self.fields else next((n for n in self.fields if n.startswith(f"{key}_")), None)
            for message in messages:
                self.add_error(field, message)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, languages: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = dict(SURVEY_LANGUAGES)
        field = self.fields["language"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(code, names.get(code, code)) for code in languages]


class OpenLinkForm(forms.Form):
    # A field people never see; bots fill it in.
    website = forms.CharField(required=False, widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))


class RespondentUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Respondent list (CSV or XLSX)"),
        help_text=_("Columns: name, email, organisation, region, kind, language."),
    )


class RespondentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"))
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    region = forms.CharField(label=_("Municipality or region"), max_length=200, required=False)
    language = forms.ChoiceField(label=_("Language"))

    def __init__(self, *args: Any, languages: list[str], **kwargs: Any) -> None:
        """`languages`: the survey's; a respondent is written to and shown pages in one of them."""
        super().__init__(*args, **kwargs)
        names = dict(SURVEY_LANGUAGES)
        field = self.fields["language"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(code, names.get(code, code)) for code in languages]
