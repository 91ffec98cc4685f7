"""API shapes for API keys."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from service.auth.permissions import Role


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, examples=["HubSpot sync"])
    role: Role = Field(examples=[Role.INTEGRATION])


class ApiKeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    prefix: str = Field(description="The start of the key, to recognise it; never the key.")
    role: Role
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    token: str = Field(description="The key itself. Shown once: store it now.")


class Me(BaseModel):
    organisation_id: uuid.UUID
    organisation_name: str
    role: Role
    actor: str
