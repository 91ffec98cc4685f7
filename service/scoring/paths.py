"""Improvement paths: the smallest answer changes that would move a band up.

For each dimension not already in its best band, we try changing one vendor answer at a time
(every option of a choice question, both booleans, the versions and thresholds the rules and the
knowledge base care about) and keep the changes that reach the next better band. When no single
change is enough, changes are combined greedily (largest improvement first, up to three).
Only the vendor's answers change: the client's environment is what it is.

Every candidate is re-scored, so a path moves the band it claims; but a candidate changes one
or two answers, so a trial re-evaluates only the rules that read an answer whose value or
visibility moved, takes every other rule's outcome from the assessment's own, and totals only
the dimension in question (`path_trials.Evaluator`; the answers worth trying come from
`path_candidates`). A trial is worked out once per search, whichever dimension or round asks
for it. The results are those of scoring each candidate with `Engine.score`
(`tests/scoring/test_paths_equivalence.py` compares them with that procedure, kept in
`tests/scoring/reference_paths.py`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from service.questionnaires.answers import resolve
from service.questionnaires.conditions import is_known, leaves, parse_version
from service.questionnaires.matching import entry_of
from service.questionnaires.schema import Question
from service.scoring.engine import Engine, Score
from service.scoring.path_candidates import (
    candidate_values,
    suggestible,
    touched_by,
    version_entries,
)
from service.scoring.path_trials import Evaluator, State, Trail
from service.scoring.rules import BANDS, Dimension

__all__ = ["Change", "ImprovementPath", "candidate_values", "improvement_paths", "suggestible"]

PRODUCT_PREFIX = "product."
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


@dataclass(slots=True)
class _Trial:
    """One candidate answer set of a search, scored for one dimension (never changed once
    made; not frozen, which is slower to make)."""

    answers: dict[str, Any]
    trail: Trail
    state: State
    rank: int
    blockers: int
    score: int
    findings: frozenset[str]
    ranked: tuple[int, int, int]
    """How good it is, best first: rank, blockers, then score (higher currency is better)."""

    def key(self, dimension: Dimension) -> tuple[int, int, int]:
        return self.ranked


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
        self.version_entries = version_entries(engine)
        self.touched = touched_by(engine)
        self.evaluator = Evaluator(engine, self.answers, self.client)
        self._trials_made: dict[tuple[Trail, Dimension], _Trial] = {}
        self._options_made: dict[tuple[str, Trail], list[tuple[Any, str]]] = {}
        self._visible: dict[str, Question] | None = None

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
        if self._visible is None:
            self._visible = {q.id: q for q in resolve(self.engine.vendor, self.answers)[0]}
        visible = self._visible
        subjects = _subjects(self.engine)
        read: dict[str, None] = {}
        for finding in score.findings:
            if finding.rule.dimension is dimension:
                read.update(dict.fromkeys(subjects[finding.rule.id]))
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
            best_case = self.evaluator.best_case(
                dimension, base.trail, base.state, self._touches(question.id)
            )
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
        for round_ in range(MAX_CHANGES):
            if not self._can_reach(dimension, current, remaining, target):
                return None  # however the rounds left go, they end without a path
            last = round_ == MAX_CHANGES - 1
            best = self._best_step(dimension, current, remaining, target if last else None)
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
        for value, shown in self._options(question, after):
            step = (*after.trail, (question.id, shown))
            found = self._trials_made.get((step, dimension))
            if found is None:
                moved, keys = self._moved(answers, question.id, value)
                state = self.evaluator.step(dimension, after.state, moved, keys)
                found = self._trial(dimension, moved, step, state)
            yield value, found

    def _options(self, question: Question, after: _Trial) -> list[tuple[Any, str]]:
        """The answers a change of the question may move to after a trial (not the one it
        has), each with its repr; remembered per trial, which every dimension and round that
        tries the question after it shares (the answers are the trail's)."""
        key = (question.id, after.trail)
        found = self._options_made.get(key)
        if found is None:
            now = after.answers.get(question.id)
            found = self._options_made[key] = [
                (value, repr(value))
                for value in self._targets(question, after.answers)
                if value != now
            ]
        return found

    def _can_reach(
        self, dimension: Dimension, current: _Trial, remaining: list[Question], target: int
    ) -> bool:
        """Whether changing all the remaining questions at once could reach the target band
        at best: if not, no combination of some of them can (each touches less), and the
        greedy search, which only keeps a combination that reaches it, ends without a path."""
        if current.rank <= target:
            return True
        touched = frozenset().union(*(self._touches(q.id) for q in remaining))
        rank = self.evaluator.best_case(dimension, current.trail, current.state, touched)[0]
        return rank <= target

    def _best_step(
        self,
        dimension: Dimension,
        current: _Trial,
        remaining: list[Question],
        need: int | None = None,
    ) -> tuple[Question, Any, _Trial] | None:
        """The change a plain search would take: of the trials better than `current`, the one
        with the best key, the first in question and value order on a tie. Questions are
        tried most promising first (by their best case, which no change of them can beat),
        so that once a good change is found the others are mostly skipped unseen.

        `need` (the last round): only a change reaching that rank makes a path, and one that
        does ranks before every one that does not, so questions whose best case cannot reach
        it are not tried (the step found is the plain search's whenever it reaches `need`)."""
        direction = -1 if dimension is Dimension.TECHNICAL_CURRENCY else 1
        ranked: list[tuple[tuple[int, int, int], int, Question]] = []
        for index, question in enumerate(remaining):
            rank, _, score, _ = self.evaluator.best_case(
                dimension, current.trail, current.state, self._touches(question.id)
            )
            if need is None or rank <= need:
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
        return self.touched[question]

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
        self, dimension: Dimension, answers: dict[str, Any], trail: Trail, state: State
    ) -> _Trial:
        """Re-scored answers (only what changed), so a path moves the band it claims to."""
        rank, blockers, score, findings = self.evaluator.dimension(dimension, state.outcomes)
        direction = -1 if dimension is Dimension.TECHNICAL_CURRENCY else 1
        ranked = (rank, blockers, direction * score)
        trial = _Trial(answers, trail, state, rank, blockers, score, findings, ranked)
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


@lru_cache(maxsize=16)
def _subjects(engine: Engine) -> dict[str, tuple[str, ...]]:
    """For each rule of the pack, the questions its conditions read, in order."""
    found: dict[str, tuple[str, ...]] = {}
    for rule in engine.pack.rules:
        read: dict[str, None] = {}
        for leaf in leaves(rule.when):
            if leaf.question is not None:
                read.update(dict.fromkeys(leaf.subjects))
        found[rule.id] = tuple(read)
    return found
