"""Trials of an improvement-path search: scoring answer sets that differ from the
assessment's in a few answers, as `Engine.score` would, but only as far as a trial needs, and
the best case a change can reach (the bound that prunes the search)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache, partial
from operator import itemgetter
from typing import Any

from service.questionnaires.conditions import UNKNOWN
from service.questionnaires.evaluation import reads_of
from service.scoring.compiled import DIMENSIONS, CompiledRule, LiveRule, reads_only_earlier
from service.scoring.engine import Engine
from service.scoring.rules import Dimension

Trail = tuple[tuple[str, str], ...]
"""The changes a trial made, in order, as (question, repr of the value): its cache key."""


Outcome = str | bool | None
"""A rule's outcome for one answer set: False when it does not fire (or rests only on the
client's gaps), True when it fires on known answers, else the vendor question it rests on."""


@dataclass(slots=True)
class State:
    """How scoring sees one answer set: the answers that count, the hidden questions, and
    the rules' outcomes (those of one dimension, for a trial). Never changed once made (not
    frozen only because a frozen dataclass is slower to make, and a search makes thousands)."""

    active: dict[str, Any]
    hidden: frozenset[str]
    outcomes: list[Outcome]


class Evaluator:
    """Scores answer sets that differ from another in a few answers, as `Engine.score`
    would, but only as far as a trial needs (one dimension's rank, score, blockers and
    findings), re-evaluating only that dimension's rules that read a moved answer."""

    def __init__(self, engine: Engine, answers: Mapping[str, Any], client: Mapping[str, Any]):
        self.engine = engine
        plan = engine.client_plan(client)
        self.client = plan.environment.active
        self.rules: tuple[LiveRule, ...] = plan.rules
        shape = _shape_of(engine)
        self.questions = engine.vendor.questions
        self.steering, self.dependents = shape.steering, shape.dependents
        self.order, self.ordered = shape.order, shape.ordered
        self.caps, self.single_valued = shape.caps, shape.single_valued
        layout = _layout_of(self.rules)
        self.readers, self.by_dimension, self.specs = (
            layout.readers,
            layout.by_dimension,
            layout.specs,
        )
        self.pickers, self.vendor_reads = layout.pickers, layout.vendor_reads
        self.ranks = (
            partial(engine.band_rank, DIMENSIONS[0]),
            partial(engine.band_rank, DIMENSIONS[1]),
        )
        vendor = engine.vendor_responses(answers)
        active, hidden = vendor.active, vendor.hidden
        outcomes = [self._outcome(live, active, hidden) for live in self.rules]
        self.base = State(active, hidden, outcomes)
        self._totals: dict[tuple[int, tuple[Outcome, ...]], Totals] = {}
        self._best: dict[tuple[Dimension, Trail, frozenset[str]], Totals] = {}
        self._resting: dict[tuple[int, Trail], list[tuple[int, str]]] = {}

    def _outcome(
        self, live: LiveRule, active: Mapping[str, Any], hidden: frozenset[str]
    ) -> Outcome:
        """As `Engine._fired` decides, for one rule."""
        value = live.truth(active, self.client)
        if value is False or value is True:
            return value
        for question in live.compiled.vendor_reads:
            answer = active.get(question)
            if (answer is None or answer == UNKNOWN) and question not in hidden:
                return question
        return False

    def step(
        self, dimension: Dimension, parent: State, answers: Mapping[str, Any], keys: frozenset[str]
    ) -> State:
        """The state after `parent` when `answers` (all of them) differ from its answers in
        `keys` only: the dimension's rules that read a moved answer are evaluated again."""
        steering = keys & self.steering
        if steering and not self.ordered:
            vendor = self.engine.vendor_responses(answers)
            active, hidden = vendor.active, vendor.hidden
            moved = set(hidden ^ parent.hidden) | keys
            before = parent.active
            moved.update(
                q for q in active.keys() | before.keys() if active.get(q) is not before.get(q)
            )
        else:
            active, hidden, moved = dict(parent.active), parent.hidden, set(keys)
            for question in keys:  # the moved answers to questions shown before
                if question in hidden or question not in self.questions:
                    continue
                if question in answers:
                    active[question] = answers[question]
                else:
                    active.pop(question, None)
            if steering:  # then the questions that may now be shown or hidden, in order
                hidden = self._reshow(answers, steering, parent, active, moved)
        outcomes = list(parent.outcomes)
        readers = self.readers[DIMENSIONS.index(dimension)]
        affected = {i for question in moved for i in readers.get(question, ())}
        for i in sorted(affected):
            outcomes[i] = self._outcome(self.rules[i], active, hidden)
        return State(active, hidden, outcomes)

    def _reshow(
        self,
        answers: Mapping[str, Any],
        steering: frozenset[str],
        parent: State,
        active: dict[str, Any],
        moved: set[str],
    ) -> frozenset[str]:
        """Visibility of the questions that follow the moved answers, as
        `Visibility.responses` decides it (a show_if reads only earlier questions, so going in
        questionnaire order sees every answer it reads settled); updates `active` and `moved`,
        returns the hidden questions."""
        hidden = set(parent.hidden)
        following: set[str] = set()
        for question in steering:
            following.update(self.dependents.get(question, ()))
        for question in sorted(following, key=self.order.__getitem__):
            shown = self.questions[question].shown_when
            if shown is None or shown(active, _NO_CLIENT) is True:
                hidden.discard(question)
                if question in answers:
                    active[question] = answers[question]
                else:
                    active.pop(question, None)
            else:
                hidden.add(question)
                active.pop(question, None)
            was_hidden = question in parent.hidden
            if was_hidden != (question in hidden) or active.get(question) is not parent.active.get(
                question
            ):
                moved.add(question)
        return frozenset(hidden)

    def best_case(
        self, dimension: Dimension, trail: Trail, state: State, moved: frozenset[str]
    ) -> Totals:
        """The best any change of these answers can give after a trial: every rule of the
        dimension they can touch (directly or by showing or hiding a question) not firing,
        and every unknown that a touched rule may come to share (and so count once with it,
        in either's category) counting nothing. Points only add and caps and blockers only
        worsen, so no real change ranks better, or scores better."""
        key = (dimension, trail, moved)
        found = self._best.get(key)
        if found is not None:
            return found
        position = DIMENSIONS.index(dimension)
        readers = self.readers[position]
        reach = set(moved)
        for question in moved & self.steering:
            reach.update(self.dependents.get(question, ()))
        optimistic = list(state.outcomes)
        joinable = set(reach)  # unknowns a touched rule may come to rest on
        reads = self.vendor_reads
        for question in reach:
            for i in readers.get(question, ()):
                optimistic[i] = False
                joinable.update(reads[i])
        for i, outcome in self._unknowns(position, trail, state):
            if outcome in joinable:
                optimistic[i] = False  # counted once among rules that may change: maybe not
        found = self._best[key] = self.dimension(dimension, optimistic)
        return found

    def _unknowns(self, position: int, trail: Trail, state: State) -> list[tuple[int, str]]:
        """The dimension's rules resting on an unknown in this trial's state, and on which
        (remembered per trial: every question's best case after it asks)."""
        key = (position, trail)
        found = self._resting.get(key)
        if found is None:
            outcomes = state.outcomes
            found = self._resting[key] = [
                (i, outcome)
                for i in self.by_dimension[position]
                if isinstance(outcome := outcomes[i], str)
            ]
        return found

    def dimension(self, dimension: Dimension, outcomes: list[Outcome]) -> Totals:
        """Rank, number of blockers, score and fired rules of one dimension, as
        `Engine._assemble` computes them (remembered per set of outcomes)."""
        position = _POSITION[dimension]
        key = (position, self.pickers[position](outcomes))
        found = self._totals.get(key)
        if found is None:
            found = self._totals[key] = self._dimension(dimension, position, key[1])
        return found

    def _dimension(
        self, dimension: Dimension, position: int, outcomes: tuple[Outcome, ...]
    ) -> Totals:
        """`outcomes`: the dimension's rules' own, in the order of its specs."""
        caps, single_valued, specs = self.caps[position], self.single_valued, self.specs[position]
        points = [0.0] * len(caps)
        fired: list[str] = []
        blocking: list[int] = []
        contested: dict[str, list[tuple[float, str, int]]] = {}
        for j, outcome in enumerate(outcomes):
            if outcome is False:
                continue
            _, category, known, unknown, min_band, rule = specs[j]
            fired.append(rule)
            if outcome is True:
                points[category] += known
                if min_band >= 0:
                    blocking.append(min_band)
            elif outcome in single_valued:  # counted once per question: see below
                contested.setdefault(outcome, []).append((-unknown, rule, j))
            else:
                points[category] += unknown
        if contested:  # as the engine: the largest counts, added in pack order
            points = [0.0] * len(caps)
            counted = {min(group)[2] for group in contested.values()}
            for j, (_, category, known, unknown, _, _) in enumerate(specs):
                outcome = outcomes[j]
                if outcome is True:
                    points[category] += known
                elif outcome is not False and (outcome not in single_valued or j in counted):
                    points[category] += unknown
        total = min(100.0, sum([min(p, cap) for p, cap in zip(points, caps, strict=True)]))
        score = round(100 - total) if dimension is Dimension.TECHNICAL_CURRENCY else round(total)
        rank = self.ranks[position](score)
        blockers = [band for band in blocking if band > rank]
        if blockers:
            rank = max(blockers)
        return rank, len(blockers), score, frozenset(fired)


@dataclass(frozen=True)
class _Shape:
    """What an evaluator needs of the engine's questionnaire and pack, the same for every
    assessment (worked out once per engine)."""

    steering: frozenset[str]
    dependents: dict[str, frozenset[str]]
    order: dict[str, int]
    ordered: bool
    caps: tuple[tuple[float, ...], ...]
    single_valued: frozenset[str]


@lru_cache(maxsize=16)
def _shape_of(engine: Engine) -> _Shape:
    questions = engine.vendor.questions
    return _Shape(
        steering=_steering(engine),
        dependents=_dependents(engine),
        order={question: i for i, question in enumerate(questions)},
        ordered=reads_only_earlier(engine.vendor),
        caps=tuple(engine.category_caps(p) for p in range(len(DIMENSIONS))),
        single_valued=frozenset(q for q in questions if engine.single_valued(q)),
    )


@dataclass(frozen=True)
class _Layout:
    """The rules of a client plan by dimension: which read each vendor question, and how a
    trial totals them (the same for every assessment of the plan)."""

    readers: tuple[dict[str, list[int]], ...]
    by_dimension: tuple[list[int], ...]
    specs: tuple[tuple[_Spec, ...], ...]
    pickers: tuple[Callable[[list[Outcome]], tuple[Outcome, ...]], ...]
    """For each dimension, its rules' outcomes out of the plan's, as a tuple (in C)."""
    vendor_reads: tuple[tuple[str, ...], ...]


def _layout_of(rules: tuple[LiveRule, ...]) -> _Layout:
    """Remembered by the identity of the plan's rules (a plan keeps its tuple), for the few
    plans in use; a tuple collected and another made at its address is told apart by `is`."""
    kept = _LAYOUTS.get(id(rules))
    if kept is not None and kept[0] is rules:
        return kept[1]
    readers: tuple[dict[str, list[int]], ...] = tuple({} for _ in DIMENSIONS)
    by_dimension: tuple[list[int], ...] = tuple([] for _ in DIMENSIONS)
    for i, live in enumerate(rules):
        by_dimension[live.compiled.dimension].append(i)
        for question in live.compiled.vendor_reads:
            readers[live.compiled.dimension].setdefault(question, []).append(i)
    specs = tuple(tuple(_spec(i, rules[i].compiled) for i in indices) for indices in by_dimension)
    pickers = tuple(_picker(indices) for indices in by_dimension)
    reads = tuple(live.compiled.vendor_reads for live in rules)
    layout = _Layout(readers, by_dimension, specs, pickers, reads)
    if len(_LAYOUTS) >= _KEPT_LAYOUTS:
        _LAYOUTS.pop(next(iter(_LAYOUTS)), None)
    _LAYOUTS[id(rules)] = (rules, layout)
    return layout


def _picker(indices: list[int]) -> Callable[[list[Outcome]], tuple[Outcome, ...]]:
    if len(indices) > 1:
        return itemgetter(*indices)
    return lambda outcomes: tuple([outcomes[i] for i in indices])  # itemgetter(i) is no tuple


_KEPT_LAYOUTS = 64
_LAYOUTS: dict[int, tuple[tuple[LiveRule, ...], _Layout]] = {}


_NO_CLIENT: Mapping[str, Any] = {}
_POSITION = {dimension: i for i, dimension in enumerate(DIMENSIONS)}

_Spec = tuple[int, int, float, float, int, str]
"""A rule as a trial totals it: position in the plan, category, points when known and when
unknown, blocker band (-1: none), id."""


def _spec(i: int, compiled: CompiledRule) -> _Spec:
    return (
        i,
        compiled.category,
        compiled.points,
        compiled.unknown_points,
        compiled.min_band,
        compiled.rule.id,
    )


Totals = tuple[int, int, int, frozenset[str]]
"""A dimension's rank, number of blockers, score and fired rules."""


@lru_cache(maxsize=16)
def _dependents(engine: Engine) -> dict[str, frozenset[str]]:
    """For each question a show_if reads, every question whose visibility follows it
    (directly or through another conditional question)."""
    direct: dict[str, set[str]] = {}
    for conditional in engine.vendor.questions.values():
        if conditional.show_if is not None:
            for _, read in reads_of(conditional.show_if):
                direct.setdefault(read, set()).add(conditional.id)
    found: dict[str, frozenset[str]] = {}
    for start, shown in direct.items():
        reached: set[str] = set()
        frontier = list(shown)
        while frontier:
            following = frontier.pop()
            if following not in reached:
                reached.add(following)
                frontier.extend(direct.get(following, ()))
        found[start] = frozenset(reached)
    return found


@lru_cache(maxsize=16)
def _steering(engine: Engine) -> frozenset[str]:
    """Vendor questions some show_if reads: changing one may show or hide others."""
    return frozenset(
        q
        for question in engine.vendor.questions.values()
        if question.show_if is not None
        for _, q in reads_of(question.show_if)
    )
