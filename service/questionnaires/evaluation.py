"""Conditions compiled for evaluation: closures that compute the three-valued truth of a
condition, and the facts an outcome rests on (see `service.questionnaires.conditions` for the
condition tree itself).

`evaluate` explains an outcome; `compile_truth` turns a condition into a closure that only
computes the truth value, for the scoring hot path.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from service.questionnaires.conditions import (
    NO_KNOWLEDGE,
    NUMBER_OPERATORS,
    UNKNOWN,
    VERSION_OPERATORS,
    All,
    AnyOf,
    Condition,
    Fact,
    Knowledge,
    Leaf,
    Not,
    Operator,
    Outcome,
    Source,
    Tri,
    is_known,
    leaves,
    parse_version,
)
from service.questionnaires.connectives import Step, all_of, any_of, call_step, simple_step
from service.questionnaires.matching import (
    OTHER,
    OTHER_NAME_SUFFIX,
    entry_of,
    memory_shortfall,
    other_name_question,
    shares_no_accelerator,
)


def evaluate(
    condition: Condition,
    answers: Mapping[str, Any],
    client: Mapping[str, Any],
    knowledge: Knowledge = NO_KNOWLEDGE,
) -> Outcome:
    """Evaluate with three-valued logic, and say which facts the outcome rests on.

    A true outcome names the facts that made it true (for `any`, only the children that held);
    a false or unknown outcome names every fact the condition read.
    """
    value = compile_truth(condition, knowledge)(answers, client)
    return Outcome(value, compile_facts(condition, knowledge)(answers, client, value))


FactsOf = Callable[[Mapping[str, Any], Mapping[str, Any], Tri], tuple[Fact, ...]]
"""(answers, client, the outcome's value) -> the facts that outcome rests on."""

_Key = tuple[Source, str]
_Reader = Callable[[Mapping[str, Any], Mapping[str, Any]], tuple[_Key, ...]]


def compile_facts(condition: Condition, knowledge: Knowledge = NO_KNOWLEDGE) -> FactsOf:
    """Compile once; for each outcome, list its facts (see `evaluate`)."""
    everything = _reads(condition)
    when_true = _true_reader(condition, knowledge)

    def facts_of(
        answers: Mapping[str, Any], client: Mapping[str, Any], value: Tri
    ) -> tuple[Fact, ...]:
        keys = when_true(answers, client) if value is True else everything
        facts = (
            Fact(source, subject, (client if source is Source.CLIENT else answers).get(subject))
            for source, subject in keys
        )
        # A typed "other" name is evidence only where one was given.
        return tuple(
            f for f in facts if f.value is not None or not f.question.endswith(OTHER_NAME_SUFFIX)
        )

    return facts_of


def reads_of(condition: Condition) -> tuple[tuple[Source, str], ...]:
    """Every (source, question) a condition reads, once each, in order."""
    return _reads(condition)


def _reads(condition: Condition) -> tuple[_Key, ...]:
    """Every (source, question) a condition reads, once each, in order."""
    keys = (key for leaf in leaves(condition) for key in leaf.reads)
    return tuple(dict.fromkeys(keys))


def _true_reader(condition: Condition, knowledge: Knowledge) -> _Reader:
    """The facts behind a true outcome: fixed, except below an `any`."""
    if not _has_any(condition) or isinstance(condition, Not):
        keys = _reads(condition)
        return lambda answers, client: keys
    if isinstance(condition, All):
        parts = tuple(_true_reader(child, knowledge) for child in condition.all)
        return lambda answers, client: _merge(part(answers, client) for part in parts)
    assert isinstance(condition, AnyOf)
    branches = tuple(
        (compile_truth(child, knowledge), _true_reader(child, knowledge)) for child in condition.any
    )
    return lambda answers, client: _merge(
        read(answers, client) for truth, read in branches if truth(answers, client) is True
    )


def _merge(groups: Iterator[tuple[_Key, ...]]) -> tuple[_Key, ...]:
    return tuple(dict.fromkeys(key for group in groups for key in group))


def _has_any(condition: Condition) -> bool:
    if isinstance(condition, AnyOf):
        return True
    if isinstance(condition, Not):
        return _has_any(condition.not_)
    if isinstance(condition, All):
        return any(_has_any(child) for child in condition.all)
    return False


Truth = Callable[[Mapping[str, Any], Mapping[str, Any]], Tri]
"""A compiled condition: (vendor answers, client facts) -> True / False / None."""


def compile_truth(condition: Condition, knowledge: Knowledge = NO_KNOWLEDGE) -> Truth:
    """A closure computing only the truth value: same result as `evaluate(...).value`."""
    if isinstance(condition, Leaf):
        return _leaf_test(condition, knowledge)
    if isinstance(condition, Not):
        inner = compile_truth(condition.not_, knowledge)

        def negate(answers: Mapping[str, Any], client: Mapping[str, Any]) -> Tri:
            value = inner(answers, client)
            return None if value is None else not value

        return negate
    children = condition.all if isinstance(condition, All) else condition.any
    steps = tuple(_step(child, knowledge) for child in children)
    return any_of(steps) if isinstance(condition, AnyOf) else all_of(steps)


def _step(condition: Condition, knowledge: Knowledge) -> Step:
    simple = simple_step(condition) if isinstance(condition, Leaf) else None
    return simple or call_step(compile_truth(condition, knowledge))


def _leaf_test(leaf: Leaf, knowledge: Knowledge) -> Truth:
    """The leaf as a closure over (answers, client)."""
    subject = leaf.subject
    from_client = leaf.source is Source.CLIENT
    operator = leaf.operator
    if operator is Operator.IS_UNKNOWN:
        wanted = bool(leaf.is_unknown)

        def unknown_test(answers: Mapping[str, Any], client: Mapping[str, Any]) -> Tri:
            value = (client if from_client else answers).get(subject)
            return (value is None or value == UNKNOWN) is wanted

        return unknown_test
    special = _knowledge_test(leaf, knowledge) or _client_test(leaf) or _choice_test(leaf)
    if special is not None:
        return special
    check = _value_test(operator, leaf.operand, knowledge)

    def test(answers: Mapping[str, Any], client: Mapping[str, Any]) -> Tri:
        value = (client if from_client else answers).get(subject)
        if value is None or value == UNKNOWN:
            return None
        return check(value)

    return test


def _choice_test(leaf: Leaf) -> Truth | None:
    """The common tests as one closure each (the scoring hot path runs ~160 leaves a score)."""
    subject, from_client, operator, operand = (
        leaf.subject,
        leaf.source is Source.CLIENT,
        leaf.operator,
        leaf.operand,
    )
    if operator is Operator.EQUALS and isinstance(operand, str | bool):
        is_bool = isinstance(operand, bool)

        def equals(answers: Mapping[str, Any], client: Mapping[str, Any]) -> Tri:
            value = (client if from_client else answers).get(subject)
            if value is None or value == UNKNOWN:
                return None
            return value is operand if is_bool else value == operand

        return equals
    if operator not in (Operator.ONE_OF, Operator.INCLUDES_ANY, Operator.EXCLUDES):
        return None
    options, wanted = frozenset(operand), operator is not Operator.EXCLUDES

    def member(answers: Mapping[str, Any], client: Mapping[str, Any]) -> Tri:
        value = (client if from_client else answers).get(subject)
        if value is None or value == UNKNOWN:
            return None
        if isinstance(value, list):
            return options.isdisjoint(value) is not wanted
        return (value in options) is wanted

    return member


def _knowledge_test(leaf: Leaf, knowledge: Knowledge) -> Truth | None:
    """The operators that find an answer's knowledge-base entry first (None: not one of them)."""
    if leaf.operator is Operator.KB_STATUS:
        return _status_test(leaf.subject, frozenset(leaf.kb_status or ()), knowledge)
    entry_question = leaf.entry_question
    if entry_question is None:
        return None
    judge = _remembered(_version_judge(leaf, knowledge))
    version_question = leaf.subject

    def graded(answers: Mapping[str, Any], client: Mapping[str, Any]) -> Tri:
        version, choice = answers.get(version_question), answers.get(entry_question)
        if not is_known(version) or not is_known(choice):
            return None
        entry = entry_of(answers, entry_question, knowledge)
        if entry is None or not isinstance(version, str):
            return False  # nothing to grade against: not a finding of this kind
        return judge(entry, version)

    return graded


REMEMBERED_VERSIONS = 4096
_UNSET = object()


def _remembered(judge: Callable[[str, str], Tri]) -> Callable[[str, str], Tri]:
    """The judge with its verdicts kept: the knowledge base is immutable, and a pack grades
    the same few (entry, version) pairs again and again (forgotten all at once when full)."""
    verdicts: dict[tuple[str, str], Tri] = {}

    def remembered(entry: str, version: str) -> Tri:
        key = (entry, version)
        found = verdicts.get(key, _UNSET)  # one lookup: safe while another thread clears
        if found is not _UNSET:
            return found  # type: ignore[return-value]
        if len(verdicts) >= REMEMBERED_VERSIONS:
            verdicts.clear()
        verdict = verdicts[key] = judge(entry, version)
        return verdict

    return remembered


def _version_judge(leaf: Leaf, knowledge: Knowledge) -> Callable[[str, str], Tri]:
    if leaf.support is not None:
        grades = frozenset(leaf.support.grades)

        def in_grades(entry: str, version: str) -> Tri:
            grade = knowledge.grade_of(entry, version)
            return None if grade is None and parse_version(version) is None else grade in grades

        return in_grades
    if leaf.security_floor_of is not None:
        return knowledge.exposed

    def below_floor(entry: str, version: str) -> Tri:
        floor, parsed = knowledge.supported_from(entry), parse_version(version)
        if floor is None:
            return False
        bound = parse_version(floor)
        return None if parsed is None or bound is None else parsed < bound

    return below_floor


def _status_test(question: str, statuses: frozenset[str], knowledge: Knowledge) -> Truth:
    def status(answers: Mapping[str, Any], client: Mapping[str, Any]) -> Tri:
        value = answers.get(question)
        if not is_known(value):
            return None
        if value == OTHER and not is_known(answers.get(other_name_question(question))):
            return None  # "Other", but not which: cannot be judged
        entry = entry_of(answers, question, knowledge)
        return entry is not None and knowledge.status(entry) in statuses

    return status


def _client_test(leaf: Leaf) -> Truth | None:
    """Vendor answers compared with a client fact (None: not such an operator)."""
    other = leaf.client_question
    if other is None:
        return None
    subject = leaf.subject
    shortfall = leaf.memory_shortfall
    if shortfall is None:

        def disjoint(answers: Mapping[str, Any], client: Mapping[str, Any]) -> Tri:
            return shares_no_accelerator(answers.get(subject), client.get(other))

        return disjoint
    over = shortfall.over

    def short(answers: Mapping[str, Any], client: Mapping[str, Any]) -> Tri:
        missing = memory_shortfall(answers.get(subject), client.get(other))
        return None if missing is None else missing > over

    return short


def _value_test(operator: Operator, operand: Any, knowledge: Knowledge) -> Callable[[Any], Tri]:
    if operator is Operator.EQUALS:
        return lambda value: _equals(value, operand)
    if operator in VERSION_OPERATORS:
        return _version_test(operator, operand)
    if operator in NUMBER_OPERATORS:
        return _number_test(operator, float(operand))
    if operator is Operator.MENTIONS_ANY:
        return _mentions_test(tuple(operand))
    return _set_test(operator, frozenset(operand))


def _mentions_test(names: tuple[str, ...]) -> Callable[[Any], Tri]:
    """Free text naming any of these (whole words, any case): "Llama 3.1 8B" mentions llama."""
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b", re.IGNORECASE)
    return lambda value: isinstance(value, str) and pattern.search(value) is not None


def _set_test(operator: Operator, options: frozenset[str]) -> Callable[[Any], Tri]:
    if operator is Operator.ONE_OF:
        return lambda value: value in options
    if operator is Operator.INCLUDES_ANY:
        return lambda value: not options.isdisjoint(_as_set(value))
    return lambda value: options.isdisjoint(_as_set(value))  # excludes


def _equals(value: Any, operand: Any) -> bool:
    """Equality that keeps booleans apart from numbers (in Python, True == 1)."""
    if isinstance(value, bool) or isinstance(operand, bool):
        return value is operand
    return bool(value == operand)


def _as_set(value: Any) -> frozenset[Any]:
    if isinstance(value, list | tuple | set | frozenset):
        return frozenset(value)
    return frozenset((value,))


def _version_test(operator: Operator, operand: str) -> Callable[[Any], Tri]:
    bound = parse_version(operand)
    below = operator is Operator.VERSION_BELOW

    def test(value: Any) -> Tri:
        version = parse_version(value) if isinstance(value, str) else None
        if version is None or bound is None:
            return None
        return version < bound if below else version >= bound

    return test


def _number_test(operator: Operator, bound: float) -> Callable[[Any], Tri]:
    compare: dict[Operator, Callable[[float], bool]] = {
        Operator.LT: lambda v: v < bound,
        Operator.LTE: lambda v: v <= bound,
        Operator.GT: lambda v: v > bound,
        Operator.GTE: lambda v: v >= bound,
    }
    check = compare[operator]

    def test(value: Any) -> Tri:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return check(float(value))

    return test
