"""API shapes for scores: the numbers, the reasons, the way up, and where they came from."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from service.catalog.schemas import QuestionnaireRef
from service.scores.models import ScoreTrigger
from service.scoring.engine import Basis, Recommendation
from service.scoring.rules import Dimension, Severity


class CategoryRead(BaseModel):
    category: str
    title: str
    points: float = Field(description="Points of the findings in this category.")
    cap: float
    counted: float = Field(description="What the category adds after its cap.")


class DimensionRead(BaseModel):
    score: int
    band: str
    points: float = Field(description="Total points after category caps.")
    unknown_points: float = Field(description="Of those, points that rest on unknown answers.")
    categories: list[CategoryRead]
    blockers: list[str] = Field(description="Rules that forced the band (min_band).")


class CompletenessRead(BaseModel):
    ratio: float = Field(description="Share of visible questions answered with a known value.")
    vendor_ratio: float = Field(
        default=1.0, description="Share of the vendor's visible questions answered."
    )
    vendor_known: int
    vendor_visible: int
    client_known: int
    client_visible: int


class Evidence(BaseModel):
    source: str = Field(description="vendor (an answer) or client (the client's environment).")
    question: str
    label: str
    value: Any
    value_label: str
    known: bool


class FindingRead(BaseModel):
    rule_id: str
    title: str
    dimension: Dimension
    category: str
    severity: Severity
    points: float
    basis: Basis
    verified: bool = Field(description="False when the finding rests on unknown answers.")
    root: str = Field(default="", description="The root finding it belongs to (see root_findings).")
    evidence: list[Evidence]
    rationale: str
    recommendation: str
    follow_up: list[str]


class RootFindingRead(BaseModel):
    """One fact, one finding: the rules that restate it, with their points counted once."""

    id: str
    title: str
    dimension: Dimension
    severity: Severity
    points: float
    verified: bool
    rule_ids: list[str] = Field(description="The contributing rules, largest first.")


class ToConfirmRead(BaseModel):
    """An unknown vendor answer that matters, with what it could change."""

    question: str
    label: str
    blocking: bool = Field(description="True when the answer could decide the verdict.")
    points: float = Field(description="Points counted against the vendor until it is answered.")
    rule_ids: list[str]


class AssumedFact(BaseModel):
    question: str
    label: str


class ClientProfileRead(BaseModel):
    complete: bool
    summary: str = Field(description='e.g. "Client profile incomplete: 3 facts assumed".')
    assumed: list[AssumedFact] = Field(
        description="Client facts the rules needed but nobody answered: assumed not to conflict "
        "with the vendor, never counted against it."
    )


class Reason(BaseModel):
    rule_id: str
    title: str
    points: float
    severity: Severity


class ChangeRead(BaseModel):
    question: str
    label: str
    current: Any
    current_label: str
    options: list[Any]
    option_labels: list[str]


class ImprovementPathRead(BaseModel):
    dimension: Dimension
    from_band: str
    to_band: str
    score_before: int
    score_after: int
    summary: str
    changes: list[ChangeRead]
    resolves: list[str]


class RulePackRef(BaseModel):
    questionnaire: str
    version: str
    content_hash: str


class KnowledgeRef(BaseModel):
    as_of: str
    content_hash: str


class Provenance(BaseModel):
    questionnaire: QuestionnaireRef
    environment_questionnaire: QuestionnaireRef
    rule_pack: RulePackRef
    knowledge_base: KnowledgeRef
    engine_version: str
    computed_at: datetime | None
    answers: dict[str, Any] = Field(description="The answers as they were scored.")
    client_environment: dict[str, Any] = Field(description="The client environment scored.")


class EvidenceSourceRead(BaseModel):
    file: str
    location: str = Field(description="`line 12` or a JSON pointer such as `/auto_map`.")
    excerpt: str


class ContradictionRead(BaseModel):
    """An answer the evidence contradicts: a finding of its own, scored with the evidence."""

    question: str
    label: str = Field(default="", description="The question's short name.")
    declared: Any = Field(description="What the answer said.")
    evidenced: Any = Field(description="What the evidence says: the value the score used.")
    sources: list[EvidenceSourceRead]
    severity: Severity = Field(
        description="As severe as the worst finding the declared value hid (low if none)."
    )
    hidden_rules: list[str] = Field(description="Rules that fire on the evidenced value only.")
    hidden_titles: list[str]


class EvidenceFileRef(BaseModel):
    sha256: str
    filename: str
    kind: str


class ScoreEvidenceRead(BaseModel):
    """The evidence a score used (by SHA-256, so it can be recomputed) and what it changed."""

    files: list[EvidenceFileRef]
    contradictions: list[ContradictionRead] = Field(description="Most severe first.")
    statuses: dict[str, str] = Field(
        description="Per question: declared, evidenced, contradicted or suggested."
    )


class ScoreRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"description": "A score and its explanation."})

    id: uuid.UUID | None = Field(description="Null for what-if results, which are not stored.")
    sequence: int | None
    trigger: ScoreTrigger | None
    technical_currency: DimensionRead
    integration_risk: DimensionRead
    recommendation: Recommendation
    completeness: CompletenessRead
    findings: list[FindingRead]
    root_findings: list[RootFindingRead] = Field(
        default_factory=list, description="Verified findings grouped by the fact they restate."
    )
    to_confirm: list[ToConfirmRead] = Field(
        default_factory=list,
        description="Unknown vendor answers to confirm, those that could decide the verdict first.",
    )
    client_profile: ClientProfileRead | None = None
    top_reasons: dict[Dimension, list[Reason]]
    improvement_paths: list[ImprovementPathRead]
    provenance: Provenance
    evidence: ScoreEvidenceRead | None = Field(
        default=None,
        description="Set when evidence files applied: contradicted answers were scored with "
        "the evidenced values listed here.",
    )


class ScoreSummary(BaseModel):
    """One line of the score history."""

    id: uuid.UUID
    sequence: int
    trigger: ScoreTrigger
    technical_currency: int
    currency_band: str
    integration_risk: int
    risk_band: str
    recommendation: Recommendation
    completeness: float
    rule_pack_version: str
    knowledge_as_of: str
    computed_at: datetime


class WhatIf(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: dict[str, Any] = Field(
        description='Changed answers, merged over the current ones (null clears, "unknown" ok).',
        examples=[{"serving.stack": "vllm", "hf.model_swappable": True}],
    )
