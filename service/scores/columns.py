"""The columns of a score record that follow from scoring: figures, findings, improvement
paths and the evidence used. Plain data in, plain data out (no session), so re-scoring can
compute them in worker processes (`service.scores.scoring_pool`) and get the same columns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.evidence import scoring as evidence_scoring
from service.evidence.scoring import EvidenceUse
from service.observability import metrics
from service.scores import stored_paths
from service.scoring.engine import Engine, Score
from service.scoring.paths import improvement_paths
from service.scoring.serialise import score_to_result


def scored(
    engine: Engine,
    answers: Mapping[str, Any],
    client: Mapping[str, Any],
    evidence: EvidenceUse | None = None,
) -> dict[str, Any]:
    """Score the answers (the evidenced ones when evidence applies) with improvement paths."""
    with metrics.SCORING_SECONDS.time():
        score = engine.score(answers, client)
    paths = improvement_paths(engine, answers, client, score)
    return {
        **summary(score),
        "result": score_to_result(score),
        "improvement_paths": stored_paths.dump(paths),
        "evidence": evidence_scoring.record(engine, evidence, score, client) if evidence else None,
    }


def summary(score: Score) -> dict[str, Any]:
    """The figures a list or a history note shows."""
    return {
        "technical_currency": score.technical_currency.score,
        "currency_band": score.technical_currency.band,
        "integration_risk": score.integration_risk.score,
        "risk_band": score.integration_risk.band,
        "recommendation": score.recommendation.value,
        "completeness": round(score.completeness.ratio, 4),
    }
