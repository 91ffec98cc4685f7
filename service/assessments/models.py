"""Assessments: one vendor, judged for one client, against one pinned questionnaire version."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.auth.principal import ActorType
from service.catalog.models import QuestionnaireVersion
from service.clients.models import Client
from service.db import Base, IdMixin, JSONDocument, TimestampMixin, str_enum, utcnow
from service.scores.models import ScoreRecord
from service.vendors.models import Vendor


class AssessmentStatus(StrEnum):
    """draft -> submitted -> in_review -> changes_requested (back to the respondent) or approved.

    `changes_requested` is answered and resubmitted like a draft; an approved version is final:
    reopening it starts the next version as a new row (see service/assessments/versions.py).
    """

    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"


EDITABLE = frozenset({AssessmentStatus.DRAFT, AssessmentStatus.CHANGES_REQUESTED})
"""States in which the respondent may change answers and submit."""

_CURRENT = text("superseded_by_id IS NULL")


class Assessment(IdMixin, TimestampMixin, Base):
    __tablename__ = "assessments"
    __table_args__ = (
        # A CRM id names the assessment's current version; earlier versions keep it too.
        Index(
            "uq_assessments_current_external_id",
            "organisation_id",
            "external_id",
            unique=True,
            sqlite_where=_CURRENT,
            postgresql_where=_CURRENT,
        ),
        Index("ix_assessments_sync", "organisation_id", "updated_at", "id"),
        Index("ix_assessments_status", "organisation_id", "status", "updated_at", "id"),
        # external_id with all_versions: earlier versions are outside the unique index above.
        Index("ix_assessments_external_id", "organisation_id", "external_id"),
        Index(
            "ix_assessments_title_trgm",
            "title",
            postgresql_using="gin",
            postgresql_ops={"title": "gin_trgm_ops"},
            postgresql_with={"fastupdate": "off"},
        ),
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
    progress_answered: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    """The progress counts a list row shows, stored so that a list does not read the answers;
    `assessments.service.refresh_progress` sets them whenever the answers or the pinned
    questionnaire change (create, answer, upgrade; a next version copies them)."""
    progress_unknown: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    progress_visible: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    progress_required_missing: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    due_on: Mapped[date | None] = mapped_column(default=None)
    """When the answers are due; reminders follow STACKVET_REMINDER_SCHEDULE."""
    latest_score_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("scores.id", use_alter=True), default=None
    )
    latest_technical_currency: Mapped[int | None] = mapped_column(default=None)
    """The latest score's technical currency, copied here so that the dashboard sorts by it
    down an index (migration 0017); written with the latest score, None until scored."""
    latest_integration_risk: Mapped[int | None] = mapped_column(default=None)
    """The latest score's integration risk, likewise."""
    series_id: Mapped[uuid.UUID] = mapped_column(index=True)
    """The first version's id, shared by every version of this assessment."""
    version: Mapped[int] = mapped_column(default=1)
    superseded_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("assessments.id"), default=None
    )
    """The next version, once this approved one was reopened; this row then stays as it was."""
    approved_at: Mapped[datetime | None] = mapped_column(default=None)
    approved_by: Mapped[str | None] = mapped_column(String(300), default=None)
    conditions: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    """Approval conditions: free-text items the vendor must meet, shown in the report."""
    published_report_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("rendered_reports.id", ondelete="SET NULL"), default=None
    )
    """The approved version's report, pinned at its first rendering: served as is for ever."""

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
    REVIEW_STARTED = "review_started"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    VERSION_CREATED = "version_created"
    """The first entry of a version made by reopening an approved one."""
    CLARIFICATION = "clarification"
    """A clarification request, reply or resolution on one question."""
    DELETED = "deleted"
    RESTORED = "restored"
    INVITATION_CREATED = "invitation_created"
    INVITATION_SENT = "invitation_sent"
    INVITATION_OPENED = "invitation_opened"
    INVITATION_REVOKED = "invitation_revoked"
    INVITATION_SUBMITTED = "invitation_submitted"
    DUE_DATE_CHANGED = "due_date_changed"
    IMPORTED = "imported"
    """Answers imported from a workbook (one revision); new value counts the answers changed."""


TRANSITIONS = frozenset(
    {
        HistoryKind.SUBMITTED,
        HistoryKind.REVIEW_STARTED,
        HistoryKind.CHANGES_REQUESTED,
        HistoryKind.APPROVED,
        HistoryKind.REOPENED,
    }
)
"""History kinds whose old and new values are the states moved between."""


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
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    assessment: Mapped[Assessment] = relationship(lazy="raise")
