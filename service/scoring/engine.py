"""The rules engine: answers and a client environment in, explainable scores out.

How a score is made (the README explains it for account leads):

1. Only answers to visible questions count (a hidden follow-up's old answer is ignored).
2. Each rule's condition is evaluated with three-valued logic. A rule that is true adds its
   points. A rule whose outcome rests on the vendor's unknown or missing answers adds its
   `if_unknown` points (by default its full points), so a vendor never scores better by not
   answering; it is a "to confirm" item, not a verified finding. A rule whose outcome rests only
   on unanswered *client* facts does not fire: those facts are the agency's gap, assumed not to
   conflict, and listed as such.
3. Rules that restate one fact share a root and are reported as one finding; rules that could
   only all fire because one single-choice answer is unknown count once (the largest).
4. Points are summed per category and each category is capped, so no single area dominates.
   Technical currency = 100 - currency points; integration risk = risk points (both 0..100).
5. Bands come from the pack's thresholds; a blocker (`min_band`) confirmed by known answers can
   only make a band worse. The verdict follows (see `service.scoring.verdict`).

Pure: plain data in, plain data out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from service.questionnaires.answers import resolve
from service.questionnaires.conditions import UNKNOWN, Fact, Source, is_known
from service.questionnaires.evaluation import FactsOf, Truth, compile_facts, compile_truth, reads_of
from service.questionnaires.schema import Questionnaire, QuestionType
from service.scoring.findings import (
    Basis,
    CategoryTotal,
    Completeness,
    DimensionScore,
    Finding,
    Score,
)
from service.scoring.knowledge import KnowledgeBase
from service.scoring.rules import (
    BANDS,
    SEVERITY_ORDER,
    Dimension,
    Rule,
    RulePack,
    Severity,
    Verdict,
)
from service.scoring.verdict import recommend

ENGINE_VERSION = "2.0.0"
Recommendation = Verdict


@dataclass(frozen=True)
class _CompiledRule:
    rule: Rule
    truth: Truth
    facts: FactsOf
    vendor_reads: tuple[str, ...]
    client_reads: tuple[str, ...]


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
        self.rules = tuple(_compile(rule, knowledge) for rule in pack.rules)
        self._declared = {d: pack.categories.of(d) for d in Dimension}
        # One value per answer: rules that hinge on its being unknown cannot all be true.
        self._single_valued = frozenset(
            q.id for q in vendor.questions.values() if q.type is not QuestionType.MULTIPLE_CHOICE
        )

    def score(self, answers: Mapping[str, Any], client: Mapping[str, Any]) -> Score:
        vendor_visible, vendor_active = resolve(self.vendor, answers)
        client_visible, client_active = resolve(self.client, client)
        outcomes = self.outcomes(vendor_active, client_active)
        findings: list[Finding] = []
        assumed: dict[str, None] = {}
        visible = frozenset(q.id for q in vendor_visible)
        for compiled, value in zip(self.rules, outcomes, strict=True):
            if value is False:
                continue
            rule = compiled.rule
            facts = _lazy_facts(compiled, vendor_active, client_active, value)
            if value is True:
                findings.append(Finding(rule, rule.points, Basis.KNOWN, facts))
                continue
            key = _unknown_vendor_answer(compiled, vendor_active, visible)
            if key is None:  # only the client's gaps: assumed, not counted
                gaps = (q for q in compiled.client_reads if not is_known(client_active.get(q)))
                assumed.update(dict.fromkeys(gaps))
            else:
                findings.append(Finding(rule, rule.unknown_points, Basis.UNKNOWN, facts, key))
        completeness = Completeness(
            vendor_known=_known(vendor_active),
            vendor_visible=len(vendor_visible),
            client_known=_known(client_active),
            client_visible=len(client_visible),
        )
        merged = _count_exclusive_unknowns_once(findings, self._single_valued)
        return self.assemble(tuple(merged), completeness, tuple(sorted(assumed)))

    def outcomes(
        self, vendor_active: Mapping[str, Any], client_active: Mapping[str, Any]
    ) -> list[bool | None]:
        """The three-valued outcome of every rule, in pack order."""
        return [compiled.truth(vendor_active, client_active) for compiled in self.rules]

    def assemble(
        self,
        findings: tuple[Finding, ...],
        completeness: Completeness,
        assumed: tuple[str, ...] = (),
    ) -> Score:
        currency = self.dimension_score(Dimension.TECHNICAL_CURRENCY, findings)
        risk = self.dimension_score(Dimension.INTEGRATION_RISK, findings)
        return Score(
            technical_currency=currency,
            integration_risk=risk,
            recommendation=recommend(self.pack, currency, risk, completeness, findings),
            completeness=completeness,
            findings=tuple(sorted(findings, key=_finding_order)),
            assumed_client_facts=assumed,
        )

    def dimension_score(self, dimension: Dimension, findings: Sequence[Finding]) -> DimensionScore:
        declared = self._declared[dimension]
        points = dict.fromkeys(declared, 0.0)
        unknown = dict.fromkeys(declared, 0.0)
        mine = [f for f in findings if f.rule.dimension is dimension]
        for finding in mine:
            category, value = finding.rule.category, finding.points
            points[category] += value
            if finding.basis is Basis.UNKNOWN:
                unknown[category] += value
        categories = tuple(CategoryTotal(n, points[n], c.cap) for n, c in declared.items())
        total = min(100.0, sum(c.capped for c in categories))
        score = round(100 - total) if dimension is Dimension.TECHNICAL_CURRENCY else round(total)
        band, blockers = self._band(dimension, score, mine)
        return DimensionScore(
            dimension=dimension,
            score=score,
            band=band,
            points=total,
            unknown_points=min(total, _unknown_share(categories, unknown)),
            categories=categories,
            blockers=blockers,
        )

    def _band(
        self, dimension: Dimension, score: int, findings: Sequence[Finding]
    ) -> tuple[str, tuple[str, ...]]:
        """The band from the score, made worse by blockers that known answers confirm."""
        order = BANDS[dimension]
        band = order[self._band_rank(dimension, score)]
        blockers = tuple(
            f.rule.id
            for f in findings
            if f.basis is Basis.KNOWN
            and f.rule.min_band is not None
            and order.index(f.rule.min_band) > order.index(band)
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


def _compile(rule: Rule, knowledge: KnowledgeBase) -> _CompiledRule:
    reads = reads_of(rule.when)
    return _CompiledRule(
        rule=rule,
        truth=compile_truth(rule.when, knowledge),
        facts=compile_facts(rule.when, knowledge),
        vendor_reads=tuple(q for source, q in reads if source is Source.VENDOR),
        client_reads=tuple(q for source, q in reads if source is Source.CLIENT),
    )


def _lazy_facts(
    compiled: _CompiledRule,
    vendor_active: Mapping[str, Any],
    client_active: Mapping[str, Any],
    value: bool | None,
) -> Callable[[], tuple[Fact, ...]]:
    return lambda: compiled.facts(vendor_active, client_active, value)


def _unknown_vendor_answer(
    compiled: _CompiledRule, vendor_active: Mapping[str, Any], visible: frozenset[str]
) -> str | None:
    """The first visible vendor question the rule could not be settled on (None: only the
    client's gaps)."""
    return next(
        (q for q in compiled.vendor_reads if q in visible and not is_known(vendor_active.get(q))),
        None,
    )


def _count_exclusive_unknowns_once(
    findings: list[Finding], single_valued: frozenset[str]
) -> list[Finding]:
    """Rules that hinge on one unknown single-valued answer cannot all be true of one value
    chosen at random; only the largest counts (the others stay listed, with no points of their
    own). The best real answer still scores no worse than not answering."""
    largest: dict[tuple[Dimension, str], Finding] = {}
    for finding in findings:
        question = finding.unknown_question
        if finding.basis is Basis.UNKNOWN and question in single_valued:
            key = (finding.rule.dimension, question)
            best = largest.get(key)
            if best is None or _points_order(finding) < _points_order(best):
                largest[key] = finding
    keep = {id(f) for f in largest.values()}
    return [
        f
        if f.basis is not Basis.UNKNOWN or f.unknown_question not in single_valued or id(f) in keep
        else f.without_points()
        for f in findings
    ]


def _points_order(finding: Finding) -> tuple[float, str]:
    return (-finding.points, finding.rule.id)


def _known(active: Mapping[str, Any]) -> int:
    return sum(1 for value in active.values() if value is not None and value != UNKNOWN)


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


__all__ = [
    "ENGINE_VERSION",
    "Basis",
    "CategoryTotal",
    "Completeness",
    "DimensionScore",
    "Engine",
    "Finding",
    "Recommendation",
    "Score",
    "Severity",
]
