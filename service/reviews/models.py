"""Clarifications: a thread per question between the reviewer and the respondent."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.auth.principal import ActorType
from service.db import Base, IdMixin, JSONDocument, str_enum, utcnow


class ClarificationState(StrEnum):
    OPEN = "open"
    """Waiting for the respondent; blocks approval."""
    ANSWERED = "answered"
    """The respondent replied; the reviewer accepts it by resolving it or by approving."""
    RESOLVED = "resolved"


class MessageKind(StrEnum):
    REQUEST = "request"
    REPLY = "reply"
    RESOLUTION = "resolution"


class Clarification(IdMixin, Base):
    """One question's thread in one version of an assessment."""

    __tablename__ = "clarifications"
    __table_args__ = (UniqueConstraint("assessment_id", "question_id"),)

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    assessment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE")
    )
    question_id: Mapped[str] = mapped_column(String(100))
    state: Mapped[ClarificationState] = mapped_column(str_enum(ClarificationState))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_by: Mapped[str | None] = mapped_column(String(300), default=None)

    messages: Mapped[list[ClarificationMessage]] = relationship(
        lazy="raise", order_by="ClarificationMessage.created_at", cascade="all"
    )


class ClarificationMessage(IdMixin, Base):
    """Append-only: a request, a reply (optionally with the answer it changed), a resolution."""

    __tablename__ = "clarification_messages"

    clarification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clarifications.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[MessageKind] = mapped_column(str_enum(MessageKind))
    body: Mapped[str | None] = mapped_column(Text)
    answer_changed: Mapped[bool] = mapped_column(default=False)
    old_answer: Mapped[Any | None] = mapped_column(JSONDocument, default=None)
    new_answer: Mapped[Any | None] = mapped_column(JSONDocument, default=None)
    actor_type: Mapped[ActorType] = mapped_column(str_enum(ActorType))
    actor_id: Mapped[uuid.UUID | None]
    actor_label: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
