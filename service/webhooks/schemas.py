"""API shapes for webhooks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from service.api_types import not_null
from service.webhooks.events import EventType
from service.webhooks.models import DeliveryStatus, EndpointState

WebhookUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=10, max_length=2000),
    Field(examples=["https://crm.example/hooks/stackvet"]),
]
EVENTS_DESCRIPTION = "Event types to receive: " + ", ".join(e.value for e in EventType) + "."


class EndpointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: WebhookUrl
    events: list[str] = Field(
        min_length=1,
        description=EVENTS_DESCRIPTION,
        examples=[["assessment.scored", "report.ready"]],
    )
    description: str | None = Field(default=None, max_length=500)
    enabled: bool = True


class EndpointUpdate(BaseModel):
    """Only the fields sent are changed."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"events": ["assessment.scored"]}]}
    )

    url: WebhookUrl | None = None
    events: list[str] | None = Field(default=None, min_length=1, description=EVENTS_DESCRIPTION)
    description: str | None = Field(default=None, max_length=500)
    enabled: bool | None = None

    _not_null = field_validator("url", "events", "enabled")(not_null)


class EndpointRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    url: str
    events: list[str]
    description: str | None
    enabled: bool
    state: EndpointState = Field(
        description="healthy, failing (deliveries keep failing) or disabled."
    )
    state_reason: str | None
    consecutive_failures: int
    created_at: datetime
    updated_at: datetime


class EndpointWithSecret(EndpointRead):
    secret: str = Field(
        description="The signing secret (whsec_...). Shown only now: store it to verify signatures."
    )


class AttemptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempt: int
    status_code: int | None
    duration_ms: int
    error: str | None
    attempted_at: datetime


class DeliveryRead(BaseModel):
    id: uuid.UUID
    event_id: str
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None = Field(description="When the next try is due, if pending.")
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    log: list[AttemptRead]


class DeliveryPage(BaseModel):
    items: list[DeliveryRead]
    next_before: uuid.UUID | None = Field(description="Pass as `before` for older deliveries.")
