"""Score records and the immutable inputs they were computed from."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.catalog.models import QuestionnaireVersion
from service.db import Base, IdMixin, JSONDocument, OrderedJSON, str_enum, utcnow


class RulePackVersion(IdMixin, Base):
    """A published rule pack; immutable, so old scores can always be explained and redone."""

    __tablename__ = "rule_pack_versions"
    __table_args__ = (UniqueConstraint("questionnaire", "version"),)

    questionnaire: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(20))
    content_hash: Mapped[str] = mapped_column(String(80))
    definition: Mapped[dict[str, Any]] = mapped_column(OrderedJSON, deferred=True)
    """Deferred: compiled once per process by content hash (scores.service.engine_for)."""
    published_at: Mapped[datetime] = mapped_column(default=utcnow)


class KnowledgeSnapshot(IdMixin, Base):
    """One state of the technical-currency knowledge base, by content hash."""

    __tablename__ = "knowledge_snapshots"

    as_of: Mapped[str] = mapped_column(String(20))
    content_hash: Mapped[str] = mapped_column(String(80), unique=True)
    content: Mapped[dict[str, Any]] = mapped_column(OrderedJSON, deferred=True)
    """Deferred: compiled once per process by content hash (scores.service.engine_for)."""
    published_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScoreTrigger(StrEnum):
    SUBMITTED = "submitted"
    RESCORED = "rescored"


DETAIL = "detail"
"""The record's large columns (findings, snapshots, paths): loaded only where a score is
explained (`undefer_group(DETAIL)`), not for the bands a summary or list shows."""


class ScoreRecord(IdMixin, Base):
    """Append-only: a score, how it was reached, and a snapshot of everything it rests on."""

    __tablename__ = "scores"
    __table_args__ = (
        UniqueConstraint("assessment_id", "sequence"),
        Index("ix_scores_organisation_id", "organisation_id"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    assessment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE")
    )
    sequence: Mapped[int]
    trigger: Mapped[ScoreTrigger] = mapped_column(str_enum(ScoreTrigger))
    technical_currency: Mapped[int]
    currency_band: Mapped[str] = mapped_column(String(20))
    integration_risk: Mapped[int]
    risk_band: Mapped[str] = mapped_column(String(20))
    recommendation: Mapped[str] = mapped_column(String(32))
    completeness: Mapped[float]
    result: Mapped[dict[str, Any]] = mapped_column(
        JSONDocument, deferred=True, deferred_group=DETAIL
    )
    questionnaire_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("questionnaire_versions.id"))
    environment_questionnaire_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("questionnaire_versions.id")
    )
    rule_pack_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rule_pack_versions.id"))
    knowledge_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("knowledge_snapshots.id"))
    engine_version: Mapped[str] = mapped_column(String(20))
    answers: Mapped[dict[str, Any]] = mapped_column(
        JSONDocument, deferred=True, deferred_group=DETAIL
    )
    client_environment: Mapped[dict[str, Any]] = mapped_column(
        JSONDocument, deferred=True, deferred_group=DETAIL
    )
    inputs_hash: Mapped[str] = mapped_column(String(80))
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    improvement_paths: Mapped[list[dict[str, Any]] | None] = mapped_column(
        JSONDocument, default=None, deferred=True, deferred_group=DETAIL
    )
    """Computed when the score is recorded (see scores/stored_paths.py); NULL on records made
    before paths were stored, whose paths are computed when read."""
    evidence: Mapped[dict[str, Any] | None] = mapped_column(
        JSONDocument, default=None, deferred=True, deferred_group=DETAIL
    )
    """The evidence files (by SHA-256) the score used, the answers it replaced with evidenced
    values, and the contradictions found (service/evidence/scoring.py); NULL without evidence."""

    questionnaire: Mapped[QuestionnaireVersion] = relationship(
        lazy="raise", foreign_keys=[questionnaire_id]
    )
    environment_questionnaire: Mapped[QuestionnaireVersion] = relationship(
        lazy="raise", foreign_keys=[environment_questionnaire_id]
    )
    rule_pack: Mapped[RulePackVersion] = relationship(lazy="raise")
    knowledge: Mapped[KnowledgeSnapshot] = relationship(lazy="raise")
