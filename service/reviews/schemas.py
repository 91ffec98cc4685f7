"""API shapes for review transitions, versions and clarification threads."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from service.assessments.models import AssessmentStatus
from service.assessments.schemas import Actor
from service.reviews.models import ClarificationState, MessageKind

Reason = Field(default=None, max_length=4000, description="Why; kept in the history.")


class TransitionRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "Picked up for review."}]}
    )

    reason: str | None = Reason


class ClarificationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "question_id": "framework.version",
                    "message": "Which CUDA version does the image need?",
                }
            ]
        },
    )

    question_id: str = Field(max_length=100)
    message: str = Field(max_length=4000)


class ChangesRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "reason": "Two answers need detail before we can approve.",
                    "requests": [
                        {
                            "question_id": "framework.version",
                            "message": "Which CUDA version does the image need?",
                        }
                    ],
                }
            ]
        },
    )

    reason: str | None = Reason
    requests: list[ClarificationCreate] = Field(
        default_factory=list,
        max_length=100,
        description="New clarification requests; open ones made earlier count too.",
    )


class ApprovalRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"conditions": ["Pin the serving image by digest before go-live."]}]
        },
    )

    conditions: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Free-text items the vendor must meet; shown in the report.",
    )
    reason: str | None = Reason


class ClarificationReply(BaseModel):
    """A reply, a changed answer, or both. `answer` present (even null) changes the answer;
    that needs the assessment to be a draft or sent back with changes requested."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"message": "CUDA 12.4.", "answer": "2.5.1"}]},
    )

    message: str | None = Field(default=None, max_length=4000)
    answer: Any = Field(default=None, description="The question's new answer (optional).")


class ClarificationResolve(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str | None = Field(default=None, max_length=4000)


class MessageRead(BaseModel):
    kind: MessageKind
    message: str | None
    answer_changed: bool
    old_answer: Any | None
    new_answer: Any | None
    actor: Actor
    at: datetime


class ClarificationRead(BaseModel):
    id: uuid.UUID
    question_id: str
    question: str = Field(description="The question's label.")
    state: ClarificationState = Field(
        description="open (awaiting the respondent; blocks approval), answered, resolved."
    )
    messages: list[MessageRead]
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None


class VersionRead(BaseModel):
    id: uuid.UUID
    version: int
    status: AssessmentStatus
    current: bool = Field(description="True for the latest version.")
    submitted_at: datetime | None
    approved_at: datetime | None
    url: str
    report_url: str | None = Field(description="Null until the version has a score.")
