"""Findings as a reader sees them: one card per root cause, and the vendor questions once.

The score already groups the rules that restate one fact into root findings, within each of
the two scores. The same answers can also count in both scores ("no container images" is a
currency finding and, for a container-based client, an integration finding): such a pair rests
on exactly the same vendor answers, and is shown as one card that says it affects both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from service.scores.schemas import Evidence, FindingRead, RootFindingRead, ScoreRead
from service.scoring.findings import decides_verdict
from service.scoring.rules import BANDS, SEVERITY_ORDER, Dimension, RulePack, Severity

CONDENSED = frozenset({Severity.LOW, Severity.INFO})
"""Severities shown as table rows rather than cards."""


@dataclass(frozen=True)
class Card:
    title: str
    severity: Severity
    dimensions: tuple[Dimension, ...]
    rules: tuple[FindingRead, ...]
    """The contributing rules, largest first."""
    evidence: tuple[Evidence, ...]
    rationale: str
    requirements: tuple[str, ...]
    questions: tuple[str, ...]
    decisive: bool
    """A confirmed finding that decides the verdict or forces a band on its own."""
    limits: bool
    """A confirmed finding that keeps the verdict at "conditional" at best."""
    weight: float

    @property
    def condensed(self) -> bool:
        return self.severity in CONDENSED

    @property
    def affects(self) -> str:
        words = {Dimension.TECHNICAL_CURRENCY: "how current the stack is"}
        words[Dimension.INTEGRATION_RISK] = "the integration risk"
        return " and ".join(words[d] for d in self.dimensions)


@dataclass(frozen=True)
class QuestionGroup:
    topic: str
    questions: tuple[str, ...]


def cards(score: ScoreRead, pack: RulePack) -> list[Card]:
    """Every confirmed root finding as a card, most severe and weightiest first."""
    by_rule = {f.rule_id: f for f in score.findings if f.verified}
    forced = set(score.technical_currency.blockers) | set(score.integration_risk.blockers)
    made = [_card(root, by_rule, pack, forced) for root in score.root_findings]
    return sorted(_merge_restatements(made), key=_order)


def _card(
    root: RootFindingRead, by_rule: dict[str, FindingRead], pack: RulePack, forced: set[str]
) -> Card:
    rules = tuple(by_rule[r] for r in root.rule_ids if r in by_rule)
    decisive = any(_decides(pack, r.rule_id, r.rule_id in forced) for r in rules)
    return Card(
        # One rule says what it found more precisely than the root's general title.
        title=rules[0].title if len(rules) == 1 else root.title,
        severity=root.severity,
        dimensions=(root.dimension,),
        rules=rules,
        evidence=_unique_evidence(e for r in rules for e in r.evidence),
        rationale=rules[0].rationale if rules else "",
        requirements=unique(r.recommendation for r in rules),
        questions=unique(q for r in rules for q in r.follow_up),
        decisive=decisive,
        limits=any(_limits(pack, r.rule_id) for r in rules),
        weight=root.points,
    )


def _decides(pack: RulePack, rule_id: str, forced_band: bool) -> bool:
    """Whether the rule settles the verdict alone: it caps it at "not recommended", or it
    forced its score into the worst band."""
    rule = pack.by_id.get(rule_id)
    if rule is None:
        return False
    return decides_verdict(rule) or (forced_band and rule.min_band == BANDS[rule.dimension][-1])


def _limits(pack: RulePack, rule_id: str) -> bool:
    rule = pack.by_id.get(rule_id)
    return rule is not None and rule.verdict_at_most is not None


def _merge_restatements(made: list[Card]) -> list[Card]:
    """Pair a currency card with an integration card that rests on the same vendor answers."""
    merged: list[Card] = []
    partners: dict[frozenset[tuple[str, str]], int] = {}
    for card in made:
        key = _vendor_answers(card)
        at = partners.get(key) if key else None
        if at is not None and merged[at].dimensions != card.dimensions:
            merged[at] = _combine(merged[at], card)
            del partners[key]
            continue
        if key:
            partners.setdefault(key, len(merged))
        merged.append(card)
    return merged


def _vendor_answers(card: Card) -> frozenset[tuple[str, str]]:
    return frozenset((e.question, e.value_label) for e in card.evidence if e.source == "vendor")


def _combine(first: Card, second: Card) -> Card:
    lead, other = sorted((first, second), key=_order)
    return Card(
        title=lead.title,
        severity=lead.severity,
        dimensions=tuple(d for d in Dimension if d in first.dimensions + second.dimensions),
        rules=lead.rules + other.rules,
        evidence=_unique_evidence(lead.evidence + other.evidence),
        rationale=lead.rationale,
        requirements=unique(lead.requirements + other.requirements),
        questions=unique(lead.questions + other.questions),
        decisive=lead.decisive or other.decisive,
        limits=lead.limits or other.limits,
        weight=lead.weight + other.weight,
    )


def _order(card: Card) -> tuple[int, int, float, str]:
    return (-SEVERITY_ORDER[card.severity], not card.decisive, -card.weight, card.title)


def _unique_evidence(items: Iterable[Evidence]) -> tuple[Evidence, ...]:
    seen: dict[tuple[str, str], Evidence] = {}
    for item in items:
        seen.setdefault((item.source, item.question), item)
    return tuple(seen.values())


def vendor_questions(score: ScoreRead, made: list[Card]) -> list[QuestionGroup]:
    """The questions to send the vendor, each once: first the answers still missing, then the
    questions of each finding in the order of the findings."""
    seen: set[str] = set()
    groups = []
    missing = tuple(f"Please answer: {item.label}" for item in score.to_confirm)
    if missing:
        groups.append(QuestionGroup("Answers still missing", _first_time(missing, seen)))
    for card in made:
        fresh = _first_time(card.questions, seen)
        if fresh:
            groups.append(QuestionGroup(card.title, fresh))
    return groups


def _first_time(questions: Iterable[str], seen: set[str]) -> tuple[str, ...]:
    fresh = []
    for question in questions:
        key = _normalised(question)
        if key not in seen:
            seen.add(key)
            fresh.append(question)
    return tuple(fresh)


def unique(texts: Iterable[str]) -> tuple[str, ...]:
    """The texts in order, each once (compared without case, spacing or punctuation)."""
    return _first_time(texts, set())


def _normalised(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.casefold()).strip()
