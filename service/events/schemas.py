"""API shapes for events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class EventRead(BaseModel):
    """One event, exactly as webhooks deliver it (`payload` is the signed message body)."""

    id: str = Field(examples=["msg_4c1f9b2e7a0d5c3b8e6f1a2d"])
    type: str = Field(examples=["vendor.updated"])
    created_at: datetime
    payload: dict[str, Any]


class EventPage(BaseModel):
    items: list[EventRead]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )
