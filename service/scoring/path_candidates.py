"""The answers an improvement path may propose: candidate values for each vendor question,
and which of them a vendor could really move to (worked out once per engine)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from packaging.version import Version

from service.questionnaires.answers import check_value
from service.questionnaires.conditions import Operator, leaves, parse_version
from service.questionnaires.schema import Question, QuestionType
from service.scoring.engine import Engine

SERVING_QUESTION = "serving.stack"
MODEL_TYPES_QUESTION = "product.model_types"


def suggestible(engine: Engine, question: Question, value: Any, answers: Mapping[str, Any]) -> bool:
    """Whether an improvement path may propose this answer: never an option marked
    `suggest: false` (other, proprietary, a third-party API...), and never serving software
    that is not made for the product's kinds of model (a vision model is not sent to vLLM)."""
    if engine.vendor.questions.get(question.id) is question:
        blocked = _blocked(engine)[question.id]
    else:  # not one of the engine's own questions
        blocked = frozenset(o.id for o in question.options if not o.suggest)
    now = answers.get(question.id)
    had = set(now) if isinstance(now, list) else {now}
    chosen = set(value) if isinstance(value, list) else {value}
    if (chosen - had) & blocked:
        return False
    if question.id == SERVING_QUESTION and isinstance(value, str):
        return _serves(engine, value, answers.get(MODEL_TYPES_QUESTION))
    return True


@lru_cache(maxsize=16)
def _blocked(engine: Engine) -> dict[str, frozenset[str]]:
    """Options an improvement path never proposes, by question."""
    return {
        q.id: frozenset(o.id for o in q.options if not o.suggest)
        for q in engine.vendor.questions.values()
    }


def _serves(engine: Engine, runtime: str, model_types: Any) -> bool:
    entry = engine.knowledge.by_id.get(runtime)
    if entry is None or not entry.model_types or not isinstance(model_types, list):
        return entry is not None
    served = {m.value for m in entry.model_types}
    return {m for m in model_types if m != "other"} <= served


@lru_cache(maxsize=16)
def version_entries(engine: Engine) -> dict[str, str]:
    """Version question -> the choice question naming its knowledge-base entry."""
    found: dict[str, str] = {}
    for rule in engine.pack.rules:
        for leaf in leaves(rule.when):
            if leaf.question is not None and leaf.entry_question is not None:
                found[leaf.question] = leaf.entry_question
    return found


@lru_cache(maxsize=16)
def touched_by(engine: Engine) -> dict[str, frozenset[str]]:
    """For each vendor question, the answers a change of it can move: itself and the versions
    that follow it (moving to other software moves its version too)."""
    entries = version_entries(engine)
    return {
        question: frozenset((question, *(v for v, entry in entries.items() if entry == question)))
        for question in engine.vendor.questions
    }


def candidate_values(engine: Engine) -> dict[str, tuple[Any, ...]]:
    """For every vendor question, the answers worth trying (worked out once per engine)."""
    return dict(_candidate_values(engine))


@lru_cache(maxsize=16)
def _candidate_values(engine: Engine) -> dict[str, tuple[Any, ...]]:
    versions = _versions_of_interest(engine)
    numbers = _numbers_of_interest(engine)
    candidates: dict[str, tuple[Any, ...]] = {}
    for question in engine.vendor.questions.values():
        values = _values_for(question, versions, numbers.get(question.id, ()))
        valid = tuple(v for v in values if check_value(question, v) is None)
        if valid:
            candidates[question.id] = valid
    return candidates


def _values_for(
    question: Question, versions: tuple[str, ...], numbers: tuple[float, ...]
) -> tuple[Any, ...]:
    kind = question.type
    if kind is QuestionType.SINGLE_CHOICE:
        return tuple(o.id for o in question.options)
    if kind is QuestionType.BOOLEAN:
        return (True, False)
    if kind is QuestionType.MULTIPLE_CHOICE:
        # One option each, and all but one: enough to add or drop the option a rule reads.
        ids = [o.id for o in question.options]
        return tuple([[o] for o in ids] + [[x for x in ids if x != o] for o in ids])
    if kind is QuestionType.VERSION:
        return versions
    if kind is QuestionType.NUMBER:
        return tuple(int(n) if question.integer else n for n in numbers)
    return ()


def _versions_of_interest(engine: Engine) -> tuple[str, ...]:
    found: set[str] = set()
    for entry in engine.knowledge.entries:
        found.update(v for v in (entry.latest, entry.supported_from) if v and parse_version(v))
    for rule in engine.pack.rules:
        for leaf in leaves(rule.when):
            if leaf.operator in (Operator.VERSION_AT_LEAST, Operator.VERSION_BELOW):
                found.add(str(leaf.operand))
    return tuple(sorted(found, key=lambda v: (parse_version(v) or Version("0"), v)))


def _numbers_of_interest(engine: Engine) -> dict[str, tuple[float, ...]]:
    found: dict[str, set[float]] = {}
    for rule in engine.pack.rules:
        for leaf in leaves(rule.when):
            if leaf.question is not None and leaf.operator in _NUMBER_STEPS:
                bound = float(leaf.operand)
                found.setdefault(leaf.question, set()).update(
                    bound + step for step in _NUMBER_STEPS[leaf.operator]
                )
    return {question: tuple(sorted(values)) for question, values in found.items()}


_NUMBER_STEPS = {
    Operator.LT: (0.0, -1.0),
    Operator.LTE: (0.0, 1.0),
    Operator.GT: (0.0, 1.0),
    Operator.GTE: (0.0, -1.0),
}
