"""API shapes for vendors."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator

from service import bulk
from service.api_types import ExternalId, LongText, Name, WebAddress, not_null


class VendorCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "OpenWeave AI",
                    "website": "https://openweave.example",
                    "external_id": "hubspot-company-4412",
                }
            ]
        },
    )

    name: Name
    website: WebAddress | None = None
    description: LongText | None = None
    external_id: ExternalId | None = None


class VendorUpsert(BaseModel):
    """The whole vendor, by your CRM's id (the id is in the path, not the body)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "OpenWeave AI", "website": "https://openweave.example"}]
        },
    )

    name: Name
    website: WebAddress | None = None
    description: LongText | None = None


class VendorUpdate(BaseModel):
    """Only the fields sent are changed; send null to clear an optional field."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"website": "https://openweave.example"}]}
    )

    name: Name | None = None
    website: WebAddress | None = None
    description: LongText | None = None
    external_id: ExternalId | None = None

    _name_required = field_validator("name")(not_null)


class VendorRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    website: str | None
    description: str | None
    external_id: str | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None

    @computed_field(description="A tombstone: listed with include_deleted=true and in syncs.")
    def deleted(self) -> bool:
        return self.deleted_at is not None


class VendorBulkItem(VendorUpsert):
    """One vendor of a bulk upsert: the whole vendor, with your CRM's id."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "external_id": "hubspot-4412",
                    "name": "OpenWeave AI",
                    "website": "https://openweave.example",
                }
            ]
        },
    )

    external_id: ExternalId


class VendorBulk(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {"external_id": "hubspot-4412", "name": "OpenWeave AI"},
                        {"external_id": "hubspot-4413", "name": "Monolith Intelligence"},
                    ]
                }
            ]
        },
    )

    items: list[VendorBulkItem] = bulk.ItemsField


class VendorBulkResult(VendorRead):
    result: bulk.Outcome = Field(description="What the upsert did to this vendor.")


class VendorBulkRead(bulk.BulkCounts):
    items: list[VendorBulkResult] = Field(description="In the order of the request's items.")
