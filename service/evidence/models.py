"""Evidence files, stored with the assessment they were uploaded to."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.auth.principal import ActorType
from service.db import Base, IdMixin, JSONDocument, str_enum, utcnow
from service.evidence.kinds import EvidenceKind


class EvidenceFile(IdMixin, Base):
    """One uploaded artefact: its bytes (like rendered reports, in the database), its hash,
    who uploaded it, and what it was found to say (or why it could not be read)."""

    __tablename__ = "evidence_files"
    __table_args__ = (Index("ix_evidence_files_assessment", "assessment_id", "created_at"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    assessment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE")
    )
    assessment_revision: Mapped[int]
    """The assessment revision it was uploaded at: evidence belongs to that version."""
    filename: Mapped[str] = mapped_column(String(255))
    kind: Mapped[EvidenceKind] = mapped_column(str_enum(EvidenceKind))
    kind_detected: Mapped[bool]
    """False when the uploader chose the kind."""
    source: Mapped[str] = mapped_column(String(20), default="upload")
    """`upload`, or `hub` for files fetched by the optional Hugging Face look-up."""
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    facts: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    parse_error: Mapped[str | None] = mapped_column(Text, default=None)
    uploaded_by_type: Mapped[ActorType] = mapped_column(str_enum(ActorType))
    uploaded_by_id: Mapped[uuid.UUID | None]
    uploaded_by_label: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
