"""Answer rules: what a valid answer to each question type is, visibility, and completeness.

The API, the web pages and the vendor invitation pages all go through these functions, so an
answer is judged the same way wherever it is typed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from service.questionnaires.conditions import UNKNOWN, is_known, parse_version
from service.questionnaires.loader import did_you_mean
from service.questionnaires.schema import Question, Questionnaire, QuestionType

VERSION_LENGTH_LIMIT = 50

Answers = dict[str, Any]


@dataclass(frozen=True)
class AnswerProblem:
    question: str
    message: str


def check_answers(questionnaire: Questionnaire, patch: Mapping[str, Any]) -> list[AnswerProblem]:
    """Every problem with a set of answers (null clears an answer and is always valid)."""
    problems: list[AnswerProblem] = []
    for question_id, value in patch.items():
        question = questionnaire.questions.get(question_id)
        if question is None:
            hint = did_you_mean(question_id, questionnaire.questions)
            unknown = f"there is no question '{question_id}' in {questionnaire.key}{hint}"
            problems.append(AnswerProblem(question_id, unknown))
        elif value is not None and (message := check_value(question, value)) is not None:
            problems.append(AnswerProblem(question_id, message))
    return problems


def check_value(question: Question, value: Any) -> str | None:
    """Why `value` is not a valid answer to `question`, or None when it is."""
    if value == UNKNOWN:
        return None
    return _CHECKS[question.type](question, value)


def _single(question: Question, value: Any) -> str | None:
    if not isinstance(value, str):
        return f"expected one option id as a string; {_choices(question)}"
    if value not in question.option_ids:
        hint = did_you_mean(value, question.option_ids)
        return f"'{value}' is not an option{hint}; {_choices(question)}"
    return None


def _multiple(question: Question, value: Any) -> str | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return f'expected a list of option ids (or "{UNKNOWN}"); {_choices(question)}'
    wrong = [v for v in value if v not in question.option_ids]
    if wrong:
        hint = did_you_mean(wrong[0], question.option_ids)
        listed = ", ".join(f"'{v}'" for v in wrong)
        return f"{listed} {'is' if len(wrong) == 1 else 'are'} not options{hint}; " + _choices(
            question
        )
    if len(set(value)) != len(value):
        return "the same option is listed twice"
    return None


def _boolean(question: Question, value: Any) -> str | None:
    if not isinstance(value, bool):
        return f'expected true or false (or "{UNKNOWN}")'
    return None


NUMBER_LIMIT = 10**15
"""Numbers without bounds of their own stay within what a float holds exactly."""


def _number(question: Question, value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f'expected a number (or "{UNKNOWN}")'
    if isinstance(value, float) and not math.isfinite(value):
        return f'expected a number (or "{UNKNOWN}")'
    # Bounds first, compared exactly: a 400-digit integer overflows float() and any arithmetic.
    low = question.minimum if question.minimum is not None else -NUMBER_LIMIT
    high = question.maximum if question.maximum is not None else NUMBER_LIMIT
    if value < low:
        return f"must be at least {_plain(low)}"
    if value > high:
        return f"must be at most {_plain(high)}"
    if question.integer and not float(value).is_integer():
        return "expected a whole number"
    return None


def _text(question: Question, value: Any) -> str | None:
    if not isinstance(value, str):
        return "expected text"
    if not value.strip():
        return "is empty; send null to clear an answer"
    if len(value) > question.text_limit:
        return f"is {len(value)} characters long; the limit is {question.text_limit}"
    return None


def _version(question: Question, value: Any) -> str | None:
    if not isinstance(value, str):
        return 'expected a version number as a string, such as "2.4.1"'
    if len(value) > VERSION_LENGTH_LIMIT or parse_version(value.strip()) is None:
        return f"'{value[:VERSION_LENGTH_LIMIT]}' is not a version number such as \"2.4.1\""
    return None


_CHECKS: dict[QuestionType, Callable[[Question, Any], str | None]] = {
    QuestionType.SINGLE_CHOICE: _single,
    QuestionType.MULTIPLE_CHOICE: _multiple,
    QuestionType.BOOLEAN: _boolean,
    QuestionType.NUMBER: _number,
    QuestionType.TEXT: _text,
    QuestionType.VERSION: _version,
}


def _choices(question: Question) -> str:
    return "choose from: " + ", ".join(o.id for o in question.options)


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def merge(current: Mapping[str, Any], patch: Mapping[str, Any]) -> Answers:
    """Apply a patch: a value sets an answer, null clears it."""
    merged = dict(current)
    for question_id, value in patch.items():
        if value is None:
            merged.pop(question_id, None)
        else:
            merged[question_id] = value
    return merged


def resolve(
    questionnaire: Questionnaire, answers: Mapping[str, Any]
) -> tuple[list[Question], Answers]:
    """The questions the respondent sees, and the answers that count, in one pass.

    A conditional question shows only when its condition is known to hold, and the answers to
    hidden questions do not count towards later conditions (they are kept, but inactive).
    """
    visible: list[Question] = []
    active: Answers = {}
    for question in questionnaire.questions.values():
        shown = question.shown_when
        if shown is None or shown(active, _NO_CLIENT) is True:
            visible.append(question)
            if question.id in answers:
                active[question.id] = answers[question.id]
    return visible, active


_NO_CLIENT: Mapping[str, Any] = {}


def visible_questions(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> list[Question]:
    """Questions the respondent sees, given the answers so far."""
    return resolve(questionnaire, answers)[0]


def active_answers(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> Answers:
    """The answers that count: those to visible questions."""
    return resolve(questionnaire, answers)[1]


def missing_required(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> list[Question]:
    """Visible required questions with no answer ("unknown" counts as an answer)."""
    return [
        q
        for q in visible_questions(questionnaire, answers)
        if q.required and answers.get(q.id) is None
    ]


@dataclass(frozen=True)
class Progress:
    answered: int
    unknown: int
    visible: int
    required_missing: int

    @property
    def percent(self) -> int:
        return 100 if self.visible == 0 else round(100 * self.answered / self.visible)


def progress(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> Progress:
    visible = visible_questions(questionnaire, answers)
    given = [answers[q.id] for q in visible if answers.get(q.id) is not None]
    return Progress(
        answered=len(given),
        unknown=sum(1 for value in given if not is_known(value)),
        visible=len(visible),
        required_missing=len(missing_required(questionnaire, answers)),
    )


def display(question: Question | None, value: Any) -> str:
    """An answer as a person reads it: option labels, yes/no, units, "unknown"."""
    if value is None:
        return "not answered"
    if value == UNKNOWN:
        return "unknown"
    if question is None:
        return str(value)
    return _DISPLAY.get(question.type, _plain_text)(question, value)


def _plain_text(question: Question, value: Any) -> str:
    return str(value)


def _display_choices(question: Question, value: Any) -> str:
    values = value if isinstance(value, list) else [value]
    return ", ".join(question.option_label(str(v)) for v in values) or "none"


def _display_number(question: Question, value: Any) -> str:
    number = _plain(float(value)) if isinstance(value, int | float) else str(value)
    return f"{number} {question.unit}" if question.unit else number


_DISPLAY: dict[QuestionType, Callable[[Question, Any], str]] = {
    QuestionType.BOOLEAN: lambda question, value: "yes" if value is True else "no",
    QuestionType.SINGLE_CHOICE: _display_choices,
    QuestionType.MULTIPLE_CHOICE: _display_choices,
    QuestionType.NUMBER: _display_number,
}
