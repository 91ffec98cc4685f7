"""API shapes for clients and their environment profile."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator

from service.api_types import ExternalId, LongText, Name, not_null
from service.catalog.schemas import QuestionnaireRef

ENVIRONMENT_DESCRIPTION = (
    "Answers to the `client-environment` questionnaire, by question id "
    '(any answer may be "unknown"). On PATCH, answers are merged and null clears one.'
)
ENVIRONMENT_EXAMPLE: dict[str, JsonValue] = {
    "orchestration": "kubernetes",
    "gpu_availability": "none",
    "accepts_dedicated_hardware": False,
    "cloud": ["aws"],
    "air_gapped": False,
}


class ClientCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Northwind Retail",
                    "external_id": "hubspot-company-881",
                    "environment": ENVIRONMENT_EXAMPLE,
                }
            ]
        },
    )

    name: Name
    description: LongText | None = None
    external_id: ExternalId | None = None
    environment: dict[str, Any] = Field(
        default_factory=dict, description=ENVIRONMENT_DESCRIPTION, examples=[ENVIRONMENT_EXAMPLE]
    )


class ClientUpsert(BaseModel):
    """The whole client, by your CRM's id (the id is in the path, not the body)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "Northwind Retail", "environment": ENVIRONMENT_EXAMPLE}]
        },
    )

    name: Name
    description: LongText | None = None
    environment: dict[str, Any] = Field(
        default_factory=dict, description=ENVIRONMENT_DESCRIPTION, examples=[ENVIRONMENT_EXAMPLE]
    )


class ClientUpdate(BaseModel):
    """Only the fields sent are changed."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"environment": {"gpu_availability": "procurable"}}]},
    )

    name: Name | None = None
    description: LongText | None = None
    external_id: ExternalId | None = None
    environment: dict[str, Any] | None = Field(default=None, description=ENVIRONMENT_DESCRIPTION)

    _required = field_validator("name", "environment")(not_null)


class ClientRead(BaseModel):
    id: uuid.UUID
    name: str
    description: str | None
    external_id: str | None
    environment: dict[str, Any]
    environment_questionnaire: QuestionnaireRef
    environment_missing: list[str] = Field(
        description="Required environment questions still unanswered."
    )
    created_at: datetime
    updated_at: datetime
