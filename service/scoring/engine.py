"""The rules engine: answers and a client environment in, explainable scores out.

How a score is made (the README explains it for account leads):

1. Only answers to visible questions count (a hidden follow-up's old answer is ignored).
2. Each rule's condition is evaluated with three-valued logic. A rule that is true adds its
   points; a rule whose outcome depends on unknown or missing answers adds its `if_unknown`
   points (by default its full points), so a vendor never scores better by not answering.
3. Points are summed per category and each category is capped, so no single area dominates.
4. Technical currency = 100 - currency points; integration risk = risk points (both 0..100).
5. Bands come from the pack's thresholds; a firing blocker rule (`min_band`) can only make a
   band worse. The recommendation follows from both bands and from completeness.

Pure: plain data in, plain data out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from service.questionnaires.answers import resolve
from service.questionnaires.conditions import (
    Fact,
    FactsOf,
    Truth,
    compile_facts,
    compile_truth,
    is_known,
)
from service.questionnaires.schema import Questionnaire
from service.scoring.knowledge import KnowledgeBase
from service.scoring.rules import BANDS, SEVERITY_ORDER, Dimension, Rule, RulePack, Severity

ENGINE_VERSION = "1.0.0"
TOP_REASONS = 3


class Recommendation(StrEnum):
    RECOMMENDED = "recommended"
    CONDITIONAL = "conditional"
    NOT_RECOMMENDED = "not_recommended"


class Basis(StrEnum):
    KNOWN = "known"
    """The rule fired on answers that are known."""
    UNKNOWN = "unknown"
    """The outcome rests on unknown or missing answers: unverified."""


@dataclass(frozen=True)
class Finding:
    rule: Rule
    points: float
    basis: Basis
    facts: tuple[Fact, ...]

    @property
    def id(self) -> str:
        return self.rule.id


@dataclass(frozen=True)
class CategoryTotal:
    category: str
    points: float
    cap: float

    @property
    def capped(self) -> float:
        return min(self.points, self.cap)


@dataclass(frozen=True)
class DimensionScore:
    dimension: Dimension
    score: int
    band: str
    points: float
    """Points after category caps."""
    unknown_points: float
    """Of those, how many came from rules that rest on unknown answers."""
    categories: tuple[CategoryTotal, ...]
    blockers: tuple[str, ...]
    """Rules whose `min_band` made the band worse than the score alone."""


@dataclass(frozen=True)
class Completeness:
    vendor_known: int
    vendor_visible: int
    client_known: int
    client_visible: int

    @property
    def ratio(self) -> float:
        total = self.vendor_visible + self.client_visible
        return 1.0 if total == 0 else (self.vendor_known + self.client_known) / total


@dataclass(frozen=True)
class Score:
    technical_currency: DimensionScore
    integration_risk: DimensionScore
    recommendation: Recommendation
    completeness: Completeness
    findings: tuple[Finding, ...]

    def dimension(self, dimension: Dimension) -> DimensionScore:
        if dimension is Dimension.TECHNICAL_CURRENCY:
            return self.technical_currency
        return self.integration_risk

    def top_reasons(self, dimension: Dimension, limit: int = TOP_REASONS) -> list[Finding]:
        """The findings contributing most to a dimension, largest first."""
        mine = [f for f in self.findings if f.rule.dimension is dimension and f.points > 0]
        return sorted(mine, key=_contribution_order)[:limit]


def _contribution_order(finding: Finding) -> tuple[float, int, str]:
    return (-finding.points, -SEVERITY_ORDER[finding.rule.severity], finding.rule.id)


@dataclass(frozen=True)
class _CompiledRule:
    rule: Rule
    truth: Truth
    facts: FactsOf


class Engine:
    """One rule pack compiled against one knowledge base; reusable across assessments."""

    def __init__(
        self,
        pack: RulePack,
        vendor: Questionnaire,
        client: Questionnaire,
        knowledge: KnowledgeBase,
    ) -> None:
        self.pack = pack
        self.vendor = vendor
        self.client = client
        self.knowledge = knowledge
        self.rules = tuple(
            _CompiledRule(r, compile_truth(r.when, knowledge), compile_facts(r.when, knowledge))
            for r in pack.rules
        )

    def score(self, answers: Mapping[str, Any], client: Mapping[str, Any]) -> Score:
        vendor_visible, vendor_active = resolve(self.vendor, answers)
        client_visible, client_active = resolve(self.client, client)
        outcomes = self.outcomes(vendor_active, client_active)
        findings = tuple(
            _finding(compiled, value, vendor_active, client_active)
            for compiled, value in zip(self.rules, outcomes, strict=True)
            if value is not False
        )
        completeness = Completeness(
            vendor_known=_known(vendor_active),
            vendor_visible=len(vendor_visible),
            client_known=_known(client_active),
            client_visible=len(client_visible),
        )
        return self.assemble(findings, completeness)

    def outcomes(
        self, vendor_active: Mapping[str, Any], client_active: Mapping[str, Any]
    ) -> list[bool | None]:
        """The three-valued outcome of every rule, in pack order."""
        return [compiled.truth(vendor_active, client_active) for compiled in self.rules]

    def assemble(self, findings: tuple[Finding, ...], completeness: Completeness) -> Score:
        currency = self.dimension_score(Dimension.TECHNICAL_CURRENCY, findings)
        risk = self.dimension_score(Dimension.INTEGRATION_RISK, findings)
        return Score(
            technical_currency=currency,
            integration_risk=risk,
            recommendation=self._recommend(currency, risk, completeness),
            completeness=completeness,
            findings=tuple(sorted(findings, key=_finding_order)),
        )

    def dimension_score(self, dimension: Dimension, findings: Sequence[Finding]) -> DimensionScore:
        declared = self.pack.categories.of(dimension)
        points = dict.fromkeys(declared, 0.0)
        unknown = dict.fromkeys(declared, 0.0)
        mine = []
        for finding in findings:
            if finding.rule.dimension is dimension:
                mine.append(finding)
                points[finding.rule.category] += finding.points
                if finding.basis is Basis.UNKNOWN:
                    unknown[finding.rule.category] += finding.points
        categories = tuple(CategoryTotal(n, points[n], c.cap) for n, c in declared.items())
        total = min(100.0, sum(c.capped for c in categories))
        score = round(100 - total) if dimension is Dimension.TECHNICAL_CURRENCY else round(total)
        band, blockers = self._band(dimension, score, mine)
        return DimensionScore(
            dimension=dimension,
            score=score,
            band=band,
            points=total,
            unknown_points=_unknown_share(categories, unknown),
            categories=categories,
            blockers=blockers,
        )

    def _band(
        self, dimension: Dimension, score: int, findings: Sequence[Finding]
    ) -> tuple[str, tuple[str, ...]]:
        order = BANDS[dimension]
        band = order[self._band_rank(dimension, score)]
        blockers = tuple(
            f.rule.id
            for f in findings
            if f.rule.min_band is not None and order.index(f.rule.min_band) > order.index(band)
        )
        if blockers:
            worst = max(order.index(str(self.pack.by_id[b].min_band)) for b in blockers)
            band = order[worst]
        return band, blockers

    def _band_rank(self, dimension: Dimension, score: int) -> int:
        if dimension is Dimension.TECHNICAL_CURRENCY:
            currency = self.pack.thresholds.technical_currency
            return 0 if score >= currency.current else 1 if score >= currency.lagging else 2
        risk = self.pack.thresholds.integration_risk
        return 0 if score <= risk.low else 1 if score <= risk.moderate else 2

    def _recommend(
        self, currency: DimensionScore, risk: DimensionScore, completeness: Completeness
    ) -> Recommendation:
        worst = (BANDS[Dimension.TECHNICAL_CURRENCY][-1], BANDS[Dimension.INTEGRATION_RISK][-1])
        if currency.band == worst[0] or risk.band == worst[1]:
            return Recommendation.NOT_RECOMMENDED
        best = (BANDS[Dimension.TECHNICAL_CURRENCY][0], BANDS[Dimension.INTEGRATION_RISK][0])
        complete = completeness.ratio >= self.pack.recommendation.min_completeness
        if (currency.band, risk.band) == best and complete:
            return Recommendation.RECOMMENDED
        return Recommendation.CONDITIONAL


def _finding(
    compiled: _CompiledRule,
    value: bool | None,
    vendor_active: Mapping[str, Any],
    client_active: Mapping[str, Any],
) -> Finding:
    rule = compiled.rule
    facts = compiled.facts(vendor_active, client_active, value)
    if value is True:
        return Finding(rule, rule.points, Basis.KNOWN, facts)
    return Finding(rule, rule.unknown_points, Basis.UNKNOWN, facts)


def _known(active: Mapping[str, Any]) -> int:
    return sum(1 for value in active.values() if is_known(value))


def _unknown_share(categories: Sequence[CategoryTotal], unknown: Mapping[str, float]) -> float:
    """Points from unknowns, after caps (a capped category keeps the same unknown share)."""
    total = sum(
        c.capped * unknown[c.category] / c.points
        for c in categories
        if c.points and unknown[c.category]
    )
    return round(total, 2)


def _finding_order(finding: Finding) -> tuple[int, int, float, str]:
    dimension = 0 if finding.rule.dimension is Dimension.TECHNICAL_CURRENCY else 1
    severity = -SEVERITY_ORDER[finding.rule.severity]
    return (dimension, severity, -finding.points, finding.rule.id)


__all__ = ["ENGINE_VERSION", "Basis", "Engine", "Finding", "Recommendation", "Score", "Severity"]
