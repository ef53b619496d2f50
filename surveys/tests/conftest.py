from __future__ import annotations

from typing import Any

import pytest

from surveys.models import Question, Survey
from surveys.tests.factories import QuestionFactory, SectionFactory, SurveyFactory, ministry_user, question_with_choices


@pytest.fixture
def ministry(partnership):
    """A user of the Croatian ministry, which owns the survey."""
    return ministry_user(partnership)


class Built:
    """A two-page survey: page 1 likert (required), single with other, yes/no and a question shown on yes;
    page 2 multiple choice (required) and a number from 0 to 500."""

    def __init__(self, survey: Survey) -> None:
        self.survey = survey
        self.page1 = SectionFactory.create(
            survey=survey, position=0, title="Urban planning", translations={"hr": {"title": "Urbanizam"}}
        )
        self.page2 = SectionFactory.create(survey=survey, position=1, title="Technology")
        self.likert = QuestionFactory.create(
            section=self.page1,
            position=0,
            kind=Question.Kind.LIKERT,
            text="Safety is considered in planning.",
            required=True,
            translations={"hr": {"text": "Sigurnost se uzima u obzir pri planiranju."}},
        )
        self.single = question_with_choices(
            self.page1, Question.Kind.SINGLE, ["none", "some", "wide"], position=1, text="Video surveillance?"
        )
        self.single.has_other = True
        self.single.save()
        self.yes_no = QuestionFactory.create(
            section=self.page1, position=2, kind=Question.Kind.YES_NO, text="Do planners have guidance?"
        )
        self.which = QuestionFactory.create(
            section=self.page1,
            position=3,
            kind=Question.Kind.SHORT_TEXT,
            text="Which guidance?",
            required=True,
            show_if_question=self.yes_no,
            show_if_value="yes",
        )
        self.multiple = question_with_choices(
            self.page2,
            Question.Kind.MULTIPLE,
            ["squares", "parks", "schools"],
            position=0,
            text="Which spaces need work?",
            required=True,
            translations={"hr": {"text": "Koji prostori trebaju poboljšanja?"}},
        )
        self.number = QuestionFactory.create(
            section=self.page2,
            position=1,
            kind=Question.Kind.NUMBER,
            text="How many staff?",
            min_value=0,
            max_value=500,
        )

    def page1_post(self, **overrides: Any) -> dict[str, Any]:
        data = {
            f"q{self.likert.pk}": "4",
            f"q{self.single.pk}": "some",
            f"q{self.single.pk}_other": "",
            f"q{self.yes_no.pk}": "no",
            f"q{self.which.pk}": "",
        }
        data.update({f"q{getattr(self, name).pk}": value for name, value in overrides.items()})
        return data

    def page2_post(self, **overrides: Any) -> dict[str, Any]:
        data: dict[str, Any] = {f"q{self.multiple.pk}": ["parks", "schools"], f"q{self.number.pk}": "3"}
        data.update({f"q{getattr(self, name).pk}": value for name, value in overrides.items()})
        return data

    def page1_data(self, **overrides: Any) -> dict[int, tuple[Any, str]]:
        data: dict[int, tuple[Any, str]] = {
            self.likert.pk: ("4", ""),
            self.single.pk: ("some", ""),
            self.yes_no.pk: ("no", ""),
        }
        data.update({getattr(self, name).pk: value for name, value in overrides.items()})
        return data

    def page2_data(self) -> dict[int, tuple[Any, str]]:
        return {self.multiple.pk: (["parks", "schools"], ""), self.number.pk: ("3", "")}


@pytest.fixture
def survey(partnership, ministry):
    """A draft survey of the ministry, with its two pages of questions."""
    return SurveyFactory(partnership=partnership, owner=ministry.person.organisation)


@pytest.fixture
def built(survey):
    return Built(survey)
