"""Checks that need the whole questionnaire: unique ids, and conditions that fit their questions.

`check_leaf` is shared with the rule packs, so a `show_if` and a scoring rule are held to exactly
the same rules: the question exists, the operator fits its type, the options exist.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from service.questionnaires.conditions import (
    KNOWLEDGE_OPERATORS,
    NUMBER_OPERATORS,
    VERSION_OPERATORS,
    Condition,
    Leaf,
    Operator,
    leaves,
)
from service.questionnaires.loader import did_you_mean
from service.questionnaires.schema import CHOICE_TYPES, Question, Questionnaire, QuestionType

GRADES = ("supported", "behind", "unsupported")

OPERATOR_TYPES: dict[Operator, frozenset[QuestionType]] = {
    Operator.EQUALS: frozenset(
        {QuestionType.SINGLE_CHOICE, QuestionType.BOOLEAN, QuestionType.NUMBER, QuestionType.TEXT}
    ),
    Operator.ONE_OF: frozenset({QuestionType.SINGLE_CHOICE}),
    Operator.INCLUDES_ANY: frozenset({QuestionType.MULTIPLE_CHOICE}),
    Operator.EXCLUDES: CHOICE_TYPES,
    Operator.IS_UNKNOWN: frozenset(QuestionType),
    Operator.KB_STATUS: frozenset({QuestionType.SINGLE_CHOICE}),
    Operator.BELOW_SUPPORTED_FLOOR_OF: frozenset({QuestionType.VERSION}),
    Operator.SUPPORT: frozenset({QuestionType.VERSION}),
    Operator.SECURITY_FLOOR_OF: frozenset({QuestionType.VERSION}),
    Operator.NO_SHARED_ACCELERATOR_WITH: frozenset({QuestionType.MULTIPLE_CHOICE}),
    Operator.MEMORY_SHORTFALL: frozenset({QuestionType.NUMBER}),
    Operator.MENTIONS_ANY: frozenset({QuestionType.TEXT}),
    **{op: frozenset({QuestionType.VERSION}) for op in VERSION_OPERATORS},
    **{op: frozenset({QuestionType.NUMBER}) for op in NUMBER_OPERATORS},
}


def check_questionnaire(questionnaire: Questionnaire) -> Iterator[tuple[str, str]]:
    """Yield (item, message) for every cross-reference mistake."""
    yield from _duplicate_ids(questionnaire)
    earlier: dict[str, Question] = {}
    for section in questionnaire.sections:
        for question in section.questions:
            if question.show_if is not None:
                for message in _show_if_problems(question.show_if, earlier, questionnaire):
                    yield f"{question.id} > show_if", message
            earlier[question.id] = question


def _duplicate_ids(questionnaire: Questionnaire) -> Iterator[tuple[str, str]]:
    sections = [s.id for s in questionnaire.sections]
    for dup in sorted({s for s in sections if sections.count(s) > 1}):
        yield f"section '{dup}'", "duplicate section id"
    questions = [q.id for s in questionnaire.sections for q in s.questions]
    for dup in sorted({q for q in questions if questions.count(q) > 1}):
        yield dup, "duplicate question id (ids must be unique across all sections)"


def _show_if_problems(
    condition: Condition, earlier: Mapping[str, Question], questionnaire: Questionnaire
) -> Iterator[str]:
    for leaf in leaves(condition):
        if leaf.client is not None:
            yield "show_if can only test this questionnaire's own answers ('question:')"
            continue
        if leaf.operator in KNOWLEDGE_OPERATORS or leaf.client_question is not None:
            yield f"show_if cannot use the knowledge-base operator '{leaf.operator}'"
            continue
        if leaf.subject not in earlier and leaf.subject in questionnaire.questions:
            yield (
                f"show_if refers to '{leaf.subject}', which comes later; "
                "a question can only depend on questions before it"
            )
            continue
        yield from check_leaf(leaf, earlier, "question")


def check_leaf(leaf: Leaf, questions: Mapping[str, Question], kind: str) -> Iterator[str]:
    """Problems with one leaf test against the questions it may refer to."""
    question = questions.get(leaf.subject)
    if question is None:
        yield f"unknown {kind} '{leaf.subject}'{did_you_mean(leaf.subject, questions)}"
        return
    operator = leaf.operator
    if question.type not in OPERATOR_TYPES[operator]:
        allowed = ", ".join(sorted(OPERATOR_TYPES[operator]))
        yield (
            f"operator '{operator}' does not fit {kind} '{question.id}' "
            f"of type {question.type} (it works on: {allowed})"
        )
        return
    yield from _operand_problems(leaf, question, questions)


def _operand_problems(
    leaf: Leaf, question: Question, questions: Mapping[str, Question]
) -> Iterator[str]:
    operand = leaf.operand
    if leaf.operator is Operator.KB_STATUS:
        return  # statuses are checked against the knowledge base by the rule-pack checks
    entry = leaf.entry_question
    if entry is not None:
        framework = questions.get(entry)
        if framework is None or framework.type is not QuestionType.SINGLE_CHOICE:
            hint = did_you_mean(entry, questions)
            yield f"{leaf.operator} needs a single-choice question, not '{entry}'{hint}"
        if leaf.support is not None:
            for grade in leaf.support.grades:
                if grade not in GRADES:
                    yield f"'{grade}' is not a support grade ({', '.join(GRADES)})"
        return
    if leaf.client_question is not None:
        return  # the client fact is checked against the client questionnaire by the pack
    if question.type in CHOICE_TYPES:
        values = operand if isinstance(operand, tuple) else (operand,)
        for value in values:
            if value not in question.option_ids:
                hint = did_you_mean(str(value), question.option_ids)
                yield f"'{value}' is not an option of '{question.id}'{hint}"
    elif leaf.operator is Operator.EQUALS:
        yield from _equals_type_problems(operand, question)


def _equals_type_problems(operand: object, question: Question) -> Iterator[str]:
    expected: dict[QuestionType, tuple[type, ...]] = {
        QuestionType.BOOLEAN: (bool,),
        QuestionType.NUMBER: (int, float),
        QuestionType.TEXT: (str,),
    }
    types = expected.get(question.type, ())
    is_bool = isinstance(operand, bool)
    if not isinstance(operand, types) or (is_bool and question.type is not QuestionType.BOOLEAN):
        yield f"'{question.id}' is a {question.type} question; 'equals: {operand!r}' cannot match"
