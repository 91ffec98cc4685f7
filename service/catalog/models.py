"""Published questionnaire versions, kept in the database so pinned versions outlive their files."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, IdMixin, OrderedJSON, utcnow


class QuestionnaireVersion(IdMixin, Base):
    __tablename__ = "questionnaire_versions"
    __table_args__ = (UniqueConstraint("slug", "version"),)

    slug: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(20))
    content_hash: Mapped[str] = mapped_column(String(80))
    definition: Mapped[dict[str, Any]] = mapped_column(OrderedJSON, deferred=True)
    """Immutable and parsed once per process by content hash (catalog.service.questionnaire_of):
    deferred, so reading an assessment does not fetch and decode it on every request."""
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
