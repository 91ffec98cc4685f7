"""Vendor invitations: a link that lets a vendor contact answer one draft assessment."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, IdMixin, JSONDocument, utcnow


class Invitation(IdMixin, Base):
    """Only the SHA-256 of the link's token is stored; the link is shown once, at creation."""

    __tablename__ = "invitations"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    assessment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(320))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_opened_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    due_on: Mapped[date | None] = mapped_column(default=None)
    superseded_at: Mapped[datetime | None] = mapped_column(default=None)
    """A newer link for the same contact and assessment replaced this one."""
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    """When the invitation e-mail was queued (None: the link was only copied by hand)."""
    submitted_answers: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument, default=None)
    """The answers as the vendor submitted them: their downloadable copy is made from this."""
    agency_contact: Mapped[str | None] = mapped_column(String(320), default=None)
    """Who the vendor should contact at the agency: the inviter's name and e-mail."""
