"""Expert scenarios: an ML-platform engineer's verdicts on vendor x client pairs, as data.

Each file in `scenarios/` states the answers, the client environment, the expected
recommendation and bands, and one sentence of reasoning a reviewer can check by reading the
answers. The shipped engine and the latest rule pack must agree with every one of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from service.questionnaires.answers import check_answers
from service.scoring.engine import Basis, Engine, Score
from service.scoring.library import Library
from tests.builders import example

SCENARIOS = Path(__file__).parent / "scenarios"
KEY = "ai-framework@2.0"
BASES = {"openweave": "openweave.answers", "monolith": "monolith.answers"}
CLIENT_BASES = {"northwind": "northwind.environment"}


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    reason: str
    answers: dict[str, Any]
    client: dict[str, Any]
    expect: dict[str, Any]


def _merged(base: str | None, bases: dict[str, str], changes: dict[str, Any]) -> dict[str, Any]:
    start = example(bases[base]) if base in bases else {}
    merged = {**start, **changes}
    return {key: value for key, value in merged.items() if value is not None}


@cache
def scenarios() -> tuple[Scenario, ...]:
    found = []
    for path in sorted(SCENARIOS.glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        found.append(
            Scenario(
                name=path.stem,
                title=data["title"],
                reason=data["reason"],
                answers=_merged(data.get("vendor_base"), BASES, data.get("answers") or {}),
                client=_merged(data.get("client_base"), CLIENT_BASES, data.get("client") or {}),
                expect=data["expect"],
            )
        )
    return tuple(found)


def report_text(engine: Engine, score: Score) -> str:
    """What a reader of the findings sees: titles, reasons, advice, facts and what to confirm."""
    parts: list[str] = []
    for finding in score.findings:
        if finding.basis is Basis.UNKNOWN:
            continue  # shown as the question to confirm, never as a finding
        rule = finding.rule
        parts += [rule.title, rule.rationale, rule.recommendation, *rule.follow_up]
        parts += [str(fact.value) for fact in finding.facts]
    for root in score.to_confirm():
        question = engine.vendor.questions.get(root.question or "")
        parts.append(question.label if question else str(root.question))
    return "\n".join(parts).lower()


def test_there_are_at_least_thirty_scenarios_each_with_a_reason() -> None:
    assert len(scenarios()) >= 30
    for scenario in scenarios():
        assert len(scenario.reason) > 40, scenario.name
        assert scenario.expect.get("recommendation"), scenario.name


@pytest.mark.parametrize("scenario", scenarios(), ids=lambda s: s.name)
def test_the_engine_agrees_with_the_expert(library: Library, scenario: Scenario) -> None:
    engine = library.engine(KEY)
    assert engine is not None
    assert check_answers(engine.vendor, scenario.answers) == [], "answers must be valid"
    score = engine.score(scenario.answers, scenario.client)
    got = {
        "recommendation": score.recommendation.value,
        "technical_currency": score.technical_currency.band,
        "integration_risk": score.integration_risk.band,
    }
    wanted = {key: scenario.expect[key] for key in got if key in scenario.expect}
    assert {key: got[key] for key in wanted} == wanted, scenario.reason
    text = report_text(engine, score)
    for phrase in scenario.expect.get("must_mention", ()):
        assert phrase.lower() in text, phrase
    for phrase in scenario.expect.get("must_not_mention", ()):
        assert phrase.lower() not in text, phrase
