"""The shipped rule pack: its own cases, and the seed example the product must get right."""

from __future__ import annotations

import pytest

from service.questionnaires.conditions import leaves
from service.scoring.cases import ResolvedCase, load_cases, run_case
from service.scoring.engine import Basis, Recommendation
from service.scoring.library import Library
from service.scoring.rules import Dimension, Severity
from tests.builders import example
from tests.repository import REPO_ROOT

ROOT = REPO_ROOT / "questionnaires"
KEY = "ai-framework@2.0"
PACKS = ("ai-framework@1.0", "ai-framework@2.0")


def shipped_cases(library: Library, key: str) -> list[ResolvedCase]:
    loaded = library.pack_for(key)
    assert loaded is not None
    return load_cases(ROOT, loaded)


@pytest.mark.parametrize("key", PACKS)
def test_every_shipped_case_passes(library: Library, key: str) -> None:
    engine = library.engine(key)
    assert engine is not None
    cases = shipped_cases(library, key)
    assert len(cases) >= 12
    failures = {c.name: run_case(engine, c).failures for c in cases}
    assert {name: f for name, f in failures.items() if f} == {}


def test_the_seed_example_comes_out_as_the_domain_says(library: Library) -> None:
    """A proprietary stack on a dedicated server vs. a Hugging Face model served from a
    standard container on the client's Kubernetes, for a retail client without dedicated
    hardware: the first is high risk and far less current."""
    engine = library.engine(KEY)
    assert engine is not None
    client = example("northwind.environment")
    open_stack = engine.score(example("openweave.answers"), client)
    closed_stack = engine.score(example("monolith.answers"), client)

    assert closed_stack.integration_risk.band == "high"
    assert open_stack.integration_risk.band == "low"
    assert closed_stack.technical_currency.band == "outdated"
    assert open_stack.technical_currency.band == "current"
    gap = open_stack.technical_currency.score - closed_stack.technical_currency.score
    assert gap >= 50
    assert open_stack.recommendation is Recommendation.RECOMMENDED
    assert closed_stack.recommendation is Recommendation.NOT_RECOMMENDED
    reasons = {f.id for f in closed_stack.top_reasons(Dimension.INTEGRATION_RISK)}
    assert "ir.hardware.dedicated_server_not_accepted" in reasons
    assert all(f.basis is Basis.KNOWN for f in closed_stack.findings)


def test_the_same_vendor_is_judged_against_each_client(library: Library) -> None:
    engine = library.engine(KEY)
    assert engine is not None
    answers = example("openweave.answers")
    gpu_kubernetes = engine.score(answers, example("northwind.environment"))
    no_gpus = engine.score(
        answers,
        {
            **example("northwind.environment"),
            "orchestration": "vms",
            "gpu_availability": "none",
            "accepts_dedicated_hardware": False,
        },
    )
    assert gpu_kubernetes.integration_risk.band == "low"
    assert no_gpus.integration_risk.band == "high"
    assert no_gpus.technical_currency == gpu_kubernetes.technical_currency


def test_every_rule_has_advice(library: Library) -> None:
    loaded = library.pack_for(KEY)
    assert loaded is not None
    for rule in loaded.pack.rules:
        assert len(rule.rationale) > 60, rule.id
        assert len(rule.recommendation) > 30, rule.id
        assert rule.follow_up, rule.id
        assert rule.severity in set(Severity)


def test_every_question_of_the_latest_version_is_scored_or_says_why_not(library: Library) -> None:
    loaded = library.pack_for(KEY)
    assert loaded is not None
    read: dict[str, set[str]] = {"vendor": set(), "client": set()}
    for rule in loaded.pack.rules:
        for leaf in leaves(rule.when):
            for source, question in leaf.reads:
                read[source.value].add(question)
    for side, questionnaire in (("vendor", loaded.vendor), ("client", loaded.client)):
        for item in questionnaire.questions.values():
            scored = item.id in read[side]
            assert scored or item.informational, f"{side} question {item.id} is unused"
            assert not (scored and item.informational), f"{item.id} is read by a rule"
