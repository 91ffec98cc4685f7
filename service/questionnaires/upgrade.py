"""Carrying answers to another version of their questionnaire: what is kept, what is dropped.

An answer is kept when its question still exists and its value is still a valid answer to it.
Otherwise it is dropped whole, with the reason: a multiple-choice answer that lost one of its
options is not trimmed to the rest, because the shorter list would look like a complete answer
the vendor never gave. Dropped questions are simply asked again. Pure: plain data in and out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from service.questionnaires.answers import check_value
from service.questionnaires.schema import Questionnaire


@dataclass(frozen=True)
class DroppedAnswer:
    question: str
    value: Any
    reason: str


@dataclass(frozen=True)
class CarriedAnswers:
    kept: dict[str, Any]
    dropped: tuple[DroppedAnswer, ...]


def carry_answers(target: Questionnaire, answers: Mapping[str, Any]) -> CarriedAnswers:
    """The answers that stay valid in `target`, and the others with why each was dropped.

    Both come in the target's question order (removed questions last, by id): stored answers
    have no order of their own (PostgreSQL's jsonb does not keep one).
    """
    kept: dict[str, Any] = {}
    dropped: list[DroppedAnswer] = []
    for question_id in _in_order(target, answers):
        value = answers[question_id]
        reason = _why_dropped(target, question_id, value)
        if reason is None:
            kept[question_id] = value
        else:
            dropped.append(DroppedAnswer(question_id, value, reason))
    return CarriedAnswers(kept, tuple(dropped))


def _in_order(target: Questionnaire, answers: Mapping[str, Any]) -> list[str]:
    position = {question_id: index for index, question_id in enumerate(target.questions)}
    return sorted(answers, key=lambda q: (position.get(q, len(position)), q))


def _why_dropped(target: Questionnaire, question_id: str, value: Any) -> str | None:
    question = target.questions.get(question_id)
    if question is None:
        return f"{target.key} no longer asks this question"
    problem = check_value(question, value)
    return None if problem is None else f"not a valid answer in {target.key}: {problem}"
