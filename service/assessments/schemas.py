"""API shapes for assessments, their answers and their history."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator

from service.api_types import ExternalId, Name, not_null
from service.assessments.models import AssessmentStatus, HistoryKind
from service.auth.principal import ActorType
from service.catalog.schemas import QuestionnaireRef

ANSWERS_DESCRIPTION = (
    'Answers by question id. Any question may be answered "unknown"; null clears an answer.'
)
ANSWERS_EXAMPLE = {
    "framework.primary": "pytorch",
    "framework.version": "2.5.1",
    "serving.stack": "vllm",
    "deployment.container_image": True,
    "deployment.kubernetes": "helm_chart",
    "hf.weight_formats": ["safetensors"],
    "hardware.dedicated_server_required": "unknown",
}


DUE_ON_DESCRIPTION = (
    "When the answers are due (YYYY-MM-DD). The respondent is reminded before and after it "
    "(STACKVET_REMINDER_SCHEDULE); null: no due date."
)


class AssessmentCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "vendor_id": "6f1c9a52-4d7e-4c1b-9f6e-0d2b8a4e7c31",
                    "client_id": "0b8e2f44-93a1-4f7c-8e55-2c6d1a9b3f10",
                    "external_id": "hubspot-deal-20931",
                }
            ]
        },
    )

    vendor_id: uuid.UUID
    client_id: uuid.UUID
    questionnaire: str = Field(default="ai-framework", description="Questionnaire slug.")
    title: Name | None = Field(default=None, description='Default: "<vendor> for <client>".')
    external_id: ExternalId | None = None
    answers: dict[str, Any] = Field(
        default_factory=dict, description=ANSWERS_DESCRIPTION, examples=[ANSWERS_EXAMPLE]
    )
    due_on: date | None = Field(default=None, description=DUE_ON_DESCRIPTION)


class AssessmentUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"title": "Product copy pilot, 2027"}]}
    )

    title: Name | None = None
    external_id: ExternalId | None = None
    due_on: date | None = Field(default=None, description=DUE_ON_DESCRIPTION)

    _title_required = field_validator("title")(not_null)


class AnswersPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: dict[str, Any] = Field(description=ANSWERS_DESCRIPTION, examples=[ANSWERS_EXAMPLE])


class PartyRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    external_id: str | None


class ProgressRead(BaseModel):
    answered: int = Field(description='Visible questions with an answer ("unknown" included).')
    unknown: int = Field(description='Of those, how many were answered "unknown".')
    visible: int = Field(description="Questions shown, given the answers so far.")
    required_missing: int
    percent: int


class BandedScore(BaseModel):
    score: int
    band: str


class LatestScore(BaseModel):
    """The latest score in brief; GET .../score has the full explanation."""

    sequence: int
    technical_currency: BandedScore
    integration_risk: BandedScore
    recommendation: str
    completeness: float
    computed_at: datetime


class AssessmentSummary(BaseModel):
    id: uuid.UUID
    title: str
    status: AssessmentStatus
    external_id: str | None
    vendor: PartyRef
    client: PartyRef
    questionnaire: QuestionnaireRef
    revision: int = Field(description="Goes up with every change; the ETag is this number.")
    progress: ProgressRead
    score: LatestScore | None = Field(description="Null until the assessment is submitted.")
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    due_on: date | None = Field(default=None, description=DUE_ON_DESCRIPTION)
    deleted_at: datetime | None = None

    @computed_field(description="A tombstone: listed with include_deleted=true and in syncs.")
    def deleted(self) -> bool:
        return self.deleted_at is not None


class AssessmentRead(AssessmentSummary):
    answers: dict[str, Any]
    missing_required: list[str] = Field(
        description="Required questions that are visible and unanswered; submit needs none."
    )


class Actor(BaseModel):
    type: ActorType
    label: str


class HistoryEntry(BaseModel):
    revision: int
    kind: HistoryKind
    question_id: str | None
    old_value: Any | None
    new_value: Any | None
    actor: Actor
    at: datetime


class AssessmentUpgradeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"to": "2.0"}]})

    to: str | None = Field(
        default=None, max_length=20, description="Questionnaire version; default: the latest."
    )


class DroppedAnswerRead(BaseModel):
    question: str
    value: Any = Field(description="The answer given on the old version.")
    reason: str


class AssessmentUpgradeRead(BaseModel):
    """The draft on its new version, and what happened to each answer."""

    model_config = ConfigDict(populate_by_name=True)

    from_: QuestionnaireRef = Field(alias="from", description="The version it was on.")
    to: QuestionnaireRef
    kept: list[str] = Field(description="Questions whose answers carried over unchanged.")
    dropped: list[DroppedAnswerRead] = Field(
        description="Answers no longer valid on the new version: asked again, with why."
    )
    assessment: AssessmentRead
