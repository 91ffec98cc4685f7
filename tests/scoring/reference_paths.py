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
from service.questionnaires.conditions import Operator, is_known, leaves, parse_version
from service.questionnaires.matching import entry_of
from service.questionnaires.schema import Question, QuestionType
from service.scoring.engine import Engine, Score
from service.scoring.paths import Change, ImprovementPath
from service.scoring.rules import BANDS, Dimension

PRODUCT_PREFIX = "product."
SERVING_QUESTION = "serving.stack"
MODEL_TYPES_QUESTION = "product.model_types"
MAX_CHANGES = 3
PATHS_PER_DIMENSION = 3


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
        self.client = dict(client)
        self.candidates = candidate_values(engine)
        self.version_entries = _version_entries(engine)

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
            best: tuple[Question, Any, _Trial] | None = None
            for question in remaining:
                for value, trial in self._trials(dimension, current.answers, question):
                    if trial.better_than(best[2] if best else current, dimension):
                        best = (question, value, trial)
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
        self, dimension: Dimension, answers: Mapping[str, Any], question: Question
    ) -> Iterator[tuple[Any, _Trial]]:
        now = answers.get(question.id)
        for value in self._targets(question, answers):
            if value != now:
                yield value, self._trial(dimension, self._moved(answers, question.id, value))

    def _implied(self, moved: Mapping[str, Any], named: set[str]) -> tuple[Change, ...]:
        """Answers a change carried with it (the new software's version), stated as changes."""
        return tuple(
            Change(q, self.answers.get(q), (moved.get(q),))
            for q in self.version_entries
            if q not in named and moved.get(q) != self.answers.get(q) and q in moved
        )

    def _moved(self, answers: Mapping[str, Any], question: str, value: Any) -> dict[str, Any]:
        """The answers after one change; moving to other software means its latest version."""
        moved = {**answers, question: value}
        for version_question, entry_question in self.version_entries.items():
            if entry_question == question and version_question in moved:
                entry = self.engine.knowledge.by_id.get(str(value))
                if entry is not None and entry.latest and parse_version(entry.latest):
                    moved[version_question] = entry.latest
                else:
                    moved.pop(version_question)
        return moved

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

    def _trial(self, dimension: Dimension, answers: dict[str, Any]) -> _Trial:
        """Re-score with the real engine, so a path moves the band it claims to."""
        result = self.engine.score(answers, self.client)
        mine = result.dimension(dimension)
        return _Trial(
            answers=answers,
            rank=BANDS[dimension].index(mine.band),
            blockers=len(mine.blockers),
            score=mine.score,
            findings=frozenset(f.id for f in result.findings if f.rule.dimension is dimension),
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


def suggestible(engine: Engine, question: Question, value: Any, answers: Mapping[str, Any]) -> bool:
    """Whether an improvement path may propose this answer: never an option marked
    `suggest: false` (other, proprietary, a third-party API...), and never serving software
    that is not made for the product's kinds of model (a vision model is not sent to vLLM)."""
    blocked = {o.id for o in question.options if not o.suggest}
    now = answers.get(question.id)
    had = set(now) if isinstance(now, list) else {now}
    chosen = set(value) if isinstance(value, list) else {value}
    if (chosen - had) & blocked:
        return False
    if question.id == SERVING_QUESTION and isinstance(value, str):
        return _serves(engine, value, answers.get(MODEL_TYPES_QUESTION))
    return True


def _serves(engine: Engine, runtime: str, model_types: Any) -> bool:
    entry = engine.knowledge.by_id.get(runtime)
    if entry is None or not entry.model_types or not isinstance(model_types, list):
        return entry is not None
    served = {m.value for m in entry.model_types}
    return {m for m in model_types if m != "other"} <= served


def _version_entries(engine: Engine) -> dict[str, str]:
    """Version question -> the choice question naming its knowledge-base entry."""
    found: dict[str, str] = {}
    for rule in engine.pack.rules:
        for leaf in leaves(rule.when):
            if leaf.question is not None and leaf.entry_question is not None:
                found[leaf.question] = leaf.entry_question
    return found


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
