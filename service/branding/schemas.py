"""API shapes for an organisation's report branding."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Colour = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
Email = Annotated[
    str, StringConstraints(pattern=r'^[^@\s<>"]+@[^@\s<>"]+\.[^@\s<>"]+$', max_length=254)
]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]


class LogoRead(BaseModel):
    media_type: str
    sha256: str
    url: str = Field(description="Where to download it (same authentication).")


class BrandingRead(BaseModel):
    accent_colour: str | None = Field(description='Reports use it for headings, e.g. "#2d5bd7".')
    contact_name: str | None
    contact_email: str | None
    validity_months: int = Field(description="Reports are valid this long after scoring.")
    logo: LogoRead | None
    updated_at: datetime | None


class BrandingUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accent_colour: Colour | None = Field(default=None, examples=["#0b6e4f"])
    contact_name: Name | None = Field(default=None, examples=["Dana Reyes"])
    contact_email: Email | None = Field(default=None, examples=["dana.reyes@agency.example"])
    validity_months: int = Field(default=12, ge=1, le=36)
