"""The condition tree: every operator under true / false / unknown, and the combinators."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from service.questionnaires.conditions import Condition, Fact, Source, leaves
from service.questionnaires.evaluation import evaluate

CONDITION: TypeAdapter[Condition] = TypeAdapter(Condition)


def cond(data: dict[str, Any]) -> Condition:
    return CONDITION.validate_python(data)


def truth(
    data: dict[str, Any], answers: dict[str, Any], client: dict[str, Any] | None = None
) -> Any:
    return evaluate(cond(data), answers, client or {}).value


LEAF_CASES = [
    # (leaf, value, expected)
    ({"equals": "pytorch"}, "pytorch", True),
    ({"equals": "pytorch"}, "tensorflow", False),
    ({"equals": True}, True, True),
    ({"equals": True}, False, False),
    ({"equals": True}, 1, False),  # a number is not a boolean
    ({"equals": 1}, True, False),
    ({"equals": 24}, 24.0, True),
    ({"one_of": ["vllm", "sglang"]}, "sglang", True),
    ({"one_of": ["vllm", "sglang"]}, "tgi", False),
    ({"includes_any": ["gguf", "onnx"]}, ["safetensors", "onnx"], True),
    ({"includes_any": ["gguf", "onnx"]}, ["safetensors"], False),
    ({"includes_any": ["gguf"]}, [], False),
    ({"excludes": ["proprietary"]}, ["safetensors"], True),
    ({"excludes": ["proprietary"]}, ["safetensors", "proprietary"], False),
    ({"excludes": ["proprietary"]}, "pytorch", True),  # single choice: not among
    ({"excludes": ["proprietary"]}, "proprietary", False),
    ({"version_below": "2.0"}, "1.13.1", True),
    ({"version_below": "2.0"}, "2.0", False),
    ({"version_below": "2.10"}, "2.9.1", True),  # numeric, not string, comparison
    ({"version_at_least": "2.4"}, "2.4.0", True),
    ({"version_at_least": "2.4"}, "2.3.9", False),
    ({"lt": 10}, 9, True),
    ({"lt": 10}, 10, False),
    ({"lte": 10}, 10, True),
    ({"lte": 10}, 10.5, False),
    ({"gt": 10}, 11, True),
    ({"gt": 10}, 10, False),
    ({"gte": 10}, 10, True),
    ({"gte": 10}, 9.99, False),
]


@pytest.mark.parametrize(("operator", "value", "expected"), LEAF_CASES)
def test_leaf_on_known_answer(operator: dict[str, Any], value: Any, expected: bool) -> None:
    assert truth({"question": "q", **operator}, {"q": value}) is expected


@pytest.mark.parametrize("operator", [case[0] for case in LEAF_CASES])
@pytest.mark.parametrize("answers", [{}, {"q": "unknown"}, {"q": None}])
def test_leaf_on_unknown_or_missing_answer_is_unknown(
    operator: dict[str, Any], answers: dict[str, Any]
) -> None:
    assert truth({"question": "q", **operator}, answers) is None


@pytest.mark.parametrize(
    ("answers", "expected"),
    [({}, True), ({"q": "unknown"}, True), ({"q": "pytorch"}, False), ({"q": False}, False)],
)
def test_is_unknown_is_never_unknown(answers: dict[str, Any], expected: bool) -> None:
    assert truth({"question": "q", "is_unknown": True}, answers) is expected
    assert truth({"question": "q", "is_unknown": False}, answers) is (not expected)


def test_version_operator_on_unparseable_value_is_unknown() -> None:
    assert truth({"question": "q", "version_below": "2.0"}, {"q": "latest"}) is None


def test_number_operator_on_boolean_is_unknown() -> None:
    assert truth({"question": "q", "gt": 0}, {"q": True}) is None


def test_client_leaf_reads_the_client_environment() -> None:
    leaf = {"client": "orchestration", "equals": "kubernetes"}
    assert truth(leaf, {"orchestration": "vms"}, {"orchestration": "kubernetes"}) is True
    assert truth(leaf, {}, {"orchestration": "vms"}) is False
    assert truth(leaf, {}, {}) is None


T = {"question": "t", "equals": True}
F = {"question": "f", "equals": True}
U = {"question": "u", "equals": True}
FACTS = {"t": True, "f": False}


@pytest.mark.parametrize(
    ("children", "all_expected", "any_expected"),
    [
        ([T, T], True, True),
        ([T, F], False, True),
        ([F, F], False, False),
        ([T, U], None, True),
        ([F, U], False, None),
        ([U, U], None, None),
    ],
)
def test_all_and_any_use_three_valued_logic(
    children: list[dict[str, Any]], all_expected: Any, any_expected: Any
) -> None:
    assert truth({"all": children}, FACTS) is all_expected
    assert truth({"any": children}, FACTS) is any_expected


@pytest.mark.parametrize(("child", "expected"), [(T, False), (F, True), (U, None)])
def test_not_inverts_and_keeps_unknown(child: dict[str, Any], expected: Any) -> None:
    assert truth({"not": child}, FACTS) is expected


def test_outcome_names_the_facts_that_decided_it() -> None:
    condition = cond(
        {
            "all": [
                {"question": "hardware.gpu", "equals": "required"},
                {"client": "gpu_availability", "equals": "none"},
            ]
        }
    )
    outcome = evaluate(condition, {"hardware.gpu": "required"}, {"gpu_availability": "none"})
    assert outcome.value is True
    assert outcome.facts == (
        Fact(Source.VENDOR, "hardware.gpu", "required"),
        Fact(Source.CLIENT, "gpu_availability", "none"),
    )


def test_any_reports_only_the_children_that_made_it_true() -> None:
    condition = cond({"any": [{"question": "a", "equals": 1}, {"question": "b", "equals": 2}]})
    outcome = evaluate(condition, {"a": 0, "b": 2}, {})
    assert outcome.facts == (Fact(Source.VENDOR, "b", 2),)


def test_unknown_outcome_lists_the_unknown_fact() -> None:
    outcome = evaluate(cond({"question": "a", "equals": 1}), {"a": "unknown"}, {})
    assert outcome.value is None
    assert outcome.facts == (Fact(Source.VENDOR, "a", "unknown"),)
    assert not outcome.facts[0].known


def test_leaves_walks_the_whole_tree() -> None:
    condition = cond({"all": [T, {"not": {"any": [F, U]}}]})
    assert [leaf.subject for leaf in leaves(condition)] == ["t", "f", "u"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"question": "q"}, "exactly one operator"),
        ({"question": "q", "equals": 1, "lt": 2}, "found: equals, lt"),
        ({"equals": 1}, "exactly one of 'question' (vendor) or 'client'"),
        ({"question": "q", "client": "c", "equals": 1}, "exactly one of 'question'"),
        ({"question": "q", "version_below": 2.0}, "versions must be quoted strings"),
        ({"question": "q", "version_below": "two"}, "not a version number"),
        ({"question": "q", "one_of": []}, "at least 1 item"),
        ({"all": []}, "at least 1 item"),
        ({"question": "q", "matches": "x"}, "Extra inputs are not permitted"),
    ],
)
def test_malformed_conditions_are_rejected_with_a_reason(
    data: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        cond(data)
    assert message in str(raised.value)
