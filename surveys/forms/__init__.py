"""The surveys' forms: answering (a page of questions, the language, the open link, respondents for the owner)
and building (a survey's texts, sections, questions and their options, shared by the admin and the portal)."""

from surveys.forms.answering import (
    LIKERT_LABELS,
    LanguageForm,
    OpenLinkForm,
    RespondentForm,
    RespondentUploadForm,
    SectionForm,
    likert_choices,
)
from surveys.forms.building import (
    MAX_CHOICES,
    ChoiceEditForm,
    ChoiceFormSet,
    QuestionEditForm,
    SectionEditForm,
    SectionFormSet,
    SurveyAdminForm,
    SurveyTextsForm,
    add_problems,
    choice_formset_class,
    for_survey,
    other_languages,
    side_by_side,
)

__all__ = [
    "LIKERT_LABELS",
    "MAX_CHOICES",
    "ChoiceEditForm",
    "ChoiceFormSet",
    "LanguageForm",
    "OpenLinkForm",
    "QuestionEditForm",
    "RespondentForm",
    "RespondentUploadForm",
    "SectionEditForm",
    "SectionForm",
    "SectionFormSet",
    "SurveyAdminForm",
    "SurveyTextsForm",
    "add_problems",
    "choice_formset_class",
    "for_survey",
    "likert_choices",
    "other_languages",
    "side_by_side",
]
