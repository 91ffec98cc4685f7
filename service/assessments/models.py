"""Assessments: one vendor, judged for one client, against one pinned questionnaire version."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.auth.principal import ActorType
from service.catalog.models import QuestionnaireVersion
from service.clients.models import Client
from service.db import Base, IdMixin, JSONDocument, TimestampMixin, str_enum, utcnow
from service.scores.models import ScoreRecord
from service.vendors.models import Vendor


class AssessmentStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    SCORED = "scored"


class Assessment(IdMixin, TimestampMixin, Base):
    __tablename__ = "assessments"
    __table_args__ = (
        UniqueConstraint("organisation_id", "external_id"),
        Index("ix_assessments_sync", "organisation_id", "updated_at", "id"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    vendor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vendors.id"), index=True)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"), index=True)
    questionnaire_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("questionnaire_versions.id"))
    title: Mapped[str] = mapped_column(String(200))
    external_id: Mapped[str | None] = mapped_column(String(200))
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    """Soft deletion: a tombstone that sync returns; restorable for 30 days."""
    status: Mapped[AssessmentStatus] = mapped_column(
        str_enum(AssessmentStatus), default=AssessmentStatus.DRAFT
    )
    answers: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    revision: Mapped[int] = mapped_column(default=1)
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    due_on: Mapped[date | None] = mapped_column(default=None)
    """When the answers are due; reminders follow STACKVET_REMINDER_SCHEDULE."""
    latest_score_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("scores.id", use_alter=True), default=None
    )

    vendor: Mapped[Vendor] = relationship(lazy="raise")
    client: Mapped[Client] = relationship(lazy="raise")
    questionnaire: Mapped[QuestionnaireVersion] = relationship(lazy="raise")
    latest_score: Mapped[ScoreRecord | None] = relationship(
        lazy="raise", foreign_keys=[latest_score_id], post_update=True
    )


class HistoryKind(StrEnum):
    CREATED = "created"
    ANSWER = "answer"
    SUBMITTED = "submitted"
    SCORED = "scored"
    REOPENED = "reopened"
    UPGRADED = "upgraded"
    """Moved to a newer questionnaire version; old/new values name the versions."""
    DELETED = "deleted"
    RESTORED = "restored"
    INVITATION_CREATED = "invitation_created"
    INVITATION_SENT = "invitation_sent"
    INVITATION_OPENED = "invitation_opened"
    INVITATION_REVOKED = "invitation_revoked"
    INVITATION_SUBMITTED = "invitation_submitted"
    DUE_DATE_CHANGED = "due_date_changed"


class AssessmentHistory(IdMixin, Base):
    """Append-only: every answer change and lifecycle step, with who did it and when."""

    __tablename__ = "assessment_history"
    __table_args__ = (Index("ix_assessment_history_timeline", "assessment_id", "created_at"),)

    assessment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE")
    )
    revision: Mapped[int]
    kind: Mapped[HistoryKind] = mapped_column(str_enum(HistoryKind))
    question_id: Mapped[str | None] = mapped_column(String(100))
    old_value: Mapped[Any | None] = mapped_column(JSONDocument)
    new_value: Mapped[Any | None] = mapped_column(JSONDocument)
    actor_type: Mapped[ActorType] = mapped_column(str_enum(ActorType))
    actor_id: Mapped[uuid.UUID | None]
    actor_label: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    assessment: Mapped[Assessment] = relationship(lazy="raise")
