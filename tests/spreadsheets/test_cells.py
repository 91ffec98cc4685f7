"""The pure parts: cell values both ways, conditions in words, sheet names."""

from __future__ import annotations

from typing import Any

import pytest

from service.questionnaires.catalog import Catalog
from service.questionnaires.schema import Questionnaire
from service.spreadsheets.cells import from_cell, same_answer, to_cell
from service.spreadsheets.layout import sheet_names
from service.spreadsheets.wording import allowed_answers, applies_when


@pytest.fixture(scope="module")
def questionnaire(catalog: Catalog) -> Questionnaire:
    latest = catalog.latest("ai-framework")
    assert latest is not None
    return latest.questionnaire


@pytest.mark.parametrize(
    ("question_id", "cell", "answer"),
    [
        ("framework.primary", "PyTorch", "pytorch"),
        ("framework.primary", "  pytorch ", "pytorch"),
        ("framework.primary", "PYTORCH", "pytorch"),
        ("framework.primary", "PyTorch 3", "PyTorch 3"),  # passed on for validation to refuse
        ("framework.primary", "Don't know / won't say", "unknown"),
        ("framework.primary", "unknown", "unknown"),
        ("framework.primary", "   ", None),
        ("product.model_types", "Speech and audio; llm", ["speech", "llm"]),
        (
            "product.model_types",
            "Speech and audio\nLarge language models (text generation and chat)",
            ["speech", "llm"],
        ),
        ("deployment.container_image", "Yes", True),
        ("deployment.container_image", True, True),
        ("deployment.container_image", "no", False),
        ("deployment.container_image", "maybe", "maybe"),
        ("hardware.min_gpu_memory_gb", 24.0, 24),
        ("hardware.min_gpu_memory_gb", "24", 24),
        ("hardware.min_gpu_memory_gb", "1.5", 1.5),
        ("hardware.min_gpu_memory_gb", "lots", "lots"),
        ("framework.version", "2.10", "2.10"),
        ("framework.version", 2.0, "2"),
        ("product.base_models", "Qwen\r\nLlama ", "Qwen\nLlama"),
        ("product.base_models", 42, "42"),
    ],
)
def test_from_cell(questionnaire: Questionnaire, question_id: str, cell: Any, answer: Any) -> None:
    assert from_cell(questionnaire.questions[question_id], cell) == answer


@pytest.mark.parametrize(
    ("question_id", "answer"),
    [
        ("framework.primary", "jax"),
        ("product.model_types", ["llm", "embeddings"]),
        ("deployment.container_image", False),
        ("hardware.min_gpu_memory_gb", 80),
        ("framework.version", "2.10.0"),
        ("product.base_models", "=cmd|' /C calc'!A0"),
        ("hf.model_swappable", "unknown"),
    ],
)
def test_every_answer_survives_the_round_trip(
    questionnaire: Questionnaire, question_id: str, answer: Any
) -> None:
    question = questionnaire.questions[question_id]
    assert same_answer(question, from_cell(question, to_cell(question, answer)), answer)


def test_multiple_choice_order_is_not_a_change(questionnaire: Questionnaire) -> None:
    question = questionnaire.questions["product.model_types"]
    assert same_answer(question, ["llm", "speech"], ["speech", "llm"])
    assert not same_answer(question, ["llm"], ["speech", "llm"])
    number = questionnaire.questions["hardware.min_gpu_memory_gb"]
    assert same_answer(number, 24, 24.0)
    assert not same_answer(number, True, 1)


def test_conditions_and_rules_in_words(questionnaire: Questionnaire) -> None:
    questions = questionnaire.questions
    assert applies_when(questionnaire, questions["framework.primary"]) == ""
    assert applies_when(questionnaire, questions["framework.version"]) == (
        "Only when “ML framework” is not “Proprietary or in-house framework”"
    )
    assert allowed_answers(questions["maintenance.critical_cve_patch_days"]).startswith(
        "A whole number"
    )
    assert "“;”" in allowed_answers(questions["product.model_types"])


def test_sheet_names_fit_excel() -> None:
    names = sheet_names(
        ["Inference runtime and serving stack", "Data: in/out [raw]?", "Read me", "A" * 40] * 2
    )
    assert all(len(n) <= 31 for n in names)
    assert len({n.casefold() for n in names}) == len(names)
    assert names[0] == "Inference runtime and serving…"
    assert names[1] == "Data in out raw"
    assert names[2] != "Read me"
