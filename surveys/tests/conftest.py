from __future__ import annotations

from typing import Any

import pytest

from surveys import services
from surveys.models import Invitation, Question, Respondent, Response, Survey
from surveys.tests.factories import (
    QuestionFactory,
    RespondentFactory,
    SectionFactory,
    SurveyFactory,
    ministry_user,
    question_with_choices,
)


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


# What the two respondents answer, as the respondent's form would send it.
ZADAR = {
    "likert": ("4", ""),
    "single": ("other", "cameras at the port"),
    "yes_no": ("yes", ""),
    "which": ('=HYPERLINK("http://example.com")', ""),
    "multiple": (["parks", "schools"], ""),
    "number": ("3.5", ""),
    "matrix": ({"lighting": "5", "benches": "2"}, ""),
    "ranking": (["police", "design", "lighting"], ""),
}
SPLIT = {
    "likert": ("2", ""),
    "single": ("wide", ""),
    "yes_no": ("no", ""),
    "multiple": (["squares"], ""),
    "number": ("12", ""),
    "matrix": ({"lighting": "1", "benches": "3"}, ""),
    "ranking": (["lighting", "design", "police"], ""),
}


@pytest.fixture
def analyst(built):
    """The built survey, named, with a matrix and a ranking on its second page, answered from Zadar and Split."""
    survey = built.survey
    built.matrix = question_with_choices(
        built.page2,
        Question.Kind.MATRIX,
        ["lighting", "benches"],
        position=2,
        text="Rate the state of public spaces.",
    )
    built.ranking = question_with_choices(
        built.page2,
        Question.Kind.RANKING,
        ["police", "design", "lighting"],
        position=3,
        text="Rank the measures.",
    )
    Survey.objects.filter(pk=survey.pk).update(anonymity=Survey.Anonymity.NAMED)
    survey.refresh_from_db()
    built.survey = services.survey_transition(survey=survey, to_state=Survey.State.OPEN, by=None)
    built.responses = [answer(built, ZADAR, region="Zadar"), answer(built, SPLIT, region="Split")]
    return built


def answer(built: Any, given: dict[str, tuple[Any, str]], *, region: str) -> Response:
    survey = built.survey
    respondent = RespondentFactory.create(survey=survey, region=region, kind=Respondent.Kind.CITY)
    services.invitations_send(survey=survey, by=None, respondents=[respondent])
    invitation = Invitation.objects.get(respondent=respondent)
    response = services.response_start(survey=survey, invitation=invitation, language="en")
    for position, (section, names) in enumerate(
        [
            (built.page1, ["likert", "single", "yes_no", "which"]),
            (built.page2, ["multiple", "number", "matrix", "ranking"]),
        ]
    ):
        data = {getattr(built, name).pk: given[name] for name in names if name in given}
        services.response_save_section(response=response, section=section, data=data, position=position)
    return services.response_submit(response=response)
