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

UNKNOWN = "unknown"
"""The answer given when the respondent does not know or will not say. Valid for every question."""

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


OPERATORS: tuple[str, ...] = tuple(op.value for op in Operator)
VERSION_OPERATORS = frozenset({Operator.VERSION_BELOW, Operator.VERSION_AT_LEAST})
NUMBER_OPERATORS = frozenset({Operator.LT, Operator.LTE, Operator.GT, Operator.GTE})
KNOWLEDGE_OPERATORS = frozenset({Operator.KB_STATUS, Operator.BELOW_SUPPORTED_FLOOR_OF})


class Knowledge(Protocol):
    """What conditions may ask the knowledge base (see service.scoring.knowledge)."""

    def status(self, entry_id: str) -> str | None: ...

    def supported_from(self, entry_id: str) -> str | None: ...


class _NoKnowledge:
    def status(self, entry_id: str) -> str | None:
        return None

    def supported_from(self, entry_id: str) -> str | None:
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
    try:
        return Version(text)
    except InvalidVersion:
        return None


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


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
    def subjects(self) -> tuple[str, ...]:
        """Every question the leaf reads (the floor test also reads the framework answer)."""
        if self.below_supported_floor_of is not None:
            return (self.subject, self.below_supported_floor_of)
        return (self.subject,)


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
        return tuple(
            Fact(source, subject, (client if source is Source.CLIENT else answers).get(subject))
            for source, subject in keys
        )

    return facts_of


def _reads(condition: Condition) -> tuple[_Key, ...]:
    """Every (source, question) a condition reads, once each, in order."""
    keys = ((leaf.source, subject) for leaf in leaves(condition) for subject in leaf.subjects)
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
    if operator is Operator.BELOW_SUPPORTED_FLOOR_OF:
        return _floor_test(subject, str(leaf.below_supported_floor_of), knowledge)
    check = _value_test(operator, leaf.operand, knowledge)

    def test(answers: Mapping[str, Any], client: Mapping[str, Any]) -> Tri:
        value = (client if from_client else answers).get(subject)
        if value is None or value == UNKNOWN:
            return None
        return check(value)

    return test


def _floor_test(version_question: str, framework_question: str, knowledge: Knowledge) -> Truth:
    def below_floor(answers: Mapping[str, Any], client: Mapping[str, Any]) -> Tri:
        version, framework = answers.get(version_question), answers.get(framework_question)
        if not is_known(version) or not is_known(framework):
            return None
        floor = knowledge.supported_from(str(framework))
        parsed = parse_version(version) if isinstance(version, str) else None
        if floor is None:
            return False
        bound = parse_version(floor)
        return None if parsed is None or bound is None else parsed < bound

    return below_floor


def _value_test(operator: Operator, operand: Any, knowledge: Knowledge) -> Callable[[Any], Tri]:
    if operator is Operator.EQUALS:
        return lambda value: _equals(value, operand)
    if operator is Operator.KB_STATUS:
        statuses = frozenset(operand)
        return lambda value: isinstance(value, str) and knowledge.status(value) in statuses
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
