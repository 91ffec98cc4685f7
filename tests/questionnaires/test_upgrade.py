"""Carrying answers to a new questionnaire version: kept when still valid, else dropped whole."""

from __future__ import annotations

from typing import Any

import pytest

from service.questionnaires.schema import Questionnaire
from service.questionnaires.upgrade import carry_answers

TARGET = Questionnaire.model_validate(
    {
        "slug": "demo",
        "version": "2.0",
        "title": "Demo",
        "description": "A small questionnaire for the upgrade tests.",
        "audience": "vendor",
        "sections": [
            {
                "id": "only",
                "title": "Only",
                "questions": [
                    {
                        "id": "stack.name",
                        "type": "single_choice",
                        "label": "Stack?",
                        "help": "Which stack.",
                        "options": [{"id": "vllm", "label": "vLLM"}, {"id": "tgi", "label": "T"}],
                    },
                    {
                        "id": "stack.formats",
                        "type": "multiple_choice",
                        "label": "Formats?",
                        "help": "Which formats.",
                        "options": [{"id": "onnx", "label": "O"}, {"id": "gguf", "label": "G"}],
                    },
                    {
                        "id": "stack.days",
                        "type": "number",
                        "label": "Days?",
                        "help": "How many days.",
                        "minimum": 0,
                        "maximum": 30,
                        "integer": True,
                    },
                    {"id": "stack.signed", "type": "boolean", "label": "Signed?", "help": "Yes."},
                ],
            }
        ],
    }
)


@pytest.mark.parametrize(
    ("answers", "kept", "dropped"),
    [
        pytest.param({}, {}, {}, id="nothing to carry"),
        pytest.param(
            {"stack.name": "vllm", "stack.formats": ["onnx"], "stack.days": 7},
            {"stack.name": "vllm", "stack.formats": ["onnx"], "stack.days": 7},
            {},
            id="every answer still valid",
        ),
        pytest.param(
            {"stack.name": "unknown", "stack.signed": "unknown"},
            {"stack.name": "unknown", "stack.signed": "unknown"},
            {},
            id="unknown stays an answer",
        ),
        pytest.param(
            {"stack.name": "torchserve", "stack.signed": True},
            {"stack.signed": True},
            {"stack.name": "not a valid answer in demo@2.0: 'torchserve' is not an option"},
            id="a removed option",
        ),
        pytest.param(
            {"stack.formats": ["onnx", "pickle"]},
            {},
            {"stack.formats": "not a valid answer in demo@2.0: 'pickle' is not options"},
            id="a list that lost one option is dropped whole",
        ),
        pytest.param(
            {"stack.days": 90},
            {},
            {"stack.days": "not a valid answer in demo@2.0: must be at most 30"},
            id="out of the new range",
        ),
        pytest.param(
            {"stack.days": "soon"},
            {},
            {"stack.days": "not a valid answer in demo@2.0: expected a number"},
            id="the question changed type",
        ),
        pytest.param(
            {"stack.legacy": "yes", "stack.signed": False},
            {"stack.signed": False},
            {"stack.legacy": "demo@2.0 no longer asks this question"},
            id="a removed question",
        ),
    ],
)
def test_carry_answers(
    answers: dict[str, Any], kept: dict[str, Any], dropped: dict[str, str]
) -> None:
    carried = carry_answers(TARGET, answers)
    assert carried.kept == kept
    assert {d.question for d in carried.dropped} == set(dropped)
    for item in carried.dropped:
        assert item.value == answers[item.question]
        assert item.reason.startswith(dropped[item.question]), item.reason


def test_answers_come_in_questionnaire_order_removed_questions_last() -> None:
    answers = {"stack.signed": True, "stack.old": 2, "stack.days": -1, "stack.name": "tgi"}
    carried = carry_answers(TARGET, answers)
    assert list(carried.kept) == ["stack.name", "stack.signed"]
    assert [d.question for d in carried.dropped] == ["stack.days", "stack.old"]
