"""The scoring engine written plainly, as the yardstick for the optimised one.

`reference_score` is the engine's documented procedure (see `service.scoring.engine`) with
nothing precomputed: show_if and rule conditions are interpreted recursively, leaf by leaf,
visibility is resolved question by question, and every total is recomputed from the findings.
`tests/scoring/test_equivalence.py` checks that the engine gives identical score records.
Keep it simple rather than fast; change it only when the scoring procedure itself changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from service.questionnaires.conditions import (
    NO_KNOWLEDGE,
    UNKNOWN,
    All,
    AnyOf,
    Condition,
    Knowledge,
    Leaf,
    Not,
    Source,
    Tri,
    is_known,
    leaves,
)
from service.questionnaires.evaluation import Truth, compile_facts, compile_truth
from service.questionnaires.schema import Questionnaire, QuestionType
from service.scoring.engine import Engine
from service.scoring.findings import (
    Basis,
    CategoryTotal,
    Completeness,
    DimensionScore,
    Finding,
    Score,
    decides_verdict,
)
from service.scoring.rules import BANDS, SEVERITY_ORDER, Dimension, Rule, RulePack, Verdict


def interpret(
    condition: Condition,
    answers: Mapping[str, Any],
    client: Mapping[str, Any],
    knowledge: Knowledge = NO_KNOWLEDGE,
) -> Tri:
    """Three-valued logic over the tree; each leaf is tested on its own."""
    if isinstance(condition, All):
        values = [interpret(c, answers, client, knowledge) for c in condition.all]
        return False if False in values else (None if None in values else True)
    if isinstance(condition, AnyOf):
        values = [interpret(c, answers, client, knowledge) for c in condition.any]
        return True if True in values else (None if None in values else False)
    if isinstance(condition, Not):
        value = interpret(condition.not_, answers, client, knowledge)
        return None if value is None else not value
    return _leaf(condition, knowledge)(answers, client)


_COMPILED: dict[tuple[str, int, int], tuple[object, object, Any]] = {}
"""Compiled leaf tests and fact listers by the identity of what they were compiled from (the
pydantic models hash by value, which is far slower than compiling once)."""


def _leaf(leaf: Leaf, knowledge: Knowledge) -> Truth:
    truth: Truth = _compiled("truth", leaf, knowledge)
    return truth


def _facts(condition: Condition, knowledge: Knowledge) -> Any:
    return _compiled("facts", condition, knowledge)


def _compiled(kind: str, condition: Condition, knowledge: Knowledge) -> Any:
    key = (kind, id(condition), id(knowledge))
    if key not in _COMPILED:
        build = compile_truth if kind == "truth" else compile_facts
        _COMPILED[key] = (condition, knowledge, build(condition, knowledge))
    return _COMPILED[key][2]


def resolve(
    questionnaire: Questionnaire, given: Mapping[str, Any]
) -> tuple[list[str], dict[str, Any]]:
    """Visible question ids and the answers that count (hidden answers do not)."""
    visible: list[str] = []
    active: dict[str, Any] = {}
    for question in questionnaire.questions.values():
        if question.show_if is None or interpret(question.show_if, active, {}) is True:
            visible.append(question.id)
            if question.id in given:
                active[question.id] = given[question.id]
    return visible, active


def reference_score(engine: Engine, answers: Mapping[str, Any], client: Mapping[str, Any]) -> Score:
    pack, knowledge = engine.pack, engine.knowledge
    vendor_visible, vendor_active = resolve(engine.vendor, answers)
    client_visible, client_active = resolve(engine.client, client)
    findings: list[Finding] = []
    assumed: set[str] = set()
    for rule in pack.rules:
        value = interpret(rule.when, vendor_active, client_active, knowledge)
        if value is False:
            continue
        facts = _facts(rule.when, knowledge)(vendor_active, client_active, value)
        if value is True:
            findings.append(Finding(rule, rule.points, Basis.KNOWN, facts))
            continue
        reads = [(leaf_source, q) for leaf in leaves(rule.when) for leaf_source, q in leaf.reads]
        question = next(
            (
                q
                for source, q in reads
                if source is Source.VENDOR
                and q in vendor_visible
                and not is_known(vendor_active.get(q))
            ),
            None,
        )
        if question is None:
            assumed.update(
                q
                for source, q in reads
                if source is Source.CLIENT and not is_known(client_active.get(q))
            )
        else:
            findings.append(Finding(rule, rule.unknown_points, Basis.UNKNOWN, facts, question))
    single = {
        q.id for q in engine.vendor.questions.values() if q.type is not QuestionType.MULTIPLE_CHOICE
    }
    findings = _exclusive_unknowns_once(findings, single)
    completeness = Completeness(
        vendor_known=_known(vendor_active),
        vendor_visible=len(vendor_visible),
        client_known=_known(client_active),
        client_visible=len(client_visible),
    )
    currency = _dimension(pack, Dimension.TECHNICAL_CURRENCY, findings)
    risk = _dimension(pack, Dimension.INTEGRATION_RISK, findings)
    return Score(
        technical_currency=currency,
        integration_risk=risk,
        recommendation=_recommend(pack, currency, risk, completeness, findings),
        completeness=completeness,
        findings=tuple(sorted(findings, key=_order)),
        assumed_client_facts=tuple(sorted(assumed)),
    )


def _known(active: Mapping[str, Any]) -> int:
    return sum(1 for value in active.values() if value is not None and value != UNKNOWN)


def _exclusive_unknowns_once(findings: list[Finding], single: set[str]) -> list[Finding]:
    """Per dimension and unknown single-valued answer, only the largest finding keeps points."""

    def rivals(finding: Finding) -> list[Finding]:
        return [
            f
            for f in findings
            if f.basis is Basis.UNKNOWN
            and f.unknown_question == finding.unknown_question
            and f.rule.dimension is finding.rule.dimension
        ]

    result = []
    for finding in findings:
        kept = finding
        if finding.basis is Basis.UNKNOWN and finding.unknown_question in single:
            largest = min(rivals(finding), key=lambda f: (-f.points, f.rule.id))
            if largest is not finding:
                kept = finding.without_points()
        result.append(kept)
    return result


def _dimension(pack: RulePack, dimension: Dimension, findings: Sequence[Finding]) -> DimensionScore:
    mine = [f for f in findings if f.rule.dimension is dimension]
    categories = []
    unknown_share = 0.0
    for name, category in pack.categories.of(dimension).items():
        points = sum((f.points for f in mine if f.rule.category == name), 0.0)
        unknown = sum(
            (f.points for f in mine if f.rule.category == name and f.basis is Basis.UNKNOWN), 0.0
        )
        total = CategoryTotal(name, points, category.cap)
        categories.append(total)
        if points and unknown:
            unknown_share += total.capped * unknown / points
    points_total = min(100.0, sum(c.capped for c in categories))
    if dimension is Dimension.TECHNICAL_CURRENCY:
        score = round(100 - points_total)
    else:
        score = round(points_total)
    order = BANDS[dimension]
    band = order[_rank(pack, dimension, score)]
    blockers = tuple(
        f.rule.id
        for f in mine
        if f.basis is Basis.KNOWN
        and f.rule.min_band is not None
        and order.index(f.rule.min_band) > order.index(band)
    )
    if blockers:
        band = order[max(order.index(str(pack.by_id[b].min_band)) for b in blockers)]
    return DimensionScore(
        dimension=dimension,
        score=score,
        band=band,
        points=points_total,
        unknown_points=min(points_total, round(unknown_share, 2)),
        categories=tuple(categories),
        blockers=blockers,
    )


def _rank(pack: RulePack, dimension: Dimension, score: int) -> int:
    if dimension is Dimension.TECHNICAL_CURRENCY:
        currency = pack.thresholds.technical_currency
        return 0 if score >= currency.current else 1 if score >= currency.lagging else 2
    risk = pack.thresholds.integration_risk
    return 0 if score <= risk.low else 1 if score <= risk.moderate else 2


def _recommend(
    pack: RulePack,
    currency: DimensionScore,
    risk: DimensionScore,
    completeness: Completeness,
    findings: Sequence[Finding],
) -> Verdict:
    known = [f for f in findings if f.basis is Basis.KNOWN]
    caps = {f.rule.verdict_at_most for f in known if f.rule.verdict_at_most is not None}
    worst = [d for d in (currency, risk) if d.band == BANDS[d.dimension][-1]]
    confirmed = any(
        d.blockers or _rank_of_points(pack, d.dimension, d.points - d.unknown_points) == 2
        for d in worst
    )
    if Verdict.NOT_RECOMMENDED in caps or confirmed:
        return Verdict.NOT_RECOMMENDED
    policy = pack.recommendation
    unverified = any(f.basis is Basis.UNKNOWN and decides_verdict(f.rule) for f in findings)
    if worst or unverified or completeness.vendor_ratio < policy.min_vendor_completeness:
        return Verdict.INSUFFICIENT_INFORMATION
    best = currency.band == BANDS[currency.dimension][0] and risk.band == BANDS[risk.dimension][0]
    if best and completeness.vendor_ratio >= policy.min_completeness and not caps:
        return Verdict.RECOMMENDED
    return Verdict.CONDITIONAL


def _rank_of_points(pack: RulePack, dimension: Dimension, points: float) -> int:
    score = round(100 - points) if dimension is Dimension.TECHNICAL_CURRENCY else round(points)
    return _rank(pack, dimension, score)


def _order(finding: Finding) -> tuple[int, int, float, str]:
    rule: Rule = finding.rule
    dimension = 0 if rule.dimension is Dimension.TECHNICAL_CURRENCY else 1
    return (dimension, -SEVERITY_ORDER[rule.severity], -finding.points, rule.id)
