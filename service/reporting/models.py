"""Rendered reports, stored so that a repeated download serves the same bytes."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, IdMixin, utcnow


class RenderedReport(IdMixin, Base):
    """A PDF keyed by everything it was made from (score records, revisions, template)."""

    __tablename__ = "rendered_reports"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    cache_key: Mapped[str] = mapped_column(String(80), unique=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    etag: Mapped[str] = mapped_column(String(80))
    page_count: Mapped[int]
    render_ms: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
