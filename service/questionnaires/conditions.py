"""A small, safe condition tree and its three-valued evaluation.

A condition is `all` / `any` / `not` over leaf tests. A leaf names one fact (a vendor answer with
`question:` or a client-environment fact with `client:`) and exactly one operator:

    {question: serving.stack, one_of: [torchserve, tf_serving]}
    {client: orchestration, equals: kubernetes}
    {all: [{question: hardware.gpu, equals: required}, {client: gpu_availability, equals: none}]}

An unanswered or "unknown" fact makes a leaf *unknown* (None), never false, so that a vendor cannot
look better by not answering. Every outcome carries the facts it rests on, which is what lets the
scoring engine say exactly which answers triggered a finding.

Some operators consult the technical-currency knowledge base, and some compare a vendor answer
with a client fact (rule packs only, never `show_if`):

    {question: serving.stack, kb_status: [limited_maintenance, end_of_life]}
    {question: framework.version, support: {of: framework.primary, grades: [unsupported]}}
    {question: serving.runtime_version, security_floor_of: serving.stack}
    {question: hardware.gpu_vendors, no_shared_accelerator_with: gpu_types}
    {question: hardware.min_gpu_memory_gb, memory_shortfall: {client: gpu_memory_gb, over: 0.5}}

No expression strings and no `eval`: the tree is data, checked against the questionnaire when it
is loaded (`service.questionnaires.checks`). `service.questionnaires.evaluation` compiles it.
"""

from __future__ import annotations

import re
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
    UNKNOWN,
    other_name_question,
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
    MENTIONS_ANY = "mentions_any"


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
    mentions_any: tuple[str, ...] | None = Field(default=None, min_length=1)

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
