"""The question admin: options of a survey with answers can be reworded, not recoded."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from surveys import services
from surveys.models import Choice, Question, Survey
from surveys.tests.factories import open_survey

pytestmark = pytest.mark.django_db


def change_form(question: Question, **choice_changes: dict[str, str]) -> dict[str, Any]:
    """The question's admin form as the browser posts it, with some options changed."""
    choices = list(question.choices.all())
    data: dict[str, Any] = {
        "section": question.section_id,
        "position": question.position,
        "kind": question.kind,
        "text": question.text,
        "help_text": question.help_text,
        "required": "on" if question.required else "",
        "has_other": "on" if question.has_other else "",
        "min_value": "",
        "max_value": "",
        "show_if_question": "",
        "show_if_value": "",
        "translations": json.dumps(question.translations),
        "choices-TOTAL_FORMS": len(choices),
        "choices-INITIAL_FORMS": len(choices),
        "choices-MIN_NUM_FORMS": 0,
        "choices-MAX_NUM_FORMS": 1000,
    }
    for index, choice in enumerate(choices):
        fields = {
            "id": choice.pk,
            "question": question.pk,
            "position": choice.position,
            "value": choice.value,
            "label": choice.label,
            "translations": json.dumps(choice.translations),
            **choice_changes.get(choice.value, {}),
        }
        data.update({f"choices-{index}-{name}": value for name, value in fields.items()})
    return {key: value for key, value in data.items() if value != ""}


def test_a_locked_questions_options_can_be_reworded_but_not_recoded(client, built, coordinator):
    open_survey(built.survey)
    response = services.response_start(survey=Survey.objects.get(pk=built.survey.pk), invitation=None, language="en")
    services.response_save_section(response=response, section=built.page1, data=built.page1_data(), position=0)
    client.force_login(coordinator)
    address = reverse("admin:surveys_question_change", args=[built.single.pk])

    recoded = client.post(address, change_form(built.single, some={"value": "few", "label": "A few"}))
    assert recoded.status_code == 200
    assert "options can be reworded but not added, removed or recoded" in recoded.content.decode()
    assert set(Choice.objects.filter(question=built.single).values_list("value", "label")) == {
        ("none", "None"),
        ("some", "Some"),
        ("wide", "Wide"),
    }

    removed = client.post(address, change_form(built.single, wide={"DELETE": "on"}))
    assert "options can be reworded" in removed.content.decode()
    assert Choice.objects.filter(question=built.single).count() == 3

    reworded = client.post(address, change_form(built.single, some={"label": "In a few places"}))
    assert reworded.status_code == 302
    assert Choice.objects.get(question=built.single, value="some").label == "In a few places"
