"""The shape of a questionnaire definition file, as frozen pydantic models.

Only structure lives here; cross-references (option ids in conditions, question ids in
`show_if`) are checked by `service.questionnaires.checks`, which knows the whole document.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from service.questionnaires.conditions import UNKNOWN, Condition
from service.questionnaires.evaluation import Truth, compile_truth

TEXT_LENGTH_LIMIT = 10_000
DEFAULT_TEXT_LENGTH = 2_000

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
QuestionId = Annotated[
    str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$", max_length=100)
]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$", max_length=64)]
DefinitionVersion = Annotated[str, StringConstraints(pattern=r"^\d+\.\d+(\.\d+)?$")]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuestionType(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    BOOLEAN = "boolean"
    NUMBER = "number"
    TEXT = "text"
    VERSION = "version"


CHOICE_TYPES = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE})


class Option(Strict):
    id: Identifier
    label: Text
    help: Text | None = None
    suggest: bool = True
    """Whether an improvement path may propose this option (never `other`, `proprietary`...)."""

    @model_validator(mode="after")
    def _not_reserved(self) -> Option:
        if self.id == UNKNOWN:
            raise ValueError(f"option id '{UNKNOWN}' is reserved for the 'unknown' answer")
        return self


class Question(Strict):
    id: QuestionId
    type: QuestionType
    label: Text
    short: Text | None = Field(default=None, max_length=60)
    """A short name for reports and tables ("Serving stack"); the label when absent."""
    help: Text
    required: bool = False
    options: tuple[Option, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    unit: Text | None = None
    max_length: int | None = Field(default=None, ge=1, le=TEXT_LENGTH_LIMIT)
    placeholder: Text | None = None
    show_if: Condition | None = None
    informational: Text | None = None
    """Why no rule reads this question (it informs the reviewer but is not scored)."""

    @model_validator(mode="after")
    def _fields_fit_type(self) -> Question:
        _check_options(self)
        _check_number_fields(self)
        if self.max_length is not None and self.type is not QuestionType.TEXT:
            raise ValueError("'max_length' only applies to text questions")
        return self

    @property
    def name(self) -> str:
        return self.short or self.label

    @property
    def text_limit(self) -> int:
        return self.max_length or DEFAULT_TEXT_LENGTH

    @cached_property
    def shown_when(self) -> Truth | None:
        """`show_if` compiled for fast evaluation (None: always shown)."""
        return compile_truth(self.show_if) if self.show_if is not None else None

    @cached_property
    def option_ids(self) -> frozenset[str]:
        return frozenset(option.id for option in self.options)

    def option_label(self, option_id: str) -> str:
        return next((o.label for o in self.options if o.id == option_id), option_id)


def _check_options(question: Question) -> None:
    if question.type in CHOICE_TYPES:
        if len(question.options) < 2:
            raise ValueError(f"a {question.type} question needs at least two options")
        ids = [option.id for option in question.options]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate option ids: {', '.join(duplicates)}")
    elif question.options:
        raise ValueError(f"a {question.type} question cannot have options")


def _check_number_fields(question: Question) -> None:
    has_bounds = question.minimum is not None or question.maximum is not None
    if question.type is not QuestionType.NUMBER:
        if has_bounds or question.integer or question.unit:
            raise ValueError("'minimum', 'maximum', 'integer' and 'unit' only apply to numbers")
        return
    low, high = question.minimum, question.maximum
    if low is not None and high is not None and low > high:
        raise ValueError(f"'minimum' ({low}) is greater than 'maximum' ({high})")


class Section(Strict):
    id: Identifier
    title: Text
    description: Text | None = None
    questions: tuple[Question, ...] = Field(min_length=1)


class Audience(StrEnum):
    VENDOR = "vendor"
    CLIENT = "client"


class Questionnaire(Strict):
    slug: Slug
    version: DefinitionVersion
    title: Text
    description: Text
    audience: Audience
    sections: tuple[Section, ...] = Field(min_length=1)

    @cached_property
    def questions(self) -> dict[str, Question]:
        """Every question by id, in the order the respondent sees them."""
        return {q.id: q for section in self.sections for q in section.questions}

    @property
    def key(self) -> str:
        return f"{self.slug}@{self.version}"
