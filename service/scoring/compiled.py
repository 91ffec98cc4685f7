"""A rule pack prepared once for the scoring hot path.

Scoring one assessment must take a fraction of a millisecond (see `benchmarks/scoring.py`), so
everything that does not depend on the answers is worked out when the engine is built: each
rule's compiled condition, the questions it reads, and where its points go (dimension and
category as list positions, its blocker band and verdict cap as plain values); and each
questionnaire's visibility as a flat list of (question, compiled show_if). Pure: plain data in,
plain data out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from service.questionnaires.conditions import UNKNOWN, Source
from service.questionnaires.evaluation import FactsOf, Truth, compile_facts, compile_truth, reads_of
from service.questionnaires.schema import Questionnaire
from service.scoring.findings import decides_verdict
from service.scoring.knowledge import KnowledgeBase
from service.scoring.rules import BANDS, SEVERITY_ORDER, Dimension, Rule, RulePack

DIMENSIONS = (Dimension.TECHNICAL_CURRENCY, Dimension.INTEGRATION_RISK)
"""Dimensions by position: `CompiledRule.dimension` indexes this."""


@dataclass(frozen=True, slots=True)
class CompiledRule:
    rule: Rule
    truth: Truth
    facts: FactsOf
    vendor_reads: tuple[str, ...]
    client_reads: tuple[str, ...]
    dimension: int
    """Position in DIMENSIONS."""
    category: int
    """Position among the dimension's declared categories."""
    min_band: int
    """Rank of the rule's blocker band (best 0), or -1 when the rule is not a blocker."""
    decides_verdict: bool
    order: tuple[int, int]
    """How findings are listed: dimension, then most severe first."""


def compile_rules(pack: RulePack, knowledge: KnowledgeBase) -> tuple[CompiledRule, ...]:
    return tuple(_compile(rule, pack, knowledge) for rule in pack.rules)


def _compile(rule: Rule, pack: RulePack, knowledge: KnowledgeBase) -> CompiledRule:
    reads = reads_of(rule.when)
    dimension = DIMENSIONS.index(rule.dimension)
    bands = BANDS[rule.dimension]
    return CompiledRule(
        rule=rule,
        truth=compile_truth(rule.when, knowledge),
        facts=compile_facts(rule.when, knowledge),
        vendor_reads=tuple(q for source, q in reads if source is Source.VENDOR),
        client_reads=tuple(q for source, q in reads if source is Source.CLIENT),
        dimension=dimension,
        category=list(pack.categories.of(rule.dimension)).index(rule.category),
        min_band=-1 if rule.min_band is None else bands.index(rule.min_band),
        decides_verdict=decides_verdict(rule),
        order=(dimension, -SEVERITY_ORDER[rule.severity]),
    )


@dataclass(frozen=True, slots=True)
class Responses:
    """One respondent's answers as scoring sees them."""

    active: dict[str, Any]
    """The answers to visible questions (hidden follow-ups' answers do not count)."""
    visible: int
    known: int
    """Visible questions with a known answer (not unanswered, not "unknown")."""
    unsettled: frozenset[str]
    """Visible questions without a known answer."""


_NO_CLIENT: Mapping[str, Any] = {}


class Visibility:
    """A questionnaire's show_if conditions, in order, resolved in one pass (the same outcome
    as `service.questionnaires.answers.resolve`, plus the counts scoring needs)."""

    def __init__(self, questionnaire: Questionnaire) -> None:
        self._questions = tuple((q.id, q.shown_when) for q in questionnaire.questions.values())

    def responses(self, answers: Mapping[str, Any]) -> Responses:
        active: dict[str, Any] = {}
        unsettled: list[str] = []
        visible = 0
        for question, shown in self._questions:
            if shown is not None and shown(active, _NO_CLIENT) is not True:
                continue
            visible += 1
            if question in answers:
                value = active[question] = answers[question]
                if value is not None and value != UNKNOWN:
                    continue
            unsettled.append(question)
        return Responses(active, visible, visible - len(unsettled), frozenset(unsettled))
