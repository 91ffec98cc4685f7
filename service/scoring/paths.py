"""Improvement paths: the smallest answer changes that would move a band up.

For each dimension not already in its best band, we try changing one vendor answer at a time
(every option of a choice question, both booleans, the versions and thresholds the rules and the
knowledge base care about) and keep the changes that reach the next better band. When no single
change is enough, changes are combined greedily (largest improvement first, up to three).
Only the vendor's answers change: the client's environment is what it is.

Every candidate is re-scored, so a path moves the band it claims; but a candidate changes one
or two answers, so a trial re-evaluates only the rules that read an answer whose value or
visibility moved, takes every other rule's outcome from the assessment's own, and totals only
the dimension in question (`_Evaluator`). A trial is worked out once per search, whichever
dimension or round asks for it. The results are those of scoring each candidate with
`Engine.score` (`tests/scoring/test_paths_equivalence.py` compares them with that procedure,
kept in `tests/scoring/reference_paths.py`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from packaging.version import Version

from service.questionnaires.answers import check_value, resolve
from service.questionnaires.conditions import UNKNOWN, Operator, is_known, leaves, parse_version
from service.questionnaires.evaluation import reads_of
from service.questionnaires.matching import entry_of
from service.questionnaires.schema import Question, QuestionType
from service.scoring.compiled import DIMENSIONS, CompiledRule, LiveRule, reads_only_earlier
from service.scoring.engine import Engine, Score
from service.scoring.rules import BANDS, Dimension

PRODUCT_PREFIX = "product."
SERVING_QUESTION = "serving.stack"
MODEL_TYPES_QUESTION = "product.model_types"
MAX_CHANGES = 3
PATHS_PER_DIMENSION = 3


@dataclass(frozen=True)
class Change:
    question: str
    current: Any
    """The answer now (None when unanswered)."""
    options: tuple[Any, ...]
    """Answers that would each do it, best first."""


@dataclass(frozen=True)
class ImprovementPath:
    dimension: Dimension
    from_band: str
    to_band: str
    score_before: int
    score_after: int
    changes: tuple[Change, ...]
    resolves: tuple[str, ...]
    """Rules that would stop counting against the vendor."""


Trail = tuple[tuple[str, str], ...]
"""The changes a trial made, in order, as (question, repr of the value): its cache key."""


@dataclass(frozen=True)
class _Trial:
    answers: dict[str, Any]
    trail: Trail
    state: _State
    rank: int
    blockers: int
    score: int
    findings: frozenset[str]

    def better_than(self, other: _Trial, dimension: Dimension) -> bool:
        return self.key(dimension) < other.key(dimension)

    def key(self, dimension: Dimension) -> tuple[int, int, int]:
        direction = -1 if dimension is Dimension.TECHNICAL_CURRENCY else 1
        return (self.rank, self.blockers, direction * self.score)


def improvement_paths(
    engine: Engine, answers: Mapping[str, Any], client: Mapping[str, Any], score: Score
) -> tuple[ImprovementPath, ...]:
    finder = _Finder(engine, answers, client)
    found: list[ImprovementPath] = []
    for dimension in Dimension:
        current = score.dimension(dimension)
        if current.band != BANDS[dimension][0]:
            found.extend(finder.paths(dimension, score))
    return tuple(found)


class _Finder:
    def __init__(self, engine: Engine, answers: Mapping[str, Any], client: Mapping[str, Any]):
        self.engine = engine
        self.answers = dict(answers)
        self.client = dict(client)
        self.candidates = candidate_values(engine)
        self.version_entries = _version_entries(engine)
        self.evaluator = _Evaluator(engine, self.answers, self.client)
        self._trials_made: dict[tuple[Trail, Dimension], _Trial] = {}

    def paths(self, dimension: Dimension, score: Score) -> list[ImprovementPath]:
        base = self._base(dimension)
        target = base.rank - 1
        questions = self._questions(dimension, score)
        singles = self._single_changes(dimension, questions, target)
        if singles:
            return [self._path(dimension, base, changes, trial) for changes, trial in singles]
        combined = self._greedy(dimension, questions, base, target)
        return [self._path(dimension, base, *combined)] if combined else []

    def _questions(self, dimension: Dimension, score: Score) -> list[Question]:
        """Visible vendor questions read by rules that count against this dimension."""
        visible = {q.id: q for q in resolve(self.engine.vendor, self.answers)[0]}
        read: dict[str, None] = {}
        for finding in score.findings:
            if finding.rule.dimension is dimension:
                for leaf in leaves(finding.rule.when):
                    if leaf.question is not None:
                        read.update(dict.fromkeys(leaf.subjects))
        return [
            visible[q]
            for q in read
            if q in visible and q in self.candidates and self._changeable(visible[q])
        ]

    def _changeable(self, question: Question) -> bool:
        """Facts about the product are what they are; an unknown answer is to confirm, not a
        path."""
        return not question.id.startswith(PRODUCT_PREFIX) and is_known(
            self.answers.get(question.id)
        )

    def _single_changes(
        self, dimension: Dimension, questions: list[Question], target: int
    ) -> list[tuple[tuple[Change, ...], _Trial]]:
        results: list[tuple[tuple[Change, ...], _Trial]] = []
        for question in questions:
            base = self._base(dimension)
            best_case = self.evaluator.best_case(dimension, base, self._touches(question.id))
            if best_case[0] > target:
                continue  # even dropping every rule the change can touch leaves the band
            reaching = [
                (value, trial)
                for value, trial in self._trials(dimension, self._base(dimension), question)
                if trial.rank <= target
            ]
            if reaching:
                reaching.sort(key=lambda pair: pair[1].key(dimension))
                change = Change(
                    question.id, self.answers.get(question.id), tuple(v for v, _ in reaching)
                )
                best = reaching[0][1]
                results.append(((change, *self._implied(best.answers, {question.id})), best))
        results.sort(key=lambda item: item[1].key(dimension))
        return results[:PATHS_PER_DIMENSION]

    def _greedy(
        self, dimension: Dimension, questions: list[Question], base: _Trial, target: int
    ) -> tuple[tuple[Change, ...], _Trial] | None:
        current, changes = base, []
        remaining = list(questions)
        for _ in range(MAX_CHANGES):
            best = self._best_step(dimension, current, remaining)
            if best is None:
                return None
            question, value, current = best
            remaining = [q for q in remaining if q is not question]
            changes.append(Change(question.id, self.answers.get(question.id), (value,)))
            if current.rank <= target:
                named = {c.question for c in changes}
                return (*changes, *self._implied(current.answers, named)), current
        return None

    def _trials(
        self, dimension: Dimension, after: _Trial, question: Question
    ) -> Iterator[tuple[Any, _Trial]]:
        answers = after.answers
        now = answers.get(question.id)
        for value in self._targets(question, answers):
            if value != now:
                step = (*after.trail, (question.id, repr(value)))
                found = self._trials_made.get((step, dimension))
                if found is None:
                    moved, keys = self._moved(answers, question.id, value)
                    state = self.evaluator.step(dimension, after.state, moved, keys)
                    found = self._trial(dimension, moved, step, state)
                yield value, found

    def _best_step(
        self, dimension: Dimension, current: _Trial, remaining: list[Question]
    ) -> tuple[Question, Any, _Trial] | None:
        """The change a plain search would take: of the trials better than `current`, the one
        with the best key, the first in question and value order on a tie. Questions are
        tried most promising first (by their best case, which no change of them can beat),
        so that once a good change is found the others are mostly skipped unseen."""
        direction = -1 if dimension is Dimension.TECHNICAL_CURRENCY else 1
        ranked: list[tuple[tuple[int, int, int], int, Question]] = []
        for index, question in enumerate(remaining):
            rank, _, score, _ = self.evaluator.best_case(
                dimension, current, self._touches(question.id)
            )
            ranked.append(((rank, 0, direction * score), index, question))
        ranked.sort(key=lambda item: (item[0], item[1]))
        beat = current.key(dimension)
        best: tuple[tuple[int, int, int], tuple[int, int], Question, Any, _Trial] | None = None
        for bound, index, question in ranked:
            if best is None and not bound < beat:
                continue
            if best is not None and not (
                bound < best[0] or (bound == best[0] and index < best[1][0])
            ):
                continue
            for order, (value, trial) in enumerate(self._trials(dimension, current, question)):
                key, position = trial.key(dimension), (index, order)
                if key < beat and (best is None or (key, position) < best[:2]):
                    best = (key, position, question, value, trial)
        return None if best is None else best[2:]

    def _touches(self, question: str) -> frozenset[str]:
        """The answers a change of this question can move: itself and its version."""
        return frozenset(
            (question, *(v for v, entry in self.version_entries.items() if entry == question))
        )

    def _implied(self, moved: Mapping[str, Any], named: set[str]) -> tuple[Change, ...]:
        """Answers a change carried with it (the new software's version), stated as changes."""
        return tuple(
            Change(q, self.answers.get(q), (moved.get(q),))
            for q in self.version_entries
            if q not in named and moved.get(q) != self.answers.get(q) and q in moved
        )

    def _moved(
        self, answers: Mapping[str, Any], question: str, value: Any
    ) -> tuple[dict[str, Any], frozenset[str]]:
        """The answers after one change, and which of them it moved; moving to other software
        means its latest version."""
        moved = {**answers, question: value}
        keys = {question}
        for version_question, entry_question in self.version_entries.items():
            if entry_question == question and version_question in moved:
                keys.add(version_question)
                entry = self.engine.knowledge.by_id.get(str(value))
                if entry is not None and entry.latest and parse_version(entry.latest):
                    moved[version_question] = entry.latest
                else:
                    moved.pop(version_question)
        return moved, frozenset(keys)

    def _targets(self, question: Question, answers: Mapping[str, Any]) -> Iterator[Any]:
        """The candidate answers a vendor could really move to (see `suggestible`)."""
        values = self.candidates[question.id]
        if question.id in self.version_entries:
            values = self._newer_versions(question.id, answers)
        for value in values:
            if suggestible(self.engine, question, value, answers):
                yield value

    def _newer_versions(self, question: str, answers: Mapping[str, Any]) -> tuple[str, ...]:
        """Only the same project's own supported versions, and only upgrades."""
        entry_id = entry_of(answers, self.version_entries[question], self.engine.knowledge)
        entry = self.engine.knowledge.by_id.get(entry_id) if entry_id else None
        current = parse_version(str(answers.get(question)))
        if entry is None or current is None:
            return ()
        offered = {v for v in (entry.supported_from, entry.latest) if v and parse_version(v)}
        return tuple(v for v in sorted(offered) if (parse_version(v) or current) > current)

    def _base(self, dimension: Dimension) -> _Trial:
        found = self._trials_made.get(((), dimension))
        if found is None:
            found = self._trial(dimension, self.answers, (), self.evaluator.base)
        return found

    def _trial(
        self, dimension: Dimension, answers: dict[str, Any], trail: Trail, state: _State
    ) -> _Trial:
        """Re-scored answers (only what changed), so a path moves the band it claims to."""
        rank, blockers, score, findings = self.evaluator.dimension(dimension, state.outcomes)
        trial = _Trial(answers, trail, state, rank, blockers, score, findings)
        self._trials_made[(trail, dimension)] = trial
        return trial

    def _path(
        self, dimension: Dimension, base: _Trial, changes: tuple[Change, ...], trial: _Trial
    ) -> ImprovementPath:
        return ImprovementPath(
            dimension=dimension,
            from_band=BANDS[dimension][base.rank],
            to_band=BANDS[dimension][trial.rank],
            score_before=base.score,
            score_after=trial.score,
            changes=changes,
            resolves=tuple(sorted(base.findings - trial.findings)),
        )


_Outcome = str | bool | None
"""A rule's outcome for one answer set: False when it does not fire (or rests only on the
client's gaps), True when it fires on known answers, else the vendor question it rests on."""


@dataclass(frozen=True)
class _State:
    """How scoring sees one answer set: the answers that count, the hidden questions, and
    the rules' outcomes (those of one dimension, for a trial)."""

    active: dict[str, Any]
    hidden: frozenset[str]
    outcomes: list[_Outcome]


class _Evaluator:
    """Scores answer sets that differ from another in a few answers, as `Engine.score`
    would, but only as far as a trial needs (one dimension's rank, score, blockers and
    findings), re-evaluating only that dimension's rules that read a moved answer."""

    def __init__(self, engine: Engine, answers: Mapping[str, Any], client: Mapping[str, Any]):
        self.engine = engine
        plan = engine.client_plan(client)
        self.client = plan.environment.active
        self.rules: tuple[LiveRule, ...] = plan.rules
        self.questions = engine.vendor.questions
        self.steering = _steering(engine)
        self.dependents = _dependents(engine)
        self.order = {question: i for i, question in enumerate(self.questions)}
        self.ordered = reads_only_earlier(engine.vendor)
        self.readers: tuple[dict[str, list[int]], ...] = tuple({} for _ in DIMENSIONS)
        self.by_dimension: tuple[list[int], ...] = tuple([] for _ in DIMENSIONS)
        for i, live in enumerate(self.rules):
            self.by_dimension[live.compiled.dimension].append(i)
            for question in live.compiled.vendor_reads:
                self.readers[live.compiled.dimension].setdefault(question, []).append(i)
        vendor = engine.vendor_responses(answers)
        active, hidden = vendor.active, vendor.hidden
        outcomes = [self._outcome(live, active, hidden) for live in self.rules]
        self.base = _State(active, hidden, outcomes)
        self.caps = tuple(engine.category_caps(p) for p in range(len(DIMENSIONS)))
        self.single_valued = frozenset(q for q in self.questions if engine.single_valued(q))
        self.specs: tuple[tuple[_Spec, ...], ...] = tuple(
            tuple(_spec(i, self.rules[i].compiled) for i in indices)
            for indices in self.by_dimension
        )
        self._totals: dict[tuple[int, tuple[_Outcome, ...]], _Totals] = {}
        self._best: dict[tuple[Dimension, Trail, frozenset[str]], _Totals] = {}

    def _outcome(
        self, live: LiveRule, active: Mapping[str, Any], hidden: frozenset[str]
    ) -> _Outcome:
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
        self, dimension: Dimension, parent: _State, answers: Mapping[str, Any], keys: frozenset[str]
    ) -> _State:
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
        return _State(active, hidden, outcomes)

    def _reshow(
        self,
        answers: Mapping[str, Any],
        steering: frozenset[str],
        parent: _State,
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

    def best_case(self, dimension: Dimension, after: _Trial, moved: frozenset[str]) -> _Totals:
        """The best any change of these answers can give after a trial: every rule of the
        dimension they can touch (directly or by showing or hiding a question) not firing,
        and every unknown that a touched rule may come to share (and so count once with it,
        in either's category) counting nothing. Points only add and caps and blockers only
        worsen, so no real change ranks better, or scores better."""
        key = (dimension, after.trail, moved)
        found = self._best.get(key)
        if found is not None:
            return found
        position = DIMENSIONS.index(dimension)
        readers = self.readers[position]
        reach = set(moved)
        for question in moved & self.steering:
            reach.update(self.dependents.get(question, ()))
        optimistic = list(after.state.outcomes)
        joinable = set(reach)  # unknowns a touched rule may come to rest on
        for question in reach:
            for i in readers.get(question, ()):
                optimistic[i] = False
                joinable.update(self.rules[i].compiled.vendor_reads)
        for i in self.by_dimension[position]:
            outcome = optimistic[i]
            if isinstance(outcome, str) and outcome in joinable:
                optimistic[i] = False  # counted once among rules that may change: maybe not
        found = self._best[key] = self.dimension(dimension, optimistic)
        return found

    def dimension(self, dimension: Dimension, outcomes: list[_Outcome]) -> _Totals:
        """Rank, number of blockers, score and fired rules of one dimension, as
        `Engine._assemble` computes them (remembered per set of outcomes)."""
        position = DIMENSIONS.index(dimension)
        key = (position, tuple([outcomes[i] for i in self.by_dimension[position]]))
        found = self._totals.get(key)
        if found is None:
            found = self._totals[key] = self._dimension(dimension, position, outcomes)
        return found

    def _dimension(self, dimension: Dimension, position: int, outcomes: list[_Outcome]) -> _Totals:
        caps = self.caps[position]
        points = [0.0] * len(caps)
        fired: list[str] = []
        blocking: list[int] = []
        contested: dict[str, list[tuple[float, str, int]]] = {}
        for i, category, known, unknown, min_band, rule in self.specs[position]:
            outcome = outcomes[i]
            if outcome is False:
                continue
            fired.append(rule)
            if outcome is True:
                points[category] += known
                if min_band >= 0:
                    blocking.append(min_band)
            elif outcome in self.single_valued:  # counted once per question: see below
                contested.setdefault(outcome, []).append((-unknown, rule, i))
            else:
                points[category] += unknown
        if contested:  # as the engine: the largest counts, added in pack order
            points = [0.0] * len(caps)
            counted = {min(group)[2] for group in contested.values()}
            for i, category, known, unknown, _, _ in self.specs[position]:
                outcome = outcomes[i]
                if outcome is True:
                    points[category] += known
                elif outcome is not False and (outcome not in self.single_valued or i in counted):
                    points[category] += unknown
        total = min(100.0, sum([min(p, cap) for p, cap in zip(points, caps, strict=True)]))
        score = round(100 - total) if dimension is Dimension.TECHNICAL_CURRENCY else round(total)
        rank = self.engine.band_rank(dimension, score)
        blockers = [band for band in blocking if band > rank]
        if blockers:
            rank = max(blockers)
        return rank, len(blockers), score, frozenset(fired)


_NO_CLIENT: Mapping[str, Any] = {}

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


_Totals = tuple[int, int, int, frozenset[str]]
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


def suggestible(engine: Engine, question: Question, value: Any, answers: Mapping[str, Any]) -> bool:
    """Whether an improvement path may propose this answer: never an option marked
    `suggest: false` (other, proprietary, a third-party API...), and never serving software
    that is not made for the product's kinds of model (a vision model is not sent to vLLM)."""
    if engine.vendor.questions.get(question.id) is question:
        blocked = _blocked(engine)[question.id]
    else:  # not one of the engine's own questions
        blocked = frozenset(o.id for o in question.options if not o.suggest)
    now = answers.get(question.id)
    had = set(now) if isinstance(now, list) else {now}
    chosen = set(value) if isinstance(value, list) else {value}
    if (chosen - had) & blocked:
        return False
    if question.id == SERVING_QUESTION and isinstance(value, str):
        return _serves(engine, value, answers.get(MODEL_TYPES_QUESTION))
    return True


@lru_cache(maxsize=16)
def _blocked(engine: Engine) -> dict[str, frozenset[str]]:
    """Options an improvement path never proposes, by question."""
    return {
        q.id: frozenset(o.id for o in q.options if not o.suggest)
        for q in engine.vendor.questions.values()
    }


def _serves(engine: Engine, runtime: str, model_types: Any) -> bool:
    entry = engine.knowledge.by_id.get(runtime)
    if entry is None or not entry.model_types or not isinstance(model_types, list):
        return entry is not None
    served = {m.value for m in entry.model_types}
    return {m for m in model_types if m != "other"} <= served


@lru_cache(maxsize=16)
def _version_entries(engine: Engine) -> dict[str, str]:
    """Version question -> the choice question naming its knowledge-base entry."""
    found: dict[str, str] = {}
    for rule in engine.pack.rules:
        for leaf in leaves(rule.when):
            if leaf.question is not None and leaf.entry_question is not None:
                found[leaf.question] = leaf.entry_question
    return found


def candidate_values(engine: Engine) -> dict[str, tuple[Any, ...]]:
    """For every vendor question, the answers worth trying (worked out once per engine)."""
    return dict(_candidate_values(engine))


@lru_cache(maxsize=16)
def _candidate_values(engine: Engine) -> dict[str, tuple[Any, ...]]:
    versions = _versions_of_interest(engine)
    numbers = _numbers_of_interest(engine)
    candidates: dict[str, tuple[Any, ...]] = {}
    for question in engine.vendor.questions.values():
        values = _values_for(question, versions, numbers.get(question.id, ()))
        valid = tuple(v for v in values if check_value(question, v) is None)
        if valid:
            candidates[question.id] = valid
    return candidates


def _values_for(
    question: Question, versions: tuple[str, ...], numbers: tuple[float, ...]
) -> tuple[Any, ...]:
    kind = question.type
    if kind is QuestionType.SINGLE_CHOICE:
        return tuple(o.id for o in question.options)
    if kind is QuestionType.BOOLEAN:
        return (True, False)
    if kind is QuestionType.MULTIPLE_CHOICE:
        # One option each, and all but one: enough to add or drop the option a rule reads.
        ids = [o.id for o in question.options]
        return tuple([[o] for o in ids] + [[x for x in ids if x != o] for o in ids])
    if kind is QuestionType.VERSION:
        return versions
    if kind is QuestionType.NUMBER:
        return tuple(int(n) if question.integer else n for n in numbers)
    return ()


def _versions_of_interest(engine: Engine) -> tuple[str, ...]:
    found: set[str] = set()
    for entry in engine.knowledge.entries:
        found.update(v for v in (entry.latest, entry.supported_from) if v and parse_version(v))
    for rule in engine.pack.rules:
        for leaf in leaves(rule.when):
            if leaf.operator in (Operator.VERSION_AT_LEAST, Operator.VERSION_BELOW):
                found.add(str(leaf.operand))
    return tuple(sorted(found, key=lambda v: (parse_version(v) or Version("0"), v)))


def _numbers_of_interest(engine: Engine) -> dict[str, tuple[float, ...]]:
    found: dict[str, set[float]] = {}
    for rule in engine.pack.rules:
        for leaf in leaves(rule.when):
            if leaf.question is not None and leaf.operator in _NUMBER_STEPS:
                bound = float(leaf.operand)
                found.setdefault(leaf.question, set()).update(
                    bound + step for step in _NUMBER_STEPS[leaf.operator]
                )
    return {question: tuple(sorted(values)) for question, values in found.items()}


_NUMBER_STEPS = {
    Operator.LT: (0.0, -1.0),
    Operator.LTE: (0.0, 1.0),
    Operator.GT: (0.0, 1.0),
    Operator.GTE: (0.0, -1.0),
}
