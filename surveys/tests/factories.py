from __future__ import annotations

from typing import Any

import factory

from partnership.models import Membership, Organisation, Partnership
from partnership.tests.factories import OrganisationFactory, PartnershipFactory, member_user
from surveys import services
from surveys.models import Choice, Question, Respondent, Section, Survey


class SurveyFactory(factory.django.DjangoModelFactory[Survey]):
    """A draft survey of a national ministry, in English with a Croatian translation."""

    class Meta:
        model = Survey

    partnership = factory.SubFactory(PartnershipFactory)
    owner = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.MINISTRY, country="HR")
    country = "HR"
    title = factory.Sequence(lambda n: f"Survey of local security needs {n}")
    introduction = "The Ministry asks local authorities about their security needs."
    default_language = "en"
    languages = factory.LazyFunction(lambda: ["hr"])
    anonymity = Survey.Anonymity.CONFIDENTIAL
    translations = factory.LazyFunction(lambda: {"hr": {"title": "Upitnik o lokalnim sigurnosnim potrebama"}})


class SectionFactory(factory.django.DjangoModelFactory[Section]):
    class Meta:
        model = Section

    survey = factory.SubFactory(SurveyFactory)
    position = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Section {n}")


class QuestionFactory(factory.django.DjangoModelFactory[Question]):
    class Meta:
        model = Question

    section = factory.SubFactory(SectionFactory)
    position = factory.Sequence(lambda n: n)
    kind = Question.Kind.SHORT_TEXT
    text = factory.Sequence(lambda n: f"Question {n}?")


class ChoiceFactory(factory.django.DjangoModelFactory[Choice]):
    class Meta:
        model = Choice

    question = factory.SubFactory(QuestionFactory, kind=Question.Kind.SINGLE)
    position = factory.Sequence(lambda n: n)
    value = factory.Sequence(lambda n: f"option-{n}")
    label = factory.Sequence(lambda n: f"Option {n}")


class RespondentFactory(factory.django.DjangoModelFactory[Respondent]):
    class Meta:
        model = Respondent

    survey = factory.SubFactory(SurveyFactory)
    name = factory.Sequence(lambda n: f"Safety officer {n}")
    email = factory.Sequence(lambda n: f"officer{n}@municipality.example")
    organisation = factory.Sequence(lambda n: f"Municipality {n}")
    region = "Split-Dalmatia"
    kind = Respondent.Kind.MUNICIPALITY
    language = "en"


def question_with_choices(section: Section, kind: str, values: list[str], **fields: Any) -> Question:
    """A question whose options (or matrix rows) have these values; labels are the values capitalised."""
    question = QuestionFactory.create(section=section, kind=kind, **fields)
    for position, value in enumerate(values):
        ChoiceFactory.create(
            question=question,
            position=position,
            value=value,
            label=value.capitalize(),
            translations={"hr": {"label": f"{value.capitalize()} (hr)"}},
        )
    return question


def ministry_user(partnership: Partnership) -> Any:
    """A partner user whose organisation (a ministry) can own surveys in the partnership."""
    user = member_user(partnership, Membership.Role.PARTNER)
    Organisation.objects.filter(pk=user.person.organisation_id).update(kind=Organisation.Kind.MINISTRY)
    return user


def open_survey(survey: Survey) -> Survey:
    return services.survey_transition(survey=survey, to_state=Survey.State.OPEN, by=None)
