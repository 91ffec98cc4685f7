"""A score as compact JSON for storage, and back. Rule texts are not copied into every record:
they live in the (immutable) rule pack the record points to."""

from __future__ import annotations

from typing import Any

from service.questionnaires.conditions import Fact, Source
from service.scoring.engine import (
    Basis,
    CategoryTotal,
    Completeness,
    DimensionScore,
    Finding,
    Recommendation,
    Score,
)
from service.scoring.rules import Dimension, RulePack


def score_to_result(score: Score) -> dict[str, Any]:
    return {
        "dimensions": {d.value: _dimension(score.dimension(d)) for d in Dimension},
        "recommendation": score.recommendation.value,
        "completeness": {
            "vendor_known": score.completeness.vendor_known,
            "vendor_visible": score.completeness.vendor_visible,
            "client_known": score.completeness.client_known,
            "client_visible": score.completeness.client_visible,
        },
        "findings": [_finding(f) for f in score.findings],
        "assumed_client_facts": list(score.assumed_client_facts),
    }


def _finding(finding: Finding) -> dict[str, Any]:
    stored: dict[str, Any] = {
        "rule": finding.rule.id,
        "points": finding.points,
        "basis": finding.basis.value,
        "facts": [[fact.source.value, fact.question, fact.value] for fact in finding.facts],
    }
    if finding.unknown_question is not None:
        stored["unknown_question"] = finding.unknown_question
    return stored


def _dimension(result: DimensionScore) -> dict[str, Any]:
    return {
        "score": result.score,
        "band": result.band,
        "points": result.points,
        "unknown_points": result.unknown_points,
        "categories": [[c.category, c.points, c.cap] for c in result.categories],
        "blockers": list(result.blockers),
    }


def score_from_result(result: dict[str, Any], pack: RulePack) -> Score:
    dimensions = result["dimensions"]
    return Score(
        technical_currency=_dimension_from(Dimension.TECHNICAL_CURRENCY, dimensions),
        integration_risk=_dimension_from(Dimension.INTEGRATION_RISK, dimensions),
        recommendation=Recommendation(result["recommendation"]),
        completeness=Completeness(**result["completeness"]),
        findings=tuple(
            Finding(
                rule=pack.by_id[item["rule"]],
                points=item["points"],
                basis=Basis(item["basis"]),
                source=tuple(Fact(Source(s), q, v) for s, q, v in item["facts"]),
                unknown_question=item.get("unknown_question"),
            )
            for item in result["findings"]
        ),
        # Records written before 2.0 have neither: nothing was assumed then.
        assumed_client_facts=tuple(result.get("assumed_client_facts", ())),
    )


def _dimension_from(dimension: Dimension, dimensions: dict[str, Any]) -> DimensionScore:
    data = dimensions[dimension.value]
    return DimensionScore(
        dimension=dimension,
        score=data["score"],
        band=data["band"],
        points=data["points"],
        unknown_points=data["unknown_points"],
        categories=tuple(CategoryTotal(c, p, cap) for c, p, cap in data["categories"]),
        blockers=tuple(data["blockers"]),
    )
