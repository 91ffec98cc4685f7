"""The result page's view of a score (ScoreRead, as the API serves it), grouped for reading."""

from __future__ import annotations

from dataclasses import dataclass

from service.questionnaires.schema import Questionnaire
from service.scores.schemas import (
    DimensionRead,
    FindingRead,
    ImprovementPathRead,
    Reason,
    ScoreRead,
)
from service.scoring.rules import SEVERITY_ORDER, Dimension

DIMENSION_TITLES = {
    Dimension.TECHNICAL_CURRENCY: "Technical currency",
    Dimension.INTEGRATION_RISK: "Integration risk",
}
DIMENSION_HINTS = {
    Dimension.TECHNICAL_CURRENCY: "0-100, higher is better: how current the vendor's stack is.",
    Dimension.INTEGRATION_RISK: "0-100, lower is better: how hard it is to run for this client.",
}


@dataclass(frozen=True)
class DimensionView:
    key: Dimension
    title: str
    hint: str
    result: DimensionRead
    reasons: list[Reason]
    findings: list[FindingRead]
    blockers: list[str]


@dataclass(frozen=True)
class ResultView:
    score: ScoreRead
    dimensions: list[DimensionView]
    paths: list[ImprovementPathRead]
    completeness: int
    unverified: int
    questionnaire: Questionnaire


def result_view(score: ScoreRead, questionnaire: Questionnaire) -> ResultView:
    titles = {f.rule_id: f.title for f in score.findings}
    dimensions = []
    for key in Dimension:
        result = getattr(score, key.value)
        findings = sorted(
            # unverified findings are listed once per question under "To confirm"
            (f for f in score.findings if f.dimension is key and f.verified),
            key=lambda f: (-SEVERITY_ORDER[f.severity], -f.points, f.title),
        )
        dimensions.append(
            DimensionView(
                key=key,
                title=DIMENSION_TITLES[key],
                hint=DIMENSION_HINTS[key],
                result=result,
                reasons=score.top_reasons.get(key, []),
                findings=findings,
                blockers=[titles.get(rule, rule) for rule in result.blockers],
            )
        )
    return ResultView(
        score=score,
        dimensions=dimensions,
        paths=score.improvement_paths,
        completeness=round(100 * score.completeness.ratio),
        unverified=len(score.to_confirm),
        questionnaire=questionnaire,
    )
