"""Improvement paths: the smallest answer changes that would move a band up.

For each dimension not already in its best band, we try changing one vendor answer at a time
(every option of a choice question, both booleans, the versions and thresholds the rules and the
knowledge base care about) and keep the changes that reach the next better band. When no single
change is enough, changes are combined greedily (largest improvement first, up to three).
Only the vendor's answers change: the client's environment is what it is.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from packaging.version import Version

from service.questionnaires.answers import check_value, resolve
from service.questionnaires.conditions import Operator, leaves, parse_version
from service.questionnaires.schema import Question, QuestionType
from service.scoring.engine import Basis, Engine, Finding, Score
from service.scoring.rules import BANDS, Dimension

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


@dataclass(frozen=True)
class _Trial:
    answers: dict[str, Any]
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
        self.client_active = resolve(engine.client, client)[1]
        self.candidates = candidate_values(engine)

    def paths(self, dimension: Dimension, score: Score) -> list[ImprovementPath]:
        base = self._trial(dimension, self.answers)
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
        return [visible[q] for q in read if q in visible and q in self.candidates]

    def _single_changes(
        self, dimension: Dimension, questions: list[Question], target: int
    ) -> list[tuple[tuple[Change, ...], _Trial]]:
        results: list[tuple[tuple[Change, ...], _Trial]] = []
        for question in questions:
            reaching = [
                (value, trial)
                for value, trial in self._trials(dimension, self.answers, question)
                if trial.rank <= target
            ]
            if reaching:
                reaching.sort(key=lambda pair: pair[1].key(dimension))
                change = Change(
                    question.id, self.answers.get(question.id), tuple(v for v, _ in reaching)
                )
                results.append(((change,), reaching[0][1]))
        results.sort(key=lambda item: item[1].key(dimension))
        return results[:PATHS_PER_DIMENSION]

    def _greedy(
        self, dimension: Dimension, questions: list[Question], base: _Trial, target: int
    ) -> tuple[tuple[Change, ...], _Trial] | None:
        current, changes = base, []
        remaining = list(questions)
        for _ in range(MAX_CHANGES):
            best: tuple[Question, Any, _Trial] | None = None
            for question in remaining:
                for value, trial in self._trials(dimension, current.answers, question):
                    if trial.better_than(best[2] if best else current, dimension):
                        best = (question, value, trial)
            if best is None:
                return None
            question, value, current = best
            remaining.remove(question)
            changes.append(Change(question.id, self.answers.get(question.id), (value,)))
            if current.rank <= target:
                return tuple(changes), current
        return None

    def _trials(
        self, dimension: Dimension, answers: Mapping[str, Any], question: Question
    ) -> Iterator[tuple[Any, _Trial]]:
        now = answers.get(question.id)
        for value in self.candidates[question.id]:
            if value != now:
                yield value, self._trial(dimension, {**answers, question.id: value})

    def _trial(self, dimension: Dimension, answers: dict[str, Any]) -> _Trial:
        engine = self.engine
        active = resolve(engine.vendor, answers)[1]
        findings = [
            Finding(c.rule, c.rule.points if value else c.rule.unknown_points, _basis(value), ())
            for c in engine.rules
            if c.rule.dimension is dimension
            and (value := c.truth(active, self.client_active)) is not False
        ]
        result = engine.dimension_score(dimension, findings)
        return _Trial(
            answers=answers,
            rank=BANDS[dimension].index(result.band),
            blockers=len(result.blockers),
            score=result.score,
            findings=frozenset(f.id for f in findings),
        )

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


def _basis(value: bool | None) -> Basis:
    return Basis.KNOWN if value else Basis.UNKNOWN


def candidate_values(engine: Engine) -> dict[str, tuple[Any, ...]]:
    """For every vendor question, the answers worth trying."""
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
