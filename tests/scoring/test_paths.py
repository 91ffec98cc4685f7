"""Improvement paths: the smallest answer changes that move a band up."""

from __future__ import annotations

from typing import Any

from service.scoring.paths import ImprovementPath, improvement_paths
from service.scoring.rules import Dimension
from tests.scoring.fixtures import BEST, K8S_WITH_GPUS, RULES, make_engine

ENGINE = make_engine()


def paths(changes: dict[str, Any], client: dict[str, Any] = K8S_WITH_GPUS) -> list[ImprovementPath]:
    answers = {**BEST, **changes}
    return list(improvement_paths(ENGINE, answers, client, ENGINE.score(answers, client)))


def test_no_paths_when_both_bands_are_best() -> None:
    assert paths({}) == []


def test_one_change_names_every_answer_that_would_do() -> None:
    found = paths({"serving": "torchserve", "formats": ["pickle"]})  # 70: lagging
    assert len(found) >= 1
    first = found[0]
    assert (first.dimension, first.from_band, first.to_band) == (
        Dimension.TECHNICAL_CURRENCY,
        "lagging",
        "current",
    )
    serving = next(p for p in found if p.changes[0].question == "serving")
    assert serving.changes[0].current == "torchserve"
    assert serving.changes[0].options == ("vllm",)
    assert serving.resolves == ("tc.serving.limited",)
    assert serving.score_after == 90


def test_paths_only_change_vendor_answers() -> None:
    found = paths({"gpu": "required"}, client={"orchestration": "kubernetes", "gpus": False})
    risk = [p for p in found if p.dimension is Dimension.INTEGRATION_RISK]
    assert risk
    assert {c.question for p in risk for c in p.changes} == {"gpu"}
    assert risk[0].changes[0].options == ("none",)
    assert risk[0].to_band == "moderate" or risk[0].to_band == "low"


def test_an_unknown_answer_is_to_confirm_never_a_path() -> None:
    found = paths(
        {"kubernetes": "unknown", "gpu": "unknown"},
        client={"orchestration": "kubernetes", "gpus": False},
    )
    questions = {c.question for p in found for c in p.changes}
    assert not questions & {"kubernetes", "gpu"}


def test_when_no_single_change_is_enough_changes_are_combined() -> None:
    # Two blockers each force "outdated": removing either alone changes nothing.
    rules = [
        {**r, "min_band": "outdated"}
        if r["id"] in {"tc.framework.proprietary", "tc.formats.secret"}
        else r
        for r in RULES
    ]
    engine = make_engine(rules=rules)
    answers = {**BEST, "framework": "proprietary", "formats": ["secret"]}
    result = engine.score(answers, K8S_WITH_GPUS)
    assert (result.technical_currency.score, result.technical_currency.band) == (60, "outdated")
    found = improvement_paths(engine, answers, K8S_WITH_GPUS, result)
    assert len(found) == 1
    combined = found[0]
    assert (combined.from_band, combined.to_band) == ("outdated", "current")
    assert {c.question for c in combined.changes} == {"framework", "formats"}
    assert combined.resolves == ("tc.formats.secret", "tc.framework.proprietary")


def test_version_changes_use_the_knowledge_base_floor() -> None:
    found = paths({"framework_version": "2.1", "serving": "torchserve"})
    version = [c for p in found for c in p.changes if c.question == "framework_version"]
    assert version
    assert all(option >= "2.4" for option in version[0].options)
