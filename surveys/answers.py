"""Answers as respondents give them: each checked by the validator of its question's kind, and whether a
conditional question shows at all. Pure functions of a question and the raw answer; nothing is written here."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from surveys.models import Question

TEXT_LIMIT = 5000
SHORT_TEXT_LIMIT = 250
OTHER_TEXT_LIMIT = 500
SCALE = {"1", "2", "3", "4", "5"}
OTHER = "other"

# A validator takes the question, the raw answer (not empty) and the "other" text; it returns the value to store
# or raises ValidationError with the message the respondent reads.
Validator = Callable[[Question, Any, str], Any]


def clean_answer(question: Question, raw: Any, other_text: str = "") -> Any:
    """Validate one answer; returns the value to store (None for no answer) or raises ValidationError."""
    if isinstance(raw, str):
        raw = raw.strip()
    if _holds_nul(raw) or "\x00" in (other_text or ""):
        raise ValidationError(ProhibitNullCharactersValidator.message)
    if raw in (None, "", [], {}):
        if question.required:
            raise ValidationError(_("This question needs an answer."))
        return None
    validator = VALIDATORS.get(question.kind)
    if validator is None:
        raise ValidationError(_("Unknown question type."))
    return validator(question, raw, other_text)


def _holds_nul(raw: Any) -> bool:
    """Whether a raw answer holds a NUL character anywhere, which no database text column stores."""
    if isinstance(raw, str):
        return "\x00" in raw
    if isinstance(raw, dict):
        return any(_holds_nul(key) or _holds_nul(value) for key, value in raw.items())
    if isinstance(raw, list | tuple):
        return any(_holds_nul(item) for item in raw)
    return False


def question_visible(question: Question, answers: dict[int, Any]) -> bool:
    """A conditional question shows only when the earlier answer is the one it waits for."""
    if question.show_if_question_id is None:
        return True
    given = answers.get(question.show_if_question_id)
    if given is None:
        return False
    expected = question.show_if_value
    if isinstance(given, list):
        return expected in [str(value) for value in given]
    if isinstance(given, bool):
        return expected.lower() in (("yes", "true", "1") if given else ("no", "false", "0"))
    return str(given) == expected


def chose_other(value: Any) -> bool:
    """Whether a stored value includes "other", whose text is then kept beside it."""
    return value == OTHER or (isinstance(value, list) and OTHER in value)


def _options(question: Question) -> set[str]:
    return {choice.value for choice in question.choices.all()}


def _check_other(other_text: str) -> None:
    text = other_text.strip()
    if not text:
        raise ValidationError(_("Please say what “other” is."))
    _check_length(text, OTHER_TEXT_LIMIT)


def _check_length(text: str, limit: int) -> None:
    if len(text) > limit:
        raise ValidationError(
            ngettext(
                "Please keep this answer under %(limit)d character (it has %(count)d).",
                "Please keep this answer under %(limit)d characters (it has %(count)d).",
                limit,
            )
            % {"limit": limit, "count": len(text)}
        )


def _text(limit: int) -> Validator:
    def text(question: Question, raw: Any, other_text: str) -> str:
        value = str(raw).strip()
        _check_length(value, limit)
        return value

    return text


def _number(question: Question, raw: Any, other_text: str) -> int | float:
    try:
        number = float(str(raw).replace(",", "."))
    except ValueError as error:
        raise ValidationError(_("Enter a number.")) from error
    if not math.isfinite(number):
        raise ValidationError(_("Enter a number."))
    if question.min_value is not None and number < question.min_value:
        raise ValidationError(_("Enter a number of at least %(min)s.") % {"min": question.min_value})
    if question.max_value is not None and number > question.max_value:
        raise ValidationError(_("Enter a number of at most %(max)s.") % {"max": question.max_value})
    return int(number) if number.is_integer() else number


def _yes_no(question: Question, raw: Any, other_text: str) -> bool:
    if str(raw) not in ("yes", "no"):
        raise ValidationError(_("Answer yes or no."))
    return str(raw) == "yes"


def _likert(question: Question, raw: Any, other_text: str) -> int:
    if str(raw) not in SCALE:
        raise ValidationError(_("Choose a point on the scale."))
    return int(raw)


def _single(question: Question, raw: Any, other_text: str) -> str:
    if raw == OTHER and question.has_other:
        _check_other(other_text)
        return OTHER
    if not isinstance(raw, str) or raw not in _options(question):
        raise ValidationError(_("Choose one of the options."))
    return raw


def _multiple(question: Question, raw: Any, other_text: str) -> list[Any]:
    chosen = list(dict.fromkeys([raw] if isinstance(raw, str) else raw))
    options = _options(question)
    if any(value not in options and not (value == OTHER and question.has_other) for value in chosen):
        raise ValidationError(_("Choose among the options."))
    if OTHER in chosen:
        _check_other(other_text)
    return chosen


def _matrix(question: Question, raw: Any, other_text: str) -> dict[str, int]:
    rows = _options(question)
    if not isinstance(raw, dict) or any(row not in rows or str(value) not in SCALE for row, value in raw.items()):
        raise ValidationError(_("Choose a point on the scale."))
    rated = {row: int(value) for row, value in raw.items()}
    if question.required and len(rated) < len(rows):
        raise ValidationError(_("Please rate every row."))
    return rated


def _ranking(question: Question, raw: Any, other_text: str) -> list[Any]:
    # The form sends an unknown value when two options got the same rank.
    order = list(raw) if isinstance(raw, list) else [raw]
    options = _options(question)
    if (
        any(value not in options for value in order)
        or len(set(order)) != len(order)
        or (question.required and len(order) != len(options))
    ):
        raise ValidationError(_("Give each option a different rank."))
    return order


VALIDATORS: dict[str, Validator] = {
    Question.Kind.SHORT_TEXT: _text(SHORT_TEXT_LIMIT),
    Question.Kind.LONG_TEXT: _text(TEXT_LIMIT),
    Question.Kind.NUMBER: _number,
    Question.Kind.YES_NO: _yes_no,
    Question.Kind.LIKERT: _likert,
    Question.Kind.SINGLE: _single,
    Question.Kind.MULTIPLE: _multiple,
    Question.Kind.MATRIX: _matrix,
    Question.Kind.RANKING: _ranking,
}
