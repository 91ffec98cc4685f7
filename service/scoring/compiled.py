"""A rule pack prepared once for the scoring hot path.

Scoring one assessment must take a fraction of a millisecond (see `benchmarks/scoring.py`), so
everything that does not depend on the answers is worked out when the engine is built: each
rule's compiled condition, the questions it reads, and where its points go (dimension and
category as list positions, its blocker band and verdict cap as plain values); and each
questionnaire's visibility as a flat list of (question, compiled show_if). Pure: plain data in,
plain data out.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from service.questionnaires.conditions import UNKNOWN, Leaf, Source, Tri
from service.questionnaires.evaluation import FactsOf, Truth, compile_facts, compile_truth, reads_of
from service.questionnaires.folding import Folded, fold_client
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
    points: float
    unknown_points: float
    order: tuple[int, int]
    """How findings are listed: dimension, then most severe first (then largest, by id)."""


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
        points=rule.points,
        unknown_points=rule.unknown_points,
        order=(dimension, -SEVERITY_ORDER[rule.severity]),
    )


@dataclass(frozen=True, slots=True)
class Responses:
    """One respondent's answers as scoring sees them."""

    active: dict[str, Any]
    """The answers to visible questions (hidden follow-ups' answers do not count)."""
    hidden: frozenset[str]
    visible: int
    known: int
    """Visible questions with a known answer (not unanswered, not "unknown")."""

    def unsettled(self, question: str) -> bool:
        """Whether a question is visible without a known answer."""
        value = self.active.get(question)
        return (value is None or value == UNKNOWN) and question not in self.hidden


_NO_CLIENT: Mapping[str, Any] = {}


class Visibility:
    """A questionnaire's show_if conditions resolved in one pass: the same outcome as
    `service.questionnaires.answers.resolve`, plus the counts scoring needs.

    A show_if reads only earlier questions (the catalog checks it), so the answers to questions
    that are always shown can be taken first, in one step; the conditional ones follow in order.
    """

    def __init__(self, questionnaire: Questionnaire) -> None:
        questions = list(questionnaire.questions.values())
        self._count = len(questions)
        self._conditional: tuple[tuple[str, Truth | None], ...] = tuple(
            (q.id, q.shown_when) for q in questions if q.shown_when
        )
        self._always = tuple(q.id for q in questions if q.shown_when is None)
        if not reads_only_earlier(questionnaire):
            self._always, self._conditional = (), tuple((q.id, q.shown_when) for q in questions)

    def responses(self, answers: Mapping[str, Any]) -> Responses:
        active = {q: answers[q] for q in self._always if q in answers}
        hidden = []
        for question, shown in self._conditional:
            if shown is None or shown(active, _NO_CLIENT) is True:
                if question in answers:
                    active[question] = answers[question]
            else:
                hidden.append(question)
        values = list(active.values())
        known = len(values) - values.count(None) - values.count(UNKNOWN)
        return Responses(active, frozenset(hidden), self._count - len(hidden), known)


def reads_only_earlier(questionnaire: Questionnaire) -> bool:
    earlier: set[str] = set()
    for question in questionnaire.questions.values():
        reads = reads_of(question.show_if) if question.show_if is not None else ()
        if any(q not in earlier for _, q in reads):
            return False
        earlier.add(question.id)
    return True


@dataclass(frozen=True, slots=True)
class LiveRule:
    """A rule that can still fire for one client: its condition with the client's facts folded
    in (or whole, before the profile is folded)."""

    compiled: CompiledRule
    truth: Truth


@dataclass(frozen=True, slots=True)
class ClientPlan:
    """The pack for one client profile: the client's responses and the rules that can fire."""

    environment: Responses
    rules: tuple[LiveRule, ...]


class ClientPlans:
    """Plans by client profile. A profile seen once is scored with the whole pack; from its
    second assessment on, with the pack folded for it (which costs a few scores' time once).
    At most `size` profiles are kept, oldest dropped first. Safe to share between threads."""

    def __init__(
        self,
        rules: tuple[CompiledRule, ...],
        visibility: Visibility,
        knowledge: KnowledgeBase,
        size: int = 256,
    ) -> None:
        self._whole = tuple(LiveRule(compiled, compiled.truth) for compiled in rules)
        self._visibility = visibility
        self._knowledge = knowledge
        self._size = size
        self._plans: dict[Hashable, ClientPlan | None] = {}
        self._leaves: dict[int, Truth] = {}
        self._lock = threading.Lock()

    def plan(self, client: Mapping[str, Any]) -> ClientPlan:
        key = profile_key(client)
        found = self._plans.get(key, _UNSEEN)
        if isinstance(found, ClientPlan):
            return found
        plan = self._fold(client) if found is None else None
        with self._lock:
            if len(self._plans) >= self._size:
                self._plans.pop(next(iter(self._plans)), None)
            self._plans[key] = plan
        return plan or ClientPlan(self._visibility.responses(client), self._whole)

    def _fold(self, client: Mapping[str, Any]) -> ClientPlan:
        # A private copy: a caller changing its lists later must not change a kept plan.
        own = {q: list(v) if isinstance(v, list) else v for q, v in client.items()}
        environment = self._visibility.responses(own)
        live = []
        for whole in self._whole:
            folded = fold_client(whole.compiled.rule.when, environment.active, self._leaf_truth)
            if folded is not False:  # False: cannot fire for this client, whatever the answers
                live.append(LiveRule(whole.compiled, _callable(folded)))
        return ClientPlan(environment, tuple(live))

    def _leaf_truth(self, leaf: Leaf) -> Truth:
        truth = self._leaves.get(id(leaf))
        if truth is None:
            truth = self._leaves[id(leaf)] = compile_truth(leaf, self._knowledge)
        return truth


_UNSEEN = object()


def profile_key(client: Mapping[str, Any]) -> Hashable:
    """A key equal only for profiles that score alike. Profiles are JSON data, whose repr
    tells every value and type apart (1, 1.0 and True differ; so do a list and a tuple)."""
    return repr(client)


def _callable(folded: Folded) -> Truth:
    if callable(folded):
        return folded
    value: Tri = folded

    def constant(answers: Mapping[str, Any], client: Mapping[str, Any]) -> Tri:
        return value

    return constant
