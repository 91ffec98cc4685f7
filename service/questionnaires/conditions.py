"""A small, safe condition tree and its three-valued evaluation.

A condition is `all` / `any` / `not` over leaf tests. A leaf names one fact (a vendor answer with
`question:` or a client-environment fact with `client:`) and exactly one operator:

    {question: serving.stack, one_of: [torchserve, tf_serving]}
    {client: orchestration, equals: kubernetes}
    {all: [{question: hardware.gpu, equals: required}, {client: gpu_availability, equals: none}]}

An unanswered or "unknown" fact makes a leaf *unknown* (None), never false, so that a vendor cannot
look better by not answering. Every outcome carries the facts it rests on, which is what lets the
scoring engine say exactly which answers triggered a finding.

Two operators consult the technical-currency knowledge base (rule packs only, never `show_if`):

    {question: serving.stack, kb_status: [limited_maintenance, end_of_life]}
    {question: framework.version, below_supported_floor_of: framework.primary}

No expression strings and no `eval`: the tree is data, checked against the questionnaire when it
is loaded (`service.questionnaires.checks`). `evaluate` explains an outcome; `compile_truth`
turns a condition into a closure that only computes the truth value, for the scoring hot path.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property, lru_cache
from typing import Annotated, Any, Protocol

from packaging.version import InvalidVersion, Version
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from service.questionnaires.matching import (
    OTHER,
    OTHER_NAME_SUFFIX,
    UNKNOWN,
    entry_of,
    memory_shortfall,
    other_name_question,
    shares_no_accelerator,
)

__all__ = ["UNKNOWN"]  # the answer given when the respondent does not know or will not say

Scalar = bool | int | float | str
Tri = bool | None
"""Three-valued truth: True, False, or None for unknown."""


class Source(StrEnum):
    VENDOR = "vendor"
    CLIENT = "client"


class Operator(StrEnum):
    EQUALS = "equals"
    ONE_OF = "one_of"
    INCLUDES_ANY = "includes_any"
    EXCLUDES = "excludes"
    VERSION_BELOW = "version_below"
    VERSION_AT_LEAST = "version_at_least"
    LT = "lt"
    LTE = "lte"
    GT = "gt"
    GTE = "gte"
    IS_UNKNOWN = "is_unknown"
    KB_STATUS = "kb_status"
    BELOW_SUPPORTED_FLOOR_OF = "below_supported_floor_of"
    SUPPORT = "support"
    SECURITY_FLOOR_OF = "security_floor_of"
    NO_SHARED_ACCELERATOR_WITH = "no_shared_accelerator_with"
    MEMORY_SHORTFALL = "memory_shortfall"


OPERATORS: tuple[str, ...] = tuple(op.value for op in Operator)
VERSION_OPERATORS = frozenset({Operator.VERSION_BELOW, Operator.VERSION_AT_LEAST})
NUMBER_OPERATORS = frozenset({Operator.LT, Operator.LTE, Operator.GT, Operator.GTE})
KNOWLEDGE_OPERATORS = frozenset(
    {
        Operator.KB_STATUS,
        Operator.BELOW_SUPPORTED_FLOOR_OF,
        Operator.SUPPORT,
        Operator.SECURITY_FLOOR_OF,
    }
)
CLIENT_OPERATORS = frozenset({Operator.NO_SHARED_ACCELERATOR_WITH, Operator.MEMORY_SHORTFALL})
"""Operators on a vendor answer that compare it with a client fact."""


class Knowledge(Protocol):
    """What conditions may ask the knowledge base (see service.scoring.knowledge)."""

    def status(self, entry_id: str) -> str | None: ...

    def supported_from(self, entry_id: str) -> str | None: ...

    def resolve(self, value: str, other_name: str | None) -> str | None: ...

    def grade_of(self, entry_id: str, version: str) -> str | None: ...

    def exposed(self, entry_id: str, version: str) -> bool | None: ...


class _NoKnowledge:
    def status(self, entry_id: str) -> str | None:
        return None

    def supported_from(self, entry_id: str) -> str | None:
        return None

    def resolve(self, value: str, other_name: str | None) -> str | None:
        return None

    def grade_of(self, entry_id: str, version: str) -> str | None:
        return None

    def exposed(self, entry_id: str, version: str) -> bool | None:
        return None


NO_KNOWLEDGE: Knowledge = _NoKnowledge()


@dataclass(frozen=True, slots=True)
class Fact:
    """One answer a condition looked at: where it came from, which question, and its value."""

    source: Source
    question: str
    value: Any

    @property
    def known(self) -> bool:
        return is_known(self.value)


@dataclass(frozen=True, slots=True)
class Outcome:
    value: Tri
    facts: tuple[Fact, ...]


def is_known(value: object) -> bool:
    return value is not None and value != UNKNOWN


@lru_cache(maxsize=4096)
def parse_version(text: str) -> Version | None:
    """A version, also llama.cpp's build numbers ("b10864" reads as 10864)."""
    try:
        return Version(text[1:] if _BUILD.fullmatch(text) else text)
    except InvalidVersion:
        return None


_BUILD = re.compile(r"b\d+")


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class SupportTest(_Node):
    """`support: {of: framework.primary, grades: [unsupported]}` on a version question."""

    of: str
    grades: tuple[str, ...] = Field(min_length=1)


class ShortfallTest(_Node):
    """`memory_shortfall: {client: gpu_memory_gb, over: 0.25}`: the client lacks over 25%."""

    client: str
    over: float = Field(ge=0, lt=1)


class Leaf(_Node):
    question: str | None = None
    client: str | None = None
    equals: Scalar | None = None
    one_of: tuple[str, ...] | None = Field(default=None, min_length=1)
    includes_any: tuple[str, ...] | None = Field(default=None, min_length=1)
    excludes: tuple[str, ...] | None = Field(default=None, min_length=1)
    version_below: str | None = None
    version_at_least: str | None = None
    lt: float | None = None
    lte: float | None = None
    gt: float | None = None
    gte: float | None = None
    is_unknown: bool | None = None
    kb_status: tuple[str, ...] | None = Field(default=None, min_length=1)
    below_supported_floor_of: str | None = None
    support: SupportTest | None = None
    security_floor_of: str | None = None
    no_shared_accelerator_with: str | None = None
    memory_shortfall: ShortfallTest | None = None

    @field_validator("version_below", "version_at_least", mode="before")
    @classmethod
    def _quoted_version(cls, value: object) -> object:
        if value is not None and not isinstance(value, str):
            raise ValueError(
                f"versions must be quoted strings: write '{value}' in quotes "
                "(YAML reads an unquoted 2.10 as the number 2.1)"
            )
        if isinstance(value, str) and parse_version(value) is None:
            raise ValueError(f"'{value}' is not a version number such as '2.4' or '1.15.0'")
        return value

    @model_validator(mode="after")
    def _one_subject_one_operator(self) -> Leaf:
        if (self.question is None) == (self.client is None):
            raise ValueError("a test names exactly one of 'question' (vendor) or 'client'")
        used = [op for op in OPERATORS if getattr(self, op) is not None]
        if len(used) != 1:
            found = ", ".join(used) or "none"
            raise ValueError(
                f"a test has exactly one operator ({', '.join(OPERATORS)}); found: {found}"
            )
        return self

    @property
    def source(self) -> Source:
        return Source.VENDOR if self.question is not None else Source.CLIENT

    @property
    def subject(self) -> str:
        return self.question if self.question is not None else str(self.client)

    @cached_property
    def operator(self) -> Operator:
        return next(Operator(op) for op in OPERATORS if getattr(self, op) is not None)

    @property
    def operand(self) -> Any:
        return getattr(self, self.operator.value)

    @property
    def entry_question(self) -> str | None:
        """The choice question naming the knowledge-base entry a version test grades against."""
        if self.support is not None:
            return self.support.of
        return self.below_supported_floor_of or self.security_floor_of

    @property
    def client_question(self) -> str | None:
        """The client fact a vendor answer is compared with (accelerators, GPU memory)."""
        if self.memory_shortfall is not None:
            return self.memory_shortfall.client
        return self.no_shared_accelerator_with

    @property
    def subjects(self) -> tuple[str, ...]:
        """Every question of the leaf's own side that it reads."""
        entry = self.entry_question
        if entry is not None:
            return (self.subject, entry, other_name_question(entry))
        if self.operator is Operator.KB_STATUS:
            return (self.subject, other_name_question(self.subject))
        return (self.subject,)

    @property
    def reads(self) -> tuple[tuple[Source, str], ...]:
        """Every (source, question) the leaf reads, the compared client fact included."""
        own = tuple((self.source, subject) for subject in self.subjects)
        other = self.client_question
        return own if other is None else (*own, (Source.CLIENT, other))


class All(_Node):
    all: tuple[Condition, ...] = Field(min_length=1)


class AnyOf(_Node):
    any: tuple[Condition, ...] = Field(min_length=1)


class Not(_Node):
    not_: Condition = Field(alias="not")


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        for key in ("all", "any", "not"):
            if key in value:
                return key
        return "leaf"
    if isinstance(value, All):
        return "all"
    if isinstance(value, AnyOf):
        return "any"
    if isinstance(value, Not):
        return "not"
    return "leaf"


Condition = Annotated[
    (
        Annotated[All, Tag("all")]
        | Annotated[AnyOf, Tag("any")]
        | Annotated[Not, Tag("not")]
        | Annotated[Leaf, Tag("leaf")]
    ),
    Discriminator(_kind),
]

All.model_rebuild()
AnyOf.model_rebuild()
Not.model_rebuild()


def leaves(condition: Condition) -> list[Leaf]:
    """Every leaf of a condition, depth first."""
    if isinstance(condition, Leaf):
        return [condition]
    if isinstance(condition, Not):
        return leaves(condition.not_)
    children = condition.all if isinstance(condition, All) else condition.any
    return [leaf for child in children for leaf in leaves(child)]


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
    parts = tuple(compile_truth(child, knowledge) for child in children)
    return _any_of(parts) if isinstance(condition, AnyOf) else _all_of(parts)


def _all_of(parts: tuple[Truth, ...]) -> Truth:
    def all_true(answers: Mapping[str, Any], client: Mapping[str, Any]) -> Tri:
        result: Tri = True
        for part in parts:
            value = part(answers, client)
            if value is False:
                return False
            if value is None:
                result = None
        return result

    return all_true


def _any_of(parts: tuple[Truth, ...]) -> Truth:
    def any_true(answers: Mapping[str, Any], client: Mapping[str, Any]) -> Tri:
        result: Tri = False
        for part in parts:
            value = part(answers, client)
            if value is True:
                return True
            if value is None:
                result = None
        return result

    return any_true


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
    judge = _version_judge(leaf, knowledge)
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
    return _set_test(operator, frozenset(operand))


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
