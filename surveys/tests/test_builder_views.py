"""The portal's survey builder: the survey's owner (a ministry, not staff) and the coordinators build and translate
it with the admin's forms and rules; other members get 403, anyone else 404; another survey's or partnership's
sections, questions and priority areas cannot be reached by an address, a choice or a forged id."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from partnership.models import AuditLog, PriorityArea
from partnership.tests.factories import PartnershipFactory
from surveys import services
from surveys.forms import MAX_CHOICES
from surveys.models import Question, Section, Survey
from surveys.tests.factories import QuestionFactory, SectionFactory, SurveyFactory, open_survey
from surveys.tests.test_building import question_post

pytestmark = pytest.mark.django_db
Kind = Question.Kind


def pages(built: Any) -> list[str]:
    survey = built.survey.pk
    return [
        reverse("surveys:build", args=[survey]),
        reverse("surveys:build_texts", args=[survey]),
        reverse("surveys:section_add", args=[survey]),
        reverse("surveys:section_edit", args=[survey, built.page1.pk]),
        reverse("surveys:section_delete", args=[survey, built.page2.pk]),
        reverse("surveys:question_add", args=[survey]) + f"?section={built.page1.pk}",
        reverse("surveys:question_edit", args=[survey, built.single.pk]),
        reverse("surveys:question_delete", args=[survey, built.number.pk]),
    ]


def question_data(section: Section, text: str, kind: str = Kind.SHORT_TEXT, **fields: Any) -> dict[str, Any]:
    options = fields.pop("options", [])
    data = {
        "section": section.pk,
        "kind": kind,
        "text": text,
        "choices-TOTAL_FORMS": len(options),
        "choices-INITIAL_FORMS": 0,
        "choices-MIN_NUM_FORMS": 0,
        "choices-MAX_NUM_FORMS": 1000,
        **fields,
    }
    for index, (label, translated) in enumerate(options):
        data.update({f"choices-{index}-label": label, f"choices-{index}-label__hr": translated})
    return data


def test_the_owner_and_the_coordinators_open_every_builder_page(client, built, ministry, coordinator):
    for user in (ministry, coordinator):
        client.force_login(user)
        for address in pages(built):
            assert client.get(address).status_code == 200, (user, address)


def test_other_members_get_403_outsiders_404_and_visitors_the_login_page(client, built, partner, outsider):
    client.force_login(partner)
    for address in pages(built):
        assert client.get(address).status_code == 403, address
        assert client.post(address, {"question_down": built.single.pk}).status_code == 403, address
    client.force_login(outsider)
    for address in pages(built):
        assert client.get(address).status_code == 404, address
    client.logout()
    for address in pages(built):
        assert client.get(address).status_code == 302, address
    assert Question.objects.filter(pk=built.number.pk).exists()
    assert Section.objects.filter(pk=built.page2.pk).exists()


def test_another_surveys_sections_and_questions_are_not_reached_by_address(client, built, ministry):
    other = SurveyFactory.create(partnership=built.survey.partnership, owner=built.survey.owner)
    theirs = QuestionFactory.create(section=SectionFactory.create(survey=other), kind=Kind.YES_NO)
    client.force_login(ministry)
    survey = built.survey.pk

    for address in [
        reverse("surveys:question_edit", args=[survey, theirs.pk]),
        reverse("surveys:question_delete", args=[survey, theirs.pk]),
        reverse("surveys:section_edit", args=[survey, theirs.section_id]),
        reverse("surveys:section_delete", args=[survey, theirs.section_id]),
        reverse("surveys:question_add", args=[survey]) + f"?section={theirs.section_id}",
    ]:
        assert client.get(address).status_code == 404, address
        assert client.post(address, {}).status_code == 404, address
    moved = client.post(reverse("surveys:build", args=[survey]), {"question_up": theirs.pk})
    assert moved.status_code == 404
    assert Question.objects.filter(pk=theirs.pk).exists()


def test_forged_ids_of_another_partnership_are_field_errors(client, built, ministry):
    private = PartnershipFactory.create(is_public=False)
    their_area = PriorityArea.objects.create(partnership=private, name="Their private area")
    their_survey = SurveyFactory.create(partnership=private)
    their_section = SectionFactory.create(survey=their_survey)
    their_question = QuestionFactory.create(section=their_section, kind=Kind.YES_NO)
    client.force_login(ministry)
    survey = built.survey.pk

    area = client.post(
        reverse("surveys:section_edit", args=[survey, built.page1.pk]),
        {"title": "Urban planning", "priority_area": their_area.pk},
    )
    into_their_section = client.post(
        reverse("surveys:question_add", args=[survey]), question_data(their_section, "Moved away?")
    )
    on_their_question = client.post(
        reverse("surveys:question_add", args=[survey]),
        question_data(built.page2, "Conditional?", show_if_question=their_question.pk, show_if_value="yes"),
    )

    for response, field in [
        (area, "priority_area"),
        (into_their_section, "section"),
        (on_their_question, "show_if_question"),
    ]:
        assert response.status_code == 200
        assert "Select a valid choice" in str(response.context["form"].errors[field])
    built.page1.refresh_from_db()
    assert built.page1.priority_area is None
    assert not Question.objects.filter(text__in=["Moved away?", "Conditional?"]).exists()


def test_a_ministry_builds_and_translates_a_question_with_options_on_the_portal(client, built, ministry):
    client.force_login(ministry)
    survey = built.survey
    add = reverse("surveys:question_add", args=[survey.pk]) + f"?section={built.page2.pk}"
    form = client.get(add)
    assert 'name="text__hr"' in form.content.decode() and 'name="choices-0-label__hr"' in form.content.decode()

    saved = client.post(
        add,
        question_data(
            built.page2,
            "Which hours are least safe?",
            Kind.MULTIPLE,
            text__hr="Koji su sati najmanje sigurni?",
            show_if_question=built.yes_no.pk,
            show_if_value="yes",
            options=[("Evening", "Večer"), ("Night", "Noć")],
        ),
    )

    question = Question.objects.get(text="Which hours are least safe?")
    assert saved.status_code == 302
    assert saved.url == reverse("surveys:build", args=[survey.pk]) + f"#question-{question.pk}"
    assert question.translations == {"hr": {"text": "Koji su sati najmanje sigurni?"}}
    assert [(c.value, c.label, c.text_in("label", "hr")) for c in question.choices.all()] == [
        ("evening", "Evening", "Večer"),
        ("night", "Night", "Noć"),
    ]
    assert (question.show_if_question, question.section, question.position) == (built.yes_no, built.page2, 2)
    assert AuditLog.objects.filter(verb="create", object_id=str(question.pk), actor=ministry).exists()

    outline = client.get(reverse("surveys:build", args=[survey.pk])).content.decode()
    assert "Which hours are least safe?" in outline
    assert f"{reverse('surveys:preview', args=[survey.pk])}?lang=hr" in outline
    client.post(reverse("surveys:build", args=[survey.pk]), {"question_up": question.pk})
    question.refresh_from_db()
    built.number.refresh_from_db()
    assert question.position < built.number.position


def test_the_portal_form_keeps_the_input_and_explains_a_refusal(client, built, ministry):
    client.force_login(ministry)
    response = client.post(
        reverse("surveys:question_add", args=[built.survey.pk]),
        question_data(built.page2, "Which hours?", Kind.SINGLE, text__hr="Koji sati?"),
    )

    assert response.status_code == 200
    assert "needs its options: add them below" in response.content.decode()
    assert response.context["form"]["text__hr"].value() == "Koji sati?"
    assert not Question.objects.filter(text="Which hours?").exists()


def test_once_answered_the_portal_refuses_structure_with_the_reason_and_keeps_wording_editable(client, built, ministry):
    open_survey(built.survey)
    response = services.response_start(survey=Survey.objects.get(pk=built.survey.pk), invitation=None, language="en")
    services.response_save_section(response=response, section=built.page1, data=built.page1_data(), position=0)
    client.force_login(ministry)
    edit = reverse("surveys:question_edit", args=[built.survey.pk, built.number.pk])
    base = question_data(built.page2, built.number.text, Kind.NUMBER, min_value=0, max_value=500)

    kind = client.post(edit, {**base, "kind": Kind.SHORT_TEXT, "min_value": "", "max_value": ""})
    deleted = client.post(reverse("surveys:question_delete", args=[built.survey.pk, built.number.pk]))
    reworded = client.post(edit, {**base, "text": "How many people work on safety?", "text__hr": "Koliko ljudi?"})

    assert "only the wording of a question can change, not its kind" in str(kind.context["form"].errors["kind"])
    assert deleted.status_code == 409
    assert "questions can no longer be removed" in deleted.content.decode()
    assert reworded.status_code == 302
    built.number.refresh_from_db()
    assert (built.number.kind, built.number.text, built.number.translations["hr"]["text"]) == (
        Kind.NUMBER,
        "How many people work on safety?",
        "Koliko ljudi?",
    )


@pytest.mark.parametrize("where", ["portal", "admin"])
def test_a_post_claiming_too_many_options_builds_no_more_forms_and_says_how_many_a_question_may_have(
    client, built, ministry, coordinator, where, django_assert_max_num_queries
):
    """A forged TOTAL_FORMS of 10^30 builds at most MAX_CHOICES forms (Django's own limit builds 2,000 and takes
    seconds), and 201 options are refused with the limit, the typed options kept."""
    if where == "portal":
        client.force_login(ministry)
        add = reverse("surveys:question_add", args=[built.survey.pk]) + f"?section={built.page2.pk}"
        data = question_data(built.page2, "Which province?", Kind.SINGLE)
    else:
        client.force_login(coordinator)
        add = reverse("admin:surveys_question_add") + f"?section={built.page2.pk}"
        data = question_post(built.page2.pk, Kind.SINGLE, "Which province?")
    data["choices-TOTAL_FORMS"] = "9" * 30
    with django_assert_max_num_queries(60):
        forged = client.post(add, data)
    assert forged.status_code == 200
    assert (
        len(
            forged.context["inline_admin_formsets"][0].formset.forms
            if where == "admin"
            else forged.context["formset"].forms
        )
        <= MAX_CHOICES
    )
    assert not Question.objects.filter(text="Which province?").exists()

    many = MAX_CHOICES + 1
    data["choices-TOTAL_FORMS"] = str(many)
    data.update({f"choices-{n}-label": f"Province {n}" for n in range(many)})
    refused = client.post(add, data)
    page = refused.content.decode()
    assert refused.status_code == 200
    assert f"A question has at most {MAX_CHOICES} options." in page
    assert f'value="Province {MAX_CHOICES - 1}"' in page
    assert not Question.objects.filter(text="Which province?").exists()
