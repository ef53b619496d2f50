"""The survey admin: options of a survey with answers can be reworded, not recoded; writes go through services."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.urls import reverse

from partnership.models import AuditLog
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


def test_the_open_link_enabled_in_the_admin_is_shown_once_and_opens_the_survey(client, built, coordinator):
    open_survey(built.survey)
    client.force_login(coordinator)
    changelist = reverse("admin:surveys_survey_changelist")

    page = client.post(changelist, {"action": "enable_open_link", "_selected_action": [built.survey.pk]}, follow=True)

    link = re.search(r"/surveys/o/[A-Za-z0-9_-]+/", page.content.decode())
    assert link is not None
    assert client.get(link.group(0)).status_code == 200
    assert AuditLog.objects.filter(verb="enable_open_link", object_id=str(built.survey.pk), actor=coordinator).exists()


def test_sections_saved_in_the_surveys_admin_are_recorded_in_the_audit_log(client, built, coordinator):
    client.force_login(coordinator)
    survey = built.survey
    sections = [built.page1, built.page2]
    data: dict[str, Any] = {
        "partnership": survey.partnership_id,
        "owner": survey.owner_id,
        "country": survey.country.code,
        "title": survey.title,
        "introduction": survey.introduction,
        "default_language": survey.default_language,
        "languages": survey.languages,
        "anonymity": survey.anonymity,
        "reminder_after_days": survey.reminder_after_days,
        "reminder_max": survey.reminder_max,
        "reminder_gap_days": survey.reminder_gap_days,
        "erase_after_months": survey.erase_after_months,
        "title__hr": survey.translations["hr"]["title"],
        "sections-TOTAL_FORMS": len(sections),
        "sections-INITIAL_FORMS": len(sections),
        "sections-MIN_NUM_FORMS": 0,
        "sections-MAX_NUM_FORMS": 1000,
    }
    for index, section in enumerate(sections):
        title = "Urban planning and lighting" if section == built.page1 else section.title
        fields = {"id": section.pk, "survey": survey.pk, "position": section.position, "title": title}
        data.update({f"sections-{index}-{name}": value for name, value in fields.items()})
        data[f"sections-{index}-title__hr"] = section.text_in("title", "hr") if section.translations else ""

    response = client.post(reverse("admin:surveys_survey_change", args=[survey.pk]), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    built.page1.refresh_from_db()
    assert built.page1.title == "Urban planning and lighting"
    assert AuditLog.objects.filter(verb="update", model__iendswith="section", object_id=str(built.page1.pk)).exists()
