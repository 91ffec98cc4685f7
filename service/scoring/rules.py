"""Rule packs: the scoring rules of one questionnaire version, as data.

A pack names the questionnaire it scores (`ai-framework@1.0`) and the client questionnaire its
`client:` tests read (`client-environment@1.0`). Everything in it is checked when it is loaded:
question ids, options, operators against question types, knowledge-base statuses, categories,
bands and thresholds, with a "did you mean" hint wherever a name is close to a real one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import StrEnum
from functools import cached_property
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from service.questionnaires.checks import check_leaf
from service.questionnaires.conditions import Condition, Leaf, Operator, leaves
from service.questionnaires.loader import did_you_mean
from service.questionnaires.schema import Question, Questionnaire, QuestionType

QuestionnaireKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*@\d+\.\d+(\.\d+)?$")]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")]


class Dimension(StrEnum):
    TECHNICAL_CURRENCY = "technical_currency"
    INTEGRATION_RISK = "integration_risk"


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


SEVERITY_ORDER = {severity: rank for rank, severity in enumerate(Severity)}

BANDS: dict[Dimension, tuple[str, ...]] = {
    # best first
    Dimension.TECHNICAL_CURRENCY: ("current", "lagging", "outdated"),
    Dimension.INTEGRATION_RISK: ("low", "moderate", "high"),
}

KB_STATUSES = ("current", "maintained", "limited_maintenance", "end_of_life")


class Verdict(StrEnum):
    """The recommendation, best first (`insufficient_information`: the answers leave it open)."""

    RECOMMENDED = "recommended"
    CONDITIONAL = "conditional"
    NOT_RECOMMENDED = "not_recommended"
    INSUFFICIENT_INFORMATION = "insufficient_information"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(_Strict):
    id: RuleId
    title: Text
    dimension: Dimension
    category: Identifier
    severity: Severity
    points: float = Field(ge=0, le=100)
    if_unknown: float | None = Field(
        default=None, ge=0, le=100, description="Points when the outcome rests on unknowns."
    )
    min_band: str | None = Field(
        default=None, description="A blocker: when the rule fires, the band is at least this bad."
    )
    verdict_at_most: Verdict | None = Field(
        default=None,
        description="When the rule fires on known answers, the recommendation is at best this "
        "(conditional or not_recommended).",
    )
    root: Identifier | None = Field(
        default=None,
        description="Rules that restate one fact share a root and are reported as one finding.",
    )
    when: Condition
    rationale: Text
    recommendation: Text
    follow_up: tuple[Text, ...] = Field(min_length=1)

    @property
    def unknown_points(self) -> float:
        return self.points if self.if_unknown is None else self.if_unknown


class Category(_Strict):
    title: Text
    cap: float = Field(gt=0, le=100, description="The most this category can contribute.")


class CurrencyThresholds(_Strict):
    current: int = Field(ge=0, le=100, description="Scores at or above this are current.")
    lagging: int = Field(ge=0, le=100, description="At or above this (and below current): lagging.")

    @model_validator(mode="after")
    def _ordered(self) -> CurrencyThresholds:
        if self.lagging >= self.current:
            raise ValueError("'lagging' must be below 'current'")
        return self


class RiskThresholds(_Strict):
    low: int = Field(ge=0, le=100, description="Scores at or below this are low risk.")
    moderate: int = Field(ge=0, le=100, description="At or below this (above low): moderate.")

    @model_validator(mode="after")
    def _ordered(self) -> RiskThresholds:
        if self.moderate <= self.low:
            raise ValueError("'moderate' must be above 'low'")
        return self


class Thresholds(_Strict):
    technical_currency: CurrencyThresholds
    integration_risk: RiskThresholds


class Categories(_Strict):
    technical_currency: dict[Identifier, Category] = Field(min_length=1)
    integration_risk: dict[Identifier, Category] = Field(min_length=1)

    def of(self, dimension: Dimension) -> dict[str, Category]:
        return dict(getattr(self, dimension.value))


class RecommendationPolicy(_Strict):
    min_completeness: float = Field(
        default=0.8,
        ge=0,
        le=1,
        description="Below this share of known vendor answers, a vendor can be at best "
        "'conditional'.",
    )
    min_vendor_completeness: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="Below this share of known vendor answers, the verdict is "
        "'insufficient_information'.",
    )


class Root(_Strict):
    title: Text
    dimension: Dimension


class RulePack(_Strict):
    questionnaire: QuestionnaireKey
    environment: QuestionnaireKey
    version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+(\.\d+)?$")]
    title: Text
    description: Text
    thresholds: Thresholds
    categories: Categories
    recommendation: RecommendationPolicy = RecommendationPolicy()
    roots: dict[Identifier, Root] = Field(default_factory=dict)
    rules: tuple[Rule, ...] = Field(min_length=1)

    @cached_property
    def by_id(self) -> dict[str, Rule]:
        return {rule.id: rule for rule in self.rules}

    @property
    def key(self) -> str:
        return f"{self.questionnaire} rules {self.version}"


def check_pack(
    pack: RulePack,
    vendor: Questionnaire,
    client: Questionnaire,
    knowledge_ids: Mapping[str, str],
) -> Iterator[tuple[str, str]]:
    """Yield (item, message) for every mistake; `knowledge_ids` maps entry id -> kind."""
    ids = [rule.id for rule in pack.rules]
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        yield f"rule '{duplicate}'", "duplicate rule id"
    for rule in pack.rules:
        for message in _rule_problems(rule, pack, vendor, client, knowledge_ids):
            yield f"rule '{rule.id}'", message


def _rule_problems(
    rule: Rule,
    pack: RulePack,
    vendor: Questionnaire,
    client: Questionnaire,
    knowledge_ids: Mapping[str, str],
) -> Iterator[str]:
    categories = pack.categories.of(rule.dimension)
    if rule.category not in categories:
        hint = did_you_mean(rule.category, categories)
        yield f"category '{rule.category}' is not declared for {rule.dimension}{hint}"
    if rule.unknown_points < rule.points:
        yield (
            f"if_unknown ({rule.unknown_points:g}) is below points ({rule.points:g}): a vendor "
            "would score better by not answering"
        )
    if rule.root is not None:
        root = pack.roots.get(rule.root)
        if root is None:
            hint = did_you_mean(rule.root, pack.roots)
            yield f"root '{rule.root}' is not declared under roots{hint}"
        elif root.dimension is not rule.dimension:
            yield f"root '{rule.root}' is a {root.dimension} root; the rule is {rule.dimension}"
    if rule.verdict_at_most in (Verdict.RECOMMENDED, Verdict.INSUFFICIENT_INFORMATION):
        yield "verdict_at_most must be conditional or not_recommended"
    bands = BANDS[rule.dimension]
    if rule.min_band is not None and rule.min_band not in bands:
        hint = did_you_mean(rule.min_band, bands)
        listed = ", ".join(bands)
        yield f"min_band '{rule.min_band}' is not a {rule.dimension} band ({listed}){hint}"
    yield from condition_problems(rule.when, vendor, client, knowledge_ids)


def condition_problems(
    condition: Condition,
    vendor: Questionnaire,
    client: Questionnaire,
    knowledge_ids: Mapping[str, str],
) -> Iterator[str]:
    for leaf in leaves(condition):
        if leaf.client is not None:
            yield from check_leaf(leaf, client.questions, "client fact")
        else:
            yield from check_leaf(leaf, vendor.questions, "question")
            yield from _knowledge_problems(leaf, vendor.questions, knowledge_ids)
            yield from _client_fact_problems(leaf, client)


def _client_fact_problems(leaf: Leaf, client: Questionnaire) -> Iterator[str]:
    other = leaf.client_question
    if other is None:
        return
    question = client.questions.get(other)
    expected = (
        QuestionType.NUMBER if leaf.memory_shortfall is not None else QuestionType.MULTIPLE_CHOICE
    )
    if question is None or question.type is not expected:
        hint = did_you_mean(other, client.questions)
        yield f"{leaf.operator} needs a {expected} client fact, not '{other}'{hint}"


def _knowledge_problems(
    leaf: Leaf, questions: Mapping[str, Question], knowledge_ids: Mapping[str, str]
) -> Iterator[str]:
    if leaf.operator is Operator.KB_STATUS and leaf.kb_status is not None:
        for status in leaf.kb_status:
            if status not in KB_STATUSES:
                hint = did_you_mean(status, KB_STATUSES)
                yield f"'{status}' is not a knowledge-base status{hint}"
        question = questions.get(leaf.subject)
        if question is not None and not question.option_ids & set(knowledge_ids):
            yield f"no option of '{leaf.subject}' has a knowledge-base entry"
    if leaf.entry_question is not None:
        framework = questions.get(leaf.entry_question)
        if framework is not None and not framework.option_ids & set(knowledge_ids):
            yield f"no option of '{framework.id}' has a knowledge-base entry"
