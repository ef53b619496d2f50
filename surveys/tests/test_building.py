"""The survey builder's rules, through the services and the coordinators' admin: questions of every kind added
with their options, values made once from the labels, options exchanging values, conditions on earlier questions
only, Likert end labels, the lock once answered (with its reason) and deleting an empty clone."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from partnership.models import AuditLog
from surveys import services
from surveys.models import Choice, Question, Survey
from surveys.tests.factories import QuestionFactory, RespondentFactory, SectionFactory, SurveyFactory, open_survey

pytestmark = pytest.mark.django_db
Kind = Question.Kind

OPTIONS = {
    Kind.SINGLE: ["In a few places", "Widely"],
    Kind.MULTIPLE: ["Squares", "Parks", "Public transport stops"],
    Kind.MATRIX: ["Smart lighting", "Cameras"],
    Kind.RANKING: ["Funding", "Training of local staff", "Cooperation with the police"],
}


def answer_first_page(built: Any) -> None:
    """One saved answer: from now on the survey's structure is locked."""
    open_survey(built.survey)
    response = services.response_start(survey=Survey.objects.get(pk=built.survey.pk), invitation=None, language="en")
    services.response_save_section(response=response, section=built.page1, data=built.page1_data(), position=0)


def question_post(section_id: int, kind: str, text: str, **fields: Any) -> dict[str, Any]:
    """The admin's question form as a browser posts it, with the options' inline rows."""
    return {
        "section": section_id,
        "kind": kind,
        "text": text,
        "help_text": "",
        "show_if_value": "",
        "choices-TOTAL_FORMS": 0,
        "choices-INITIAL_FORMS": 0,
        "choices-MIN_NUM_FORMS": 0,
        "choices-MAX_NUM_FORMS": 1000,
        **fields,
    }


def with_options(data: dict[str, Any], rows: list[dict[str, Any]], *, initial: int = 0) -> dict[str, Any]:
    data = {**data, "choices-TOTAL_FORMS": len(rows), "choices-INITIAL_FORMS": initial}
    for index, row in enumerate(rows):
        data.update({f"choices-{index}-{name}": value for name, value in row.items()})
    return data


def existing_rows(question: Question, **changes: dict[str, Any]) -> list[dict[str, Any]]:
    """The question's stored options as inline rows, some changed (by their value)."""
    return [
        {
            "id": choice.pk,
            "question": question.pk,
            "position": choice.position,
            "label": choice.label,
            "value": choice.value,
            **changes.get(choice.value, {}),
        }
        for choice in question.choices.all()
    ]


def change_post(question: Question, rows: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    rows = existing_rows(question) if rows is None else rows
    data = question_post(
        question.section_id,
        question.kind,
        question.text,
        position=question.position,
        required="on" if question.required else "",
        has_other="on" if question.has_other else "",
        show_if_question=question.show_if_question_id or "",
        show_if_value=question.show_if_value,
        **{f"text__{code}": texts.get("text", "") for code, texts in question.translations.items()},
    )
    data.update(fields)
    initial = sum(1 for row in rows if row.get("id"))
    return {key: value for key, value in with_options(data, rows, initial=initial).items() if value != ""}


# Adding through the admin -------------------------------------------------------------------


@pytest.mark.parametrize("kind", Kind.values)
def test_a_coordinator_adds_a_question_of_each_kind_in_the_admin_with_its_options(client, built, coordinator, kind):
    client.force_login(coordinator)
    add = reverse("admin:surveys_question_add")
    page = client.get(f"{add}?section={built.page2.pk}")
    assert page.status_code == 200
    assert 'name="text__hr"' in page.content.decode(), "the Croatian text sits beside the English one"

    labels = OPTIONS.get(kind, [])
    data = question_post(
        built.page2.pk,
        kind,
        f"A {kind} question?",
        text__hr=f"Pitanje {kind}?",
        likert_low_label="Never" if kind == Kind.LIKERT else "",
        likert_low_label__hr="Nikad" if kind == Kind.LIKERT else "",
    )
    rows = [{"label": label, "label__hr": f"{label} (hr)", "value": "", "position": ""} for label in labels]
    response = client.post(f"{add}?section={built.page2.pk}", with_options(data, rows))

    assert response.status_code == 302, response.content.decode()[-3000:]
    question = Question.objects.get(text=f"A {kind} question?")
    assert (question.kind, question.section, question.translations["hr"]["text"]) == (
        kind,
        built.page2,
        f"Pitanje {kind}?",
    )
    assert question.position == 2, "a new question goes after the section's last one"
    assert [(c.label, c.translations["hr"]["label"]) for c in question.choices.all()] == [
        (label, f"{label} (hr)") for label in labels
    ]
    if kind == Kind.SINGLE:
        assert list(question.choices.values_list("value", flat=True)) == ["in-a-few-places", "widely"]
    if kind == Kind.LIKERT:
        assert (question.likert_low_label, question.translations["hr"]["likert_low_label"]) == ("Never", "Nikad")
    assert AuditLog.objects.filter(verb="create", object_id=str(question.pk), actor=coordinator).exists()


def test_the_admins_add_form_explains_what_a_question_lacks_instead_of_failing(client, built, coordinator):
    client.force_login(coordinator)
    add = reverse("admin:surveys_question_add")

    no_section = client.post(add, question_post("", Kind.SHORT_TEXT, "Which streets?"))
    few_options = client.post(add, question_post(built.page1.pk, Kind.SINGLE, "Lighting?"))
    options_on_text = client.post(
        add, with_options(question_post(built.page1.pk, Kind.SHORT_TEXT, "Why?"), [{"label": "Yes", "value": ""}])
    )

    assert no_section.status_code == few_options.status_code == options_on_text.status_code == 200
    assert "This field is required." in no_section.content.decode()
    assert "A question of the kind “Single choice” needs its options: add them below." in few_options.content.decode()
    assert "has no options: delete them, or choose a kind with options" in options_on_text.content.decode()
    assert few_options.context["adminform"].form["text"].value() == "Lighting?", "what was typed is kept"
    assert not Question.objects.filter(text__in=["Which streets?", "Lighting?", "Why?"]).exists()


def test_the_admins_add_form_lists_sections_and_conditions_under_their_surveys_title(
    client, built, coordinator, partnership
):
    """Without `?section=`, the add page offers the sections and questions of every survey the coordinator runs;
    each country's survey asks the same questions, so each is listed under its survey's title."""
    italy = SurveyFactory.create(partnership=partnership, title="Security needs in Italy")
    italian_page = SectionFactory.create(survey=italy, position=0, title=built.page1.title)
    italian_likert = QuestionFactory.create(
        section=italian_page, position=0, kind=Kind.LIKERT, text=built.likert.text, likert_low_label=""
    )
    client.force_login(coordinator)

    page = client.get(reverse("admin:surveys_question_add")).context["adminform"].form

    condition = dict(page.fields["show_if_question"].choices)
    assert (built.likert.pk, built.likert.text) in condition[built.survey.title]
    assert (italian_likert.pk, built.likert.text) in condition["Security needs in Italy"]
    offered = {pk for group in condition.values() if isinstance(group, list) for pk, _text in group}
    assert built.number.pk not in offered, "a number's answer is no condition"
    sections = dict(page.fields["section"].choices)
    assert (italian_page.pk, built.page1.title) in sections["Security needs in Italy"]
    assert (built.page1.pk, built.page1.title) in sections[built.survey.title]


# Option values ------------------------------------------------------------------------------


def test_option_values_are_made_once_from_the_labels_unique_and_kept_when_reworded(built, ministry):
    question = Question(section=built.page2, kind=Kind.MULTIPLE, text="Which streets?")
    choices = [Choice(label=label) for label in ["Čišćenje ulica", "Parks", "Parks", "Ж"]]

    services.question_save(question=question, choices=choices, by=ministry)

    assert [c.value for c in question.choices.all()] == ["ciscenje-ulica", "parks", "parks-2", "option"]
    choices = list(question.choices.all())
    first = choices[0]
    first.label, first.value = "Street cleaning", ""  # an emptied value keeps the stored one in the form
    first.value = Choice.objects.get(pk=first.pk).value
    services.question_save(question=question, choices=choices, by=ministry)
    first.refresh_from_db()
    assert (first.label, first.value) == ("Street cleaning", "ciscenje-ulica")


def test_two_options_exchange_their_values_in_the_admin_without_a_database_error(client, built, coordinator):
    client.force_login(coordinator)
    question = built.single  # none, some, wide
    rows = existing_rows(question, none={"value": "some"}, some={"value": "none"})

    response = client.post(reverse("admin:surveys_question_change", args=[question.pk]), change_post(question, rows))

    assert response.status_code == 302, response.content.decode()[-3000:]
    assert dict(question.choices.values_list("label", "value")) == {"None": "some", "Some": "none", "Wide": "wide"}


def test_values_typed_are_made_slugs_and_a_value_typed_twice_is_refused_next_to_the_option(client, built, coordinator):
    client.force_login(coordinator)
    question = built.single
    rows = existing_rows(question, none={"value": "Not at all"}, wide={"value": "some"})

    response = client.post(reverse("admin:surveys_question_change", args=[question.pk]), change_post(question, rows))

    assert response.status_code == 200
    assert "Another option has the value “some”; each needs its own." in response.content.decode()
    rows = existing_rows(question, none={"value": "Not at all"})
    client.post(reverse("admin:surveys_question_change", args=[question.pk]), change_post(question, rows))
    assert question.choices.get(label="None").value == "not-at-all"


# Conditions and Likert labels ----------------------------------------------------------------


def test_a_condition_waits_only_for_an_earlier_question_of_the_same_survey(client, built, coordinator, partnership):
    client.force_login(coordinator)
    page = client.get(reverse("admin:surveys_question_change", args=[built.multiple.pk]))
    offered = set(page.context["adminform"].form.fields["show_if_question"].queryset)
    assert offered == {built.likert, built.single, built.yes_no}, "earlier questions with a choice of answers"

    elsewhere = QuestionFactory.create(
        section=SectionFactory.create(survey=SurveyFactory.create(partnership=partnership)), kind=Kind.YES_NO
    )
    change = reverse("admin:surveys_question_change", args=[built.single.pk])
    for target, value in [(elsewhere, "yes"), (built.multiple, "parks")]:
        response = client.post(change, change_post(built.single, show_if_question=target.pk, show_if_value=value))
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
    with pytest.raises(ValidationError, match="comes before this one"):
        services.question_check_change(
            question=Question(
                pk=built.single.pk,
                section=built.page1,
                kind=Kind.SINGLE,
                text="x",
                position=1,
                show_if_question=built.multiple,
                show_if_value="parks",
            )
        )

    wrong_value = client.post(change, change_post(built.single, show_if_question=built.likert.pk, show_if_value="6"))
    expected = f"Enter one of the answers of “{built.likert.text}”: 1, 2, 3, 4, 5."
    assert expected in unescape(wrong_value.content.decode())
    built.single.refresh_from_db()
    assert built.single.show_if_question is None


def test_a_question_that_another_waits_for_cannot_move_after_it(built, ministry):
    with pytest.raises(ValidationError, match="must come before it"):
        services.question_move(question=built.yes_no, by=ministry, step=1)  # "Which guidance?" waits for it
    with pytest.raises(ValidationError, match="waits for this question's answer"):
        services.question_delete(question=built.yes_no, by=ministry)
    services.question_move(question=built.single, by=ministry, step=-1)
    assert list(built.page1.questions.order_by("position").values_list("pk", flat=True)) == [
        built.single.pk,
        built.likert.pk,
        built.yes_no.pk,
        built.which.pk,
    ]


def test_likert_end_labels_of_the_question_show_on_the_respondents_page_in_its_language(client, built, ministry):
    built.likert.likert_low_label = "Never"
    built.likert.likert_high_label = "Always"
    built.likert.translations = {"hr": {**built.likert.translations["hr"], "likert_low_label": "Nikad"}}
    built.likert.save()
    client.force_login(ministry)

    english = client.get(reverse("surveys:preview", args=[built.survey.pk]) + "?lang=en").content.decode()
    croatian = client.get(reverse("surveys:preview", args=[built.survey.pk]) + "?lang=hr").content.decode()

    assert "1 – Never" in english and "5 – Always" in english
    assert "strongly disagree" not in english
    assert "1 – Nikad" in croatian and "5 – Always" in croatian
    assert "„Da”" in croatian, "a condition names the answer as the respondent reads it, not its stored value"


# The lock once answered ---------------------------------------------------------------------


def test_once_answered_kind_options_and_conditions_are_refused_with_the_reason(client, built, coordinator):
    answer_first_page(built)
    client.force_login(coordinator)
    change = reverse("admin:surveys_question_change", args=[built.single.pk])

    refused = {
        "kind": change_post(built.single, kind=Kind.MULTIPLE),
        "condition": change_post(built.single, show_if_question=built.likert.pk, show_if_value="5"),
        "added option": change_post(built.single, [*existing_rows(built.single), {"label": "Everywhere"}]),
        "removed option": change_post(built.single, existing_rows(built.single, wide={"DELETE": "on"})),
        "recoded option": change_post(built.single, existing_rows(built.single, some={"value": "few"})),
    }
    for what, data in refused.items():
        response = client.post(change, data)
        assert response.status_code == 200, what
        assert "This survey has answers" in response.content.decode(), what
    built.single.refresh_from_db()
    assert built.single.kind == Kind.SINGLE and built.single.show_if_question is None
    assert list(built.single.choices.values_list("value", flat=True)) == ["none", "some", "wide"]

    added = client.post(reverse("admin:surveys_question_add"), question_post(built.page1.pk, Kind.YES_NO, "More?"))
    assert "This survey has answers: questions can no longer be added." in added.content.decode()

    reworded = change_post(
        built.single,
        existing_rows(built.single, some={"label": "Here and there", "label__hr": "Tu i tamo"}),
        text="Is video surveillance used?",
        text__hr="Koristi li se videonadzor?",
    )
    assert client.post(change, reworded).status_code == 302
    built.single.refresh_from_db()
    assert (built.single.text, built.single.translations["hr"]["text"]) == (
        "Is video surveillance used?",
        "Koristi li se videonadzor?",
    )
    some = built.single.choices.get(value="some")
    assert (some.label, some.translations["hr"]["label"]) == ("Here and there", "Tu i tamo")


def test_once_answered_a_question_cannot_be_deleted_and_the_admin_says_why(client, built, coordinator):
    answer_first_page(built)
    client.force_login(coordinator)
    delete = reverse("admin:surveys_question_delete", args=[built.number.pk])

    page = client.get(delete)
    client.post(delete, {"post": "yes"})

    assert "questions can no longer be removed" in page.content.decode()
    assert Question.objects.filter(pk=built.number.pk).exists()


# Deleting a survey --------------------------------------------------------------------------


def test_a_coordinator_deletes_an_empty_clone_in_the_admin_but_not_a_survey_with_answers(client, built, coordinator):
    clone = services.survey_clone(
        survey=built.survey,
        by=coordinator,
        title="Indagine sui bisogni di sicurezza",
        country="IT",
        owner=built.survey.owner,
        default_language="it",
    )
    RespondentFactory.create(survey=clone)
    client.force_login(coordinator)

    confirm = client.get(reverse("admin:surveys_survey_delete", args=[clone.pk]))
    assert confirm.status_code == 200
    assert not confirm.context["perms_lacking"] and not confirm.context["protected"]
    deleted = client.post(reverse("admin:surveys_survey_delete", args=[clone.pk]), {"post": "yes"})
    assert deleted.status_code == 302
    assert not Survey.objects.filter(pk=clone.pk).exists()
    assert not Question.objects.filter(section__survey_id=clone.pk).exists()

    answer_first_page(built)
    refused = client.get(reverse("admin:surveys_survey_delete", args=[built.survey.pk]))
    client.post(reverse("admin:surveys_survey_delete", args=[built.survey.pk]), {"post": "yes"})
    assert "has answers, so it cannot be deleted: close it instead" in refused.content.decode()
    assert Survey.objects.filter(pk=built.survey.pk).exists()
    with pytest.raises(ValidationError, match="cannot be deleted"):
        services.survey_delete(survey=built.survey, by=coordinator)


def test_a_language_respondents_were_invited_in_stays(built, ministry):
    RespondentFactory.create(survey=built.survey, language="hr")
    survey = Survey.objects.get(pk=built.survey.pk)
    survey.languages = ["it"]

    with pytest.raises(ValidationError, match="invited or answered in hr"):
        services.survey_save(survey=survey, by=ministry)
    survey.languages = ["hr", "it", "en"]
    services.survey_save(survey=survey, by=ministry)
    assert Survey.objects.get(pk=survey.pk).languages == ["hr", "it"], "the default language is not repeated"
