"""The agency's clients, with the infrastructure profile integration risk is judged against."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.catalog.models import QuestionnaireVersion
from service.db import Base, IdMixin, JSONDocument, TimestampMixin


class Client(IdMixin, TimestampMixin, Base):
    __tablename__ = "clients"
    __table_args__ = (
        UniqueConstraint("organisation_id", "external_id"),
        Index("ix_clients_sync", "organisation_id", "updated_at", "id"),
        Index(
            "ix_clients_name_trgm",
            "name",
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
            postgresql_with={"fastupdate": "off"},
        ),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(200))
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    """Soft deletion: a tombstone that sync returns; restorable for 30 days."""
    environment: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    environment_questionnaire_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("questionnaire_versions.id")
    )

    environment_questionnaire: Mapped[QuestionnaireVersion] = relationship(lazy="raise")
