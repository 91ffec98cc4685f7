"""Answer rules: valid values per question type, merging, visibility and completeness."""

from __future__ import annotations

from typing import Any

import pytest

from service.questionnaires.answers import (
    active_answers,
    check_answers,
    check_value,
    merge,
    missing_required,
    progress,
    visible_questions,
)
from service.questionnaires.catalog import Catalog
from service.questionnaires.schema import Question, Questionnaire
from tests.builders import example


def make_question(**fields: Any) -> Question:
    return Question.model_validate({"id": "q", "label": "Q?", "help": "Because.", **fields})


CHOICES = [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}, {"id": "c", "label": "C"}]
SINGLE = make_question(type="single_choice", options=CHOICES)
MULTIPLE = make_question(type="multiple_choice", options=CHOICES)
BOOLEAN = make_question(type="boolean")
NUMBER = make_question(type="number", minimum=0, maximum=100, integer=True)
TEXT = make_question(type="text", max_length=10)
VERSION = make_question(type="version")

VALID = [
    (SINGLE, "a"),
    (MULTIPLE, ["a", "c"]),
    (MULTIPLE, []),
    (BOOLEAN, False),
    (NUMBER, 0),
    (NUMBER, 100),
    (NUMBER, 42.0),
    (TEXT, "ten chars!"),
    (VERSION, "2.4.1"),
    (VERSION, "1.15"),
    (VERSION, "2.5.0rc1"),
]
INVALID = [
    (SINGLE, "d", "'d' is not an option; choose from: a, b, c"),
    (SINGLE, ["a"], "expected one option id as a string"),
    (SINGLE, "A", "'A' is not an option"),
    (MULTIPLE, "a", "expected a list of option ids"),
    (MULTIPLE, ["a", "x"], "'x' is not options"),
    (MULTIPLE, ["a", "a"], "the same option is listed twice"),
    (MULTIPLE, ["x", "y"], "'x', 'y' are not options"),
    (BOOLEAN, "yes", "expected true or false"),
    (BOOLEAN, 1, "expected true or false"),
    (NUMBER, "5", "expected a number"),
    (NUMBER, True, "expected a number"),
    (NUMBER, float("nan"), "expected a number"),
    (NUMBER, -1, "must be at least 0"),
    (NUMBER, 101, "must be at most 100"),
    (NUMBER, 1.5, "expected a whole number"),
    (TEXT, 5, "expected text"),
    (TEXT, "   ", "is empty; send null to clear an answer"),
    (TEXT, "eleven chars", "is 12 characters long; the limit is 10"),
    (VERSION, 2.4, "expected a version number as a string"),
    (VERSION, "latest", "'latest' is not a version number"),
    (VERSION, "1" * 60, "is not a version number"),
]


@pytest.mark.parametrize(("question", "value"), VALID)
def test_valid_answers(question: Question, value: Any) -> None:
    assert check_value(question, value) is None


@pytest.mark.parametrize(("question", "value", "message"), INVALID)
def test_invalid_answers_say_why(question: Question, value: Any, message: str) -> None:
    problem = check_value(question, value)
    assert problem is not None
    assert message in problem


@pytest.mark.parametrize("question", [SINGLE, MULTIPLE, BOOLEAN, NUMBER, TEXT, VERSION])
def test_unknown_is_valid_for_every_question(question: Question) -> None:
    assert check_value(question, "unknown") is None


def test_text_defaults_to_a_limit() -> None:
    question = make_question(type="text")
    assert check_value(question, "x" * 2000) is None
    assert "limit is 2000" in str(check_value(question, "x" * 2001))


def test_check_answers_lists_every_problem_and_suggests_ids(catalog: Catalog) -> None:
    questionnaire = _vendor(catalog)
    problems = check_answers(
        questionnaire,
        {
            "framework.primry": "pytorch",
            "serving.stack": "vlm",
            "hardware.gpu": None,
            "hf.model_swappable": "yes",
        },
    )
    by_question = {p.question: p.message for p in problems}
    assert set(by_question) == {"framework.primry", "serving.stack", "hf.model_swappable"}
    assert "did you mean 'framework.primary'" in by_question["framework.primry"]
    assert "did you mean 'vllm'" in by_question["serving.stack"]


def test_merge_sets_and_clears() -> None:
    assert merge({"a": 1, "b": 2}, {"b": None, "c": 3}) == {"a": 1, "c": 3}


def _vendor(catalog: Catalog) -> Questionnaire:
    definition = catalog.latest("ai-framework")
    assert definition is not None
    return definition.questionnaire


def test_conditional_questions_appear_as_answers_change(catalog: Catalog) -> None:
    questionnaire = _vendor(catalog)
    ids = {q.id for q in visible_questions(questionnaire, {"framework.primary": "pytorch"})}
    assert "framework.version" in ids
    assert "framework.other_name" not in ids
    ids = {q.id for q in visible_questions(questionnaire, {"framework.primary": "other"})}
    assert "framework.other_name" in ids


def test_hidden_answers_are_kept_but_inactive(catalog: Catalog) -> None:
    questionnaire = _vendor(catalog)
    answers = {"framework.primary": "proprietary", "framework.version": "2.4.1"}
    assert "framework.version" not in active_answers(questionnaire, answers)
    assert answers["framework.version"] == "2.4.1"


def test_required_questions_count_unknown_as_answered(catalog: Catalog) -> None:
    questionnaire = _vendor(catalog)
    missing = {q.id for q in missing_required(questionnaire, {"framework.primary": "unknown"})}
    assert "framework.primary" not in missing
    assert "serving.stack" in missing
    # A conditional required question is only required when it shows.
    assert "framework.other_name" not in missing
    missing = {q.id for q in missing_required(questionnaire, {"framework.primary": "other"})}
    assert "framework.other_name" in missing


def test_complete_example_answers_leave_nothing_missing(
    catalog: Catalog, examples_answers: dict[str, Any]
) -> None:
    assert check_answers(_vendor(catalog), examples_answers) == []
    assert missing_required(_vendor(catalog), examples_answers) == []


def test_progress_counts_visible_answers(catalog: Catalog) -> None:
    questionnaire = _vendor(catalog)
    result = progress(questionnaire, {"framework.primary": "pytorch", "serving.stack": "unknown"})
    assert result.answered == 2
    assert result.unknown == 1
    assert result.visible == len(visible_questions(questionnaire, {"framework.primary": "pytorch"}))
    assert 0 < result.percent < 100
    assert result.required_missing > 0


@pytest.fixture(params=["openweave.answers", "monolith.answers"])
def examples_answers(request: pytest.FixtureRequest) -> dict[str, Any]:
    return example(str(request.param))
