"""What a person is told about an answer: the question's name in their words, units and ranges.

`check_value` (in `answers`) decides whether an answer is valid and words it for API
integrators ("expected a number"); the pages say the same thing to the person typing, with the
question's short name, its unit and its range. The page script shows these very sentences (the
server sends them with each autosave, and renders `expected` next to each input), so a message
never differs between a save with and without JavaScript.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.questionnaires.answers import check_answers, check_value
from service.questionnaires.schema import Question, Questionnaire, QuestionType

DONT_KNOW = "Don't know / won't say"
"""The label of the answer stored as "unknown", everywhere a person reads it."""

_OR_DONT_KNOW = f", or choose “{DONT_KNOW}”."


def expected(question: Question) -> str:
    """What a valid answer looks like, as one sentence naming the question."""
    kind, name = question.type, _words(question.name)
    if kind is QuestionType.NUMBER:
        return _expected_number(question)
    if kind is QuestionType.VERSION:
        return f"Enter the {name} as a version number such as 2.4.1" + _OR_DONT_KNOW
    if kind is QuestionType.TEXT:
        limit = f"{question.text_limit:,}"
        return f"Describe the {name} in at most {limit} characters" + _OR_DONT_KNOW
    if kind is QuestionType.MULTIPLE_CHOICE:
        return f"Tick every option that applies for {name}" + _OR_DONT_KNOW
    return f"Choose an answer for {name}" + _OR_DONT_KNOW


def _expected_number(question: Question) -> str:
    unit = f" in {question.unit}" if question.unit else ""
    whole = "a whole number" if question.integer else "a number"
    low, high = question.minimum, question.maximum
    if low is not None and high is not None:
        span = f", {whole} from {_plain(low)} to {_plain(high)}"
    elif low is not None:
        span = f", {whole} of at least {_plain(low)}"
    elif high is not None:
        span = f", {whole} of at most {_plain(high)}"
    else:
        span = f", as {whole}"
    return f"Enter the {_words(question.name)}{unit}{span}" + _OR_DONT_KNOW


def refusals(questionnaire: Questionnaire, patch: Mapping[str, Any]) -> dict[str, str]:
    """Every refused answer of `patch` (question id -> the message for the person)."""
    messages: dict[str, str] = {}
    for problem in check_answers(questionnaire, patch):
        question = questionnaire.questions.get(problem.question)
        message = explain(question, patch[problem.question]) if question else None
        messages[problem.question] = message or problem.message
    return messages


def explain(question: Question, value: Any) -> str | None:
    """Why `value` is refused, for the person who typed it; None when it is valid."""
    if check_value(question, value) is None:
        return None
    too_long = isinstance(value, str) and len(value) > question.text_limit
    if question.type is QuestionType.TEXT and too_long:
        return f"{expected(question)} This answer has {len(value):,}."
    return expected(question)


def _words(name: str) -> str:
    """A name inside a sentence: "Framework version" -> "framework version", "GPU memory" kept."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def _plain(number: float) -> str:
    return f"{int(number):,}" if float(number).is_integer() else f"{number:,}"
