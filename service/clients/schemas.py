"""API shapes for clients and their environment profile."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue, computed_field, field_validator

from service import bulk
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
    deleted_at: datetime | None = None

    @computed_field(description="A tombstone: listed with include_deleted=true and in syncs.")
    def deleted(self) -> bool:
        return self.deleted_at is not None


class ClientBulkItem(ClientUpsert):
    """One client of a bulk upsert: the whole client, environment included, with your CRM's id."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"external_id": "hubspot-co-77", "name": "Northwind Retail"}]
        },
    )

    external_id: ExternalId


class ClientBulk(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "external_id": "hubspot-company-881",
                            "name": "Northwind Retail",
                            "environment": ENVIRONMENT_EXAMPLE,
                        }
                    ]
                }
            ]
        },
    )

    items: list[ClientBulkItem] = bulk.ItemsField


class ClientBulkResult(ClientRead):
    result: bulk.Outcome = Field(description="What the upsert did to this client.")


class ClientBulkRead(bulk.BulkCounts):
    items: list[ClientBulkResult] = Field(description="In the order of the request's items.")
