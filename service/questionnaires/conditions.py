"""A small, safe condition tree and its three-valued evaluation.

A condition is `all` / `any` / `not` over leaf tests. A leaf names one fact (a vendor answer with
`question:` or a client-environment fact with `client:`) and exactly one operator:

    {question: serving.stack, one_of: [torchserve, tf_serving]}
    {client: orchestration, equals: kubernetes}
    {all: [{question: hardware.gpu, equals: required}, {client: gpu_availability, equals: none}]}

An unanswered or "unknown" fact makes a leaf *unknown* (None), never false, so that a vendor cannot
look better by not answering. Every outcome carries the facts it rests on, which is what lets the
scoring engine say exactly which answers triggered a finding.

No expression strings and no `eval`: the tree is data, checked against the questionnaire when it
is loaded (`service.questionnaires.checks`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property, lru_cache
from typing import Annotated, Any

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


OPERATORS: tuple[str, ...] = tuple(op.value for op in Operator)
VERSION_OPERATORS = frozenset({Operator.VERSION_BELOW, Operator.VERSION_AT_LEAST})
NUMBER_OPERATORS = frozenset({Operator.LT, Operator.LTE, Operator.GT, Operator.GTE})


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

    @cached_property
    def _test(self) -> Callable[[Any], Tri]:
        return _make_test(self.operator, self.operand)


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
    condition: Condition, answers: Mapping[str, Any], client: Mapping[str, Any]
) -> Outcome:
    """Evaluate with three-valued logic; the outcome lists the facts that decided it."""
    if isinstance(condition, Leaf):
        return _evaluate_leaf(condition, answers, client)
    if isinstance(condition, Not):
        inner = evaluate(condition.not_, answers, client)
        return Outcome(None if inner.value is None else not inner.value, inner.facts)
    if isinstance(condition, All):
        return _combine([evaluate(c, answers, client) for c in condition.all], decisive=False)
    return _combine([evaluate(c, answers, client) for c in condition.any], decisive=True)


def _evaluate_leaf(leaf: Leaf, answers: Mapping[str, Any], client: Mapping[str, Any]) -> Outcome:
    facts = answers if leaf.question is not None else client
    value = facts.get(leaf.subject)
    fact = (Fact(leaf.source, leaf.subject, value),)
    if leaf.is_unknown is not None:
        return Outcome(leaf.is_unknown is not is_known(value), fact)
    if not is_known(value):
        return Outcome(None, fact)
    return Outcome(leaf._test(value), fact)


def _combine(outcomes: list[Outcome], *, decisive: bool) -> Outcome:
    """`all` (decisive=False) or `any` (decisive=True): a child equal to `decisive` settles it."""
    settling = [o for o in outcomes if o.value is decisive]
    if settling:
        return Outcome(decisive, _facts(settling))
    unknown = [o for o in outcomes if o.value is None]
    if unknown:
        return Outcome(None, _facts(outcomes))
    return Outcome(not decisive, _facts(outcomes))


def _facts(outcomes: list[Outcome]) -> tuple[Fact, ...]:
    seen: dict[tuple[Source, str], Fact] = {}
    for outcome in outcomes:
        for fact in outcome.facts:
            seen.setdefault((fact.source, fact.question), fact)
    return tuple(seen.values())


def _make_test(operator: Operator, operand: Any) -> Callable[[Any], Tri]:
    if operator is Operator.EQUALS:
        return lambda value: _equals(value, operand)
    if operator is Operator.ONE_OF:
        allowed = frozenset(operand)
        return lambda value: value in allowed
    if operator is Operator.INCLUDES_ANY:
        wanted = frozenset(operand)
        return lambda value: not wanted.isdisjoint(_as_set(value))
    if operator is Operator.EXCLUDES:
        banned = frozenset(operand)
        return lambda value: banned.isdisjoint(_as_set(value))
    if operator in VERSION_OPERATORS:
        return _version_test(operator, operand)
    return _number_test(operator, float(operand))


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
