"""An organisation's branding on its reports: logo, accent colour, contact, validity."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, utcnow


class Branding(Base):
    """One row per organisation that set any branding; no row means the defaults."""

    __tablename__ = "organisation_branding"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    accent_colour: Mapped[str | None] = mapped_column(String(7), default=None)
    contact_name: Mapped[str | None] = mapped_column(String(200), default=None)
    contact_email: Mapped[str | None] = mapped_column(String(254), default=None)
    validity_months: Mapped[int] = mapped_column(default=12)
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    """Always re-encoded by the service (PNG) or sanitised (SVG), never the upload as sent."""
    logo_media_type: Mapped[str | None] = mapped_column(String(40), default=None)
    logo_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
