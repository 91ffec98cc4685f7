"""Questions in a procurement team's words: answer types, allowed answers, and conditions.

`show_if` conditions only use `question:` leaves with equals, one_of, includes_any and excludes
(checked when definitions load); anything else is worded generically rather than refused.
"""

from __future__ import annotations

from typing import Any

from service.questionnaires.conditions import All, AnyOf, Condition, Leaf, Not
from service.questionnaires.messages import DONT_KNOW
from service.questionnaires.schema import Question, Questionnaire, QuestionType

MULTIPLE_SEPARATOR = "; "

_TYPES = {
    QuestionType.SINGLE_CHOICE: "One choice",
    QuestionType.MULTIPLE_CHOICE: "Several choices",
    QuestionType.BOOLEAN: "Yes or no",
    QuestionType.NUMBER: "Number",
    QuestionType.TEXT: "Text",
    QuestionType.VERSION: "Version number",
}


def answer_type(question: Question) -> str:
    kind = _TYPES[question.type]
    return f"{kind} (required)" if question.required else kind


def allowed_answers(question: Question) -> str:
    """What may go in the answer cell, as the person filling it in reads it."""
    dont_know = f"or “{DONT_KNOW}”"
    kind = question.type
    if kind is QuestionType.SINGLE_CHOICE:
        return f"Pick from the dropdown: {_labels(question)}; {dont_know}"
    if kind is QuestionType.MULTIPLE_CHOICE:
        return f"One or more of: {_labels(question)}. Separate them with “;”, {dont_know}"
    if kind is QuestionType.BOOLEAN:
        return f"Yes or No, {dont_know}"
    if kind is QuestionType.NUMBER:
        return _number_rule(question) + f", {dont_know}"
    if kind is QuestionType.VERSION:
        return f"A version number such as 2.4.1, {dont_know}"
    return f"Text, at most {question.text_limit:,} characters, {dont_know}"


def _labels(question: Question) -> str:
    return " | ".join(option.label for option in question.options)


def _number_rule(question: Question) -> str:
    whole = "A whole number" if question.integer else "A number"
    unit = f" in {question.unit}" if question.unit else ""
    low, high = question.minimum, question.maximum
    if low is not None and high is not None:
        return f"{whole}{unit} from {_plain(low)} to {_plain(high)}"
    if low is not None:
        return f"{whole}{unit} of at least {_plain(low)}"
    if high is not None:
        return f"{whole}{unit} of at most {_plain(high)}"
    return f"{whole}{unit}"


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def applies_when(questionnaire: Questionnaire, question: Question) -> str:
    """The condition under which a question is asked, or "" for a question always asked."""
    if question.show_if is None:
        return ""
    return "Only when " + _describe(questionnaire, question.show_if)


def _describe(questionnaire: Questionnaire, condition: Condition) -> str:
    if isinstance(condition, All):
        return " and ".join(_describe(questionnaire, c) for c in condition.all)
    if isinstance(condition, AnyOf):
        return " or ".join(_describe(questionnaire, c) for c in condition.any)
    if isinstance(condition, Not):
        return "not (" + _describe(questionnaire, condition.not_) + ")"
    return _leaf(questionnaire, condition)


def _leaf(questionnaire: Questionnaire, leaf: Leaf) -> str:
    subject = questionnaire.questions.get(leaf.subject)
    name = f"“{subject.name}”" if subject else leaf.subject
    if leaf.equals is not None:
        return f"{name} is {_value(subject, leaf.equals)}"
    if leaf.one_of is not None:
        return f"{name} is {_either(subject, leaf.one_of, 'or')}"
    if leaf.includes_any is not None:
        return f"{name} includes {_either(subject, leaf.includes_any, 'or')}"
    if leaf.excludes is not None:
        return f"{name} is not {_either(subject, leaf.excludes, 'or')}"
    return f"{name} meets a condition ({leaf.operator.value})"


def _either(subject: Question | None, values: tuple[str, ...], joiner: str) -> str:
    return f" {joiner} ".join(_value(subject, v) for v in values)


def _value(subject: Question | None, value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if subject is not None and subject.options:
        return f"“{subject.option_label(str(value))}”"
    return f"“{value}”"
