"""The columns of the response exports, as analysts' tools read them.

The wide layout gives each answer the columns it needs: one per option of a multiple choice (1 chosen, 0 not),
per row of a matrix (its rating), per item of a ranking (its rank), a text column for an "other" answer;
numbers stay numbers. Its two variants differ only where a code has a label: a single choice is the option's
label or its number, yes/no the survey's words or 1/0. The long layout has one row per answered column
(variable, value, label) for R and pandas. SPSS and Stata files are the codes variant with the question's
text as the variable's label and the labels of the codes. Column names are ASCII codes of at most 32
characters, made from the question's place and the option's stored value, so they stay the same from one
export to the next.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext

from surveys.answers import OTHER
from surveys.models import Question, Survey

LABELS, CODES, LONG = "labels", "codes", "long"
LAYOUTS = (LABELS, CODES, LONG)
NAME_LIMIT = 32  # Stata's limit on a variable's name; SPSS allows 64
TEXT_KINDS = (Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT)
LONG_HEADER = ["question", "variable", "value", "label"]


@dataclass
class Column:
    """One column of the wide layout: its name, its label, its type ("number", "text", "datetime") and the
    labels of its codes (for the codebook and the statistical files)."""

    name: str
    label: str
    type: str = "number"
    values: dict[int, str] = field(default_factory=dict)
    note: str = ""  # what the values are, for the codebook, when no labels say it


def _ascii(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", value).strip("_") or "x"


def scale_labels(question: Question) -> dict[int, str]:
    return {
        1: question.likert_low_label or gettext("Strongly disagree"),
        5: question.likert_high_label or gettext("Strongly agree"),
    }


class QuestionColumns:
    """How one question's answers spread over its columns, in one layout."""

    def __init__(self, index: int, question: Question, *, labels: bool) -> None:
        self.question = question
        self.base = f"Q{index}"
        self.labels = labels
        self.kind = question.kind
        self.options = list(question.choices.all())
        self.codes = {choice.value: number for number, choice in enumerate(self.options, start=1)}
        text = question.text
        self.columns: list[Column] = []
        if self.kind in TEXT_KINDS:
            self.columns.append(Column(self.base, text, "text"))
        elif self.kind == Question.Kind.NUMBER:
            self.columns.append(Column(self.base, text, note=gettext("a number")))
        elif self.kind == Question.Kind.LIKERT:
            self.columns.append(Column(self.base, text, values=scale_labels(question), note="1-5"))
        elif self.kind == Question.Kind.YES_NO:
            self.yes, self.no = gettext("Yes"), gettext("No")
            self.columns.append(Column(self.base, text, "text" if labels else "number", {1: self.yes, 0: self.no}))
        elif self.kind == Question.Kind.SINGLE:
            values = {number: choice.label for choice, number in zip(self.options, self.codes.values(), strict=True)}
            if question.has_other:
                values[len(self.options) + 1] = gettext("Other")
            self.columns.append(Column(self.base, text, "text" if labels else "number", values))
        else:
            for choice in self.options:
                name = self._name(choice.value, choice.position)
                column = Column(name, f"{text}: {choice.label}")
                if self.kind == Question.Kind.MULTIPLE:
                    column.values = {1: gettext("chosen"), 0: gettext("not chosen")}
                elif self.kind == Question.Kind.MATRIX:
                    column.values = scale_labels(question)
                    column.note = "1-5"
                else:
                    column.note = gettext("rank, 1 first")
                self.columns.append(column)
        if question.has_other and self.kind == Question.Kind.MULTIPLE:
            chosen = {1: gettext("chosen"), 0: gettext("not chosen")}
            self.columns.append(Column(f"{self.base}_other", f"{text}: {gettext('Other')}", values=chosen))
        if question.has_other and self.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            self.columns.append(Column(f"{self.base}_other_text", f"{text}: {gettext('Other')} (text)", "text"))

    def _name(self, value: str, position: int) -> str:
        taken = {column.name for column in self.columns}
        name = f"{self.base}_{_ascii(value)}"[:NAME_LIMIT]
        return name if name not in taken else f"{self.base}_o{position}"[:NAME_LIMIT]

    def cells(self, given: tuple[Any, str] | None) -> list[Any]:
        """The wide layout's cells of this question for one response's answer (None: not answered)."""
        if given is None:
            return [None] * len(self.columns)
        value, other = given
        kind = self.kind
        cells: list[Any]
        if kind in TEXT_KINDS:
            cells = [value if isinstance(value, str) else str(value)]
        elif kind in (Question.Kind.NUMBER, Question.Kind.LIKERT):
            cells = [value if isinstance(value, (int, float)) and not isinstance(value, bool) else None]
        elif kind == Question.Kind.YES_NO:
            cells = [(self.yes if value else self.no) if self.labels else int(bool(value))]
        elif kind == Question.Kind.SINGLE:
            code = self.codes.get(value, len(self.options) + 1 if value == OTHER else None)
            cells = [self.columns[0].values.get(code) if self.labels and code else code]
        elif kind == Question.Kind.MULTIPLE:
            chosen = set(value) if isinstance(value, list) else set()
            cells = [int(choice.value in chosen) for choice in self.options]
            if self.question.has_other:
                cells.append(int(OTHER in chosen))
        elif kind == Question.Kind.MATRIX:
            rated = value if isinstance(value, dict) else {}
            cells = [rated.get(choice.value) for choice in self.options]
        else:
            order = [str(item) for item in value] if isinstance(value, list) else []
            cells = [order.index(choice.value) + 1 if choice.value in order else None for choice in self.options]
        if self.question.has_other and kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            cells.append(other or None)
        return cells

    def long_rows(self, given: tuple[Any, str] | None) -> Iterator[list[Any]]:
        """The long layout's rows (question, variable, value, label) of this answer: one per answered column;
        of a multiple choice, one per option chosen."""
        for column, cell in zip(self.columns, self.cells(given), strict=True):
            if cell is None or cell == "" or (self.kind == Question.Kind.MULTIPLE and cell == 0):
                continue
            label = column.values.get(cell, "") if isinstance(cell, int) and column.type == "number" else ""
            if self.kind == Question.Kind.MULTIPLE and column.type == "number":
                label = column.label.removeprefix(f"{self.question.text}: ")
            yield [self.base, column.name, cell, label]


def question_columns(survey: Survey, questions: list[Question], *, layout: str) -> list[QuestionColumns]:
    """Each question's columns, labelled in the survey's language (its yes/no words, "Other")."""
    with translation.override(survey.default_language):
        return [
            QuestionColumns(index, question, labels=layout == LABELS)
            for index, question in enumerate(questions, start=1)
        ]


def describe(column: Column) -> str:
    """A column's values as the codebook states them."""
    if column.values:
        return "; ".join(f"{code}={label}" for code, label in sorted(column.values.items()))
    return column.note or {"text": gettext("text"), "datetime": gettext("date and time")}.get(column.type, "")
