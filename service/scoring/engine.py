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

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from service.questionnaires.conditions import is_known
from service.questionnaires.schema import Questionnaire, QuestionType
from service.scoring.compiled import (
    DIMENSIONS,
    ClientPlan,
    ClientPlans,
    CompiledRule,
    Responses,
    Visibility,
    compile_rules,
)
from service.scoring.findings import (
    Basis,
    CategoryTotal,
    Completeness,
    DimensionScore,
    Finding,
    Score,
)
from service.scoring.knowledge import KnowledgeBase
from service.scoring.rules import BANDS, Dimension, RulePack, Severity, Verdict
from service.scoring.verdict import recommend

ENGINE_VERSION = "2.0.0"
Recommendation = Verdict

_KNOWN, _UNKNOWN = Basis.KNOWN, Basis.UNKNOWN  # a module global is read faster than an enum member
_Fired = tuple[Finding, CompiledRule]
"""A finding and its rule as compiled (where its points go)."""
_Totals = tuple[list[float], list[float], list[CompiledRule]]
"""One dimension's points per category, of which from unknowns, and its known blockers."""


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
        self.rules = compile_rules(pack, knowledge)
        self._by_rule = {compiled.rule.id: compiled for compiled in self.rules}
        self._vendor_visibility = Visibility(vendor)
        self._plans = ClientPlans(self.rules, Visibility(client), knowledge)
        self._declared = tuple(tuple(pack.categories.of(d).items()) for d in DIMENSIONS)
        # One value per answer: rules that hinge on its being unknown cannot all be true.
        self._single_valued = frozenset(
            q.id for q in vendor.questions.values() if q.type is not QuestionType.MULTIPLE_CHOICE
        )

    def score(self, answers: Mapping[str, Any], client: Mapping[str, Any]) -> Score:
        vendor = self._vendor_visibility.responses(answers)
        plan = self._plans.plan(client)
        environment = plan.environment
        fired, assumed = self._fired(vendor, plan)
        completeness = Completeness(
            vendor_known=vendor.known,
            vendor_visible=vendor.visible,
            client_known=environment.known,
            client_visible=environment.visible,
        )
        return self._assemble(fired, completeness, tuple(sorted(assumed)))

    def _fired(self, vendor: Responses, plan: ClientPlan) -> tuple[list[_Fired], set[str]]:
        """The rules that fire, in pack order, and the client facts assumed on the way."""
        answers, client = vendor.active, plan.environment.active
        fired: list[_Fired] = []
        assumed: set[str] = set()
        contested: dict[tuple[int, str], list[int]] = {}
        for live in plan.rules:
            value = live.truth(answers, client)
            if value is False:
                continue
            compiled = live.compiled
            facts = partial(compiled.facts, answers, client, value)
            if value is True:
                finding = Finding(compiled.rule, compiled.points, _KNOWN, facts)
                fired.append((finding, compiled))
                continue
            question = _first_unsettled(compiled.vendor_reads, vendor)
            if question is None:  # only the client's gaps: assumed, not counted
                assumed.update(q for q in compiled.client_reads if not is_known(client.get(q)))
                continue
            if question in self._single_valued:
                contested.setdefault((compiled.dimension, question), []).append(len(fired))
            points = compiled.unknown_points
            finding = Finding(compiled.rule, points, _UNKNOWN, facts, question)
            fired.append((finding, compiled))
        _count_exclusive_unknowns_once(fired, contested)
        return fired, assumed

    def vendor_responses(self, answers: Mapping[str, Any]) -> Responses:
        """The vendor's answers as scoring sees them (visible ones, with counts)."""
        return self._vendor_visibility.responses(answers)

    def client_plan(self, client: Mapping[str, Any]) -> ClientPlan:
        """The rules that can fire for a client profile (folded for it once seen before)."""
        return self._plans.plan(client)

    def single_valued(self, question: str) -> bool:
        """Whether a vendor question holds one value (rules hinging on its being unknown
        count once)."""
        return question in self._single_valued

    def category_caps(self, position: int) -> tuple[float, ...]:
        """The caps of a dimension's declared categories, in order (position in DIMENSIONS)."""
        return tuple(category.cap for _, category in self._declared[position])

    def band_rank(self, dimension: Dimension, score: int) -> int:
        """A score's band as a rank (best 0), before blockers."""
        return self._band_rank(dimension, score)

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
        fired = [(finding, self._by_rule[finding.rule.id]) for finding in findings]
        return self._assemble(fired, completeness, assumed)

    def _assemble(
        self, fired: list[_Fired], completeness: Completeness, assumed: tuple[str, ...]
    ) -> Score:
        totals = self._totals(fired)
        currency = self._dimension_score(0, totals[0])
        risk = self._dimension_score(1, totals[1])
        findings = tuple([finding for finding, _ in fired])
        ordered = sorted([(c.order, -f.points, c.rule.id, f) for f, c in fired])
        return Score(
            technical_currency=currency,
            integration_risk=risk,
            recommendation=recommend(self.pack, currency, risk, completeness, findings),
            completeness=completeness,
            findings=tuple([finding for *_, finding in ordered]),
            assumed_client_facts=assumed,
        )

    def dimension_score(self, dimension: Dimension, findings: Sequence[Finding]) -> DimensionScore:
        fired = [(finding, self._by_rule[finding.rule.id]) for finding in findings]
        position = DIMENSIONS.index(dimension)
        return self._dimension_score(position, self._totals(fired)[position])

    def _totals(self, fired: Sequence[_Fired]) -> tuple[_Totals, _Totals]:
        """Both dimensions' totals in one pass over the findings, in their order."""
        totals: list[_Totals] = [
            ([0.0] * len(declared), [0.0] * len(declared), []) for declared in self._declared
        ]
        for finding, rule in fired:
            points, unknown, blockers = totals[rule.dimension]
            points[rule.category] += finding.points
            if finding.basis is _UNKNOWN:
                unknown[rule.category] += finding.points
            elif rule.min_band >= 0:
                blockers.append(rule)
        return totals[0], totals[1]

    def _dimension_score(self, position: int, totals: _Totals) -> DimensionScore:
        dimension = DIMENSIONS[position]
        points, unknown, candidates = totals
        categories = tuple(
            CategoryTotal(name, points[i], category.cap)
            for i, (name, category) in enumerate(self._declared[position])
        )
        total = min(100.0, sum(c.capped for c in categories))
        score = round(100 - total) if dimension is Dimension.TECHNICAL_CURRENCY else round(total)
        rank = self._band_rank(dimension, score)
        # Blockers confirmed by known answers can only make the band worse.
        blockers = [c for c in candidates if c.min_band > rank]
        if blockers:
            rank = max(c.min_band for c in blockers)
        return DimensionScore(
            dimension=dimension,
            score=score,
            band=BANDS[dimension][rank],
            points=total,
            unknown_points=min(total, _unknown_share(categories, unknown)),
            categories=categories,
            blockers=tuple(c.rule.id for c in blockers),
        )

    def _band_rank(self, dimension: Dimension, score: int) -> int:
        if dimension is Dimension.TECHNICAL_CURRENCY:
            currency = self.pack.thresholds.technical_currency
            return 0 if score >= currency.current else 1 if score >= currency.lagging else 2
        risk = self.pack.thresholds.integration_risk
        return 0 if score <= risk.low else 1 if score <= risk.moderate else 2


def _first_unsettled(questions: tuple[str, ...], vendor: Responses) -> str | None:
    """The first visible vendor question the rule could not be settled on."""
    for question in questions:
        if vendor.unsettled(question):
            return question
    return None


def _count_exclusive_unknowns_once(
    fired: list[_Fired], contested: Mapping[tuple[int, str], list[int]]
) -> None:
    """Rules that hinge on one unknown single-valued answer cannot all be true of one value
    chosen at random; only the largest counts (the others stay listed, with no points of their
    own). The best real answer still scores no worse than not answering. `contested` holds the
    positions of the unknown findings per dimension and question."""
    for positions in contested.values():
        if len(positions) < 2:
            continue
        largest = min(positions, key=lambda i: (-fired[i][0].points, fired[i][0].rule.id))
        for i in positions:
            if i != largest:
                finding, compiled = fired[i]
                fired[i] = (finding.without_points(), compiled)


def _unknown_share(categories: Sequence[CategoryTotal], unknown: Sequence[float]) -> float:
    """Points from unknowns, after caps (a capped category keeps the same unknown share)."""
    total = sum(
        c.capped * unknown[i] / c.points
        for i, c in enumerate(categories)
        if c.points and unknown[i]
    )
    return round(total, 2)


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
