"""Each answer against the facts (pure): the status table, and what contradictions do to the
score: evidenced values are scored, and a contradiction is as severe as what it hid."""

from __future__ import annotations

from typing import Any

import pytest

from service.evidence import scoring as evidence_scoring
from service.evidence.crosscheck import Status, check_all
from service.evidence.facts import Fact
from service.evidence.scoring import FileRef
from service.scoring.library import Library
from tests.builders import example

ENGINE_KEY = "ai-framework@2.0"


def fact(question: str, value: Any, subject: str = "", kind: str = "requirements") -> Fact:
    return Fact(question, value, "line 1", f"{question}={value}", subject, "evidence.txt", kind)


CASES = [
    # (question, declared, facts, status, evidenced)
    (
        "hf.trust_remote_code",
        False,
        [fact("hf.trust_remote_code", True)],
        Status.CONTRADICTED,
        True,
    ),
    (
        "hf.trust_remote_code",
        "unknown",
        [fact("hf.trust_remote_code", False)],
        Status.SUGGESTED,
        False,
    ),
    (
        "hf.weight_formats",
        ["safetensors"],
        [fact("hf.weight_formats", "safetensors")],
        Status.EVIDENCED,
        ["safetensors"],
    ),
    (
        "hf.weight_formats",
        ["safetensors"],
        [fact("hf.weight_formats", "joblib_pickle")],
        Status.CONTRADICTED,
        ["joblib_pickle", "safetensors"],
    ),
    (
        "deployment.kubernetes",
        "manifests",
        [fact("deployment.kubernetes", "helm_chart")],
        Status.EVIDENCED,
        "helm_chart",
    ),
    (
        "deployment.kubernetes",
        "not_supported",
        [fact("deployment.kubernetes", "helm_chart")],
        Status.CONTRADICTED,
        "helm_chart",
    ),
    (
        "hardware.gpu",
        "not_needed",
        [fact("hardware.gpu", "required")],
        Status.CONTRADICTED,
        "required",
    ),
    (
        "hardware.gpu_vendors",
        ["nvidia"],
        [fact("hardware.gpu_vendors", "amd")],
        Status.CONTRADICTED,
        ["amd", "nvidia"],
    ),
    (
        "portability.weights_licence",
        "permissive",
        [fact("portability.weights_licence", "non_commercial")],
        Status.CONTRADICTED,
        "non_commercial",
    ),
    ("serving.stack", "kserve", [fact("serving.stack", "vllm")], Status.DECLARED, None),
    (
        "maintenance.sbom",
        "none",
        [fact("maintenance.sbom", "cyclonedx")],
        Status.CONTRADICTED,
        "cyclonedx",
    ),
    (
        "framework.primary",
        "tensorflow",
        [fact("framework.primary", "scikit_learn"), fact("framework.primary", "pytorch")],
        Status.CONTRADICTED,
        "pytorch",
    ),
    (
        "product.base_models",
        "Qwen2.5 7B Instruct",
        [fact("product.base_models", "Qwen/Qwen2.5-7B-Instruct")],
        Status.EVIDENCED,
        "Qwen/Qwen2.5-7B-Instruct",
    ),
    (
        "product.base_models",
        "Llama 3.1 8B",
        [fact("product.base_models", "Qwen/Qwen2.5-7B-Instruct")],
        Status.CONTRADICTED,
        "Qwen/Qwen2.5-7B-Instruct",
    ),
    ("hf.bring_your_own_model", True, [], Status.DECLARED, None),
]


@pytest.mark.parametrize(("question", "declared", "facts", "status", "evidenced"), CASES)
def test_status_of_one_answer(
    library: Library,
    question: str,
    declared: Any,
    facts: list[Fact],
    status: Status,
    evidenced: Any,
) -> None:
    engine = library.engine(ENGINE_KEY)
    assert engine is not None
    answers = {**example("openweave.answers"), question: declared}
    check = check_all(engine.vendor, answers, facts)[question]
    assert (check.status, check.evidenced) == (status, evidenced)


def test_versions_are_checked_against_the_pins_of_the_declared_framework(library: Library) -> None:
    engine = library.engine(ENGINE_KEY)
    assert engine is not None
    facts = [
        fact("framework.version", "1.9.1", "scikit_learn"),
        fact("framework.version", "2.1.2", "pytorch", kind="requirements"),
        fact("framework.version", "2.12.0", "pytorch", kind="poetry_lock"),
    ]
    checks = check_all(
        engine.vendor, {**example("openweave.answers"), "framework.version": "2.14"}, facts
    )
    assert checks["framework.version"].status is Status.CONTRADICTED
    assert checks["framework.version"].evidenced == "2.12.0"  # the lock file outranks requirements
    agrees = check_all(
        engine.vendor, {**example("openweave.answers"), "framework.version": "2.1"}, facts
    )
    assert (
        agrees["framework.version"].status is Status.EVIDENCED
    )  # "2.1" is less precise, not wrong


def test_a_hidden_non_commercial_licence_is_a_critical_contradiction(library: Library) -> None:
    engine = library.engine(ENGINE_KEY)
    assert engine is not None
    answers = example("openweave.answers")
    client = example("northwind.environment")
    facts = [fact("portability.weights_licence", "non_commercial", kind="model_card")]
    use = evidence_scoring.use(
        engine.vendor, answers, [FileRef("ab" * 32, "README.md", "model_card")], facts
    )
    assert use is not None
    honest = engine.score(answers, client)
    score = engine.score(use.scored_answers, client)
    assert honest.recommendation.value == "recommended"
    assert score.recommendation.value == "not_recommended"
    record = evidence_scoring.record(engine, use, score, client)
    [contradiction] = record["contradictions"]
    assert contradiction["declared"] == "permissive"
    assert contradiction["evidenced"] == "non_commercial"
    assert contradiction["severity"] in {"high", "critical"}
    assert contradiction["hidden_rules"]
    assert record["files"] == [{"sha256": "ab" * 32, "filename": "README.md", "kind": "model_card"}]


def test_no_evidence_means_no_evidence_work(library: Library) -> None:
    engine = library.engine(ENGINE_KEY)
    assert engine is not None
    assert evidence_scoring.use(engine.vendor, example("openweave.answers"), [], []) is None
