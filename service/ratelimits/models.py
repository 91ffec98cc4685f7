"""Rate-limit hits: one row per counted event, so limits hold across processes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, IdMixin, utcnow


class RateLimitHit(IdMixin, Base):
    """A counted event (a failed sign-in, an invitation page view) in a bucket, for a key.

    The key is stored as a SHA-256 hash: it may be an e-mail address, an IP address or an
    invitation token, none of which belongs in this table in the clear.
    """

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_window", "bucket", "key_hash", "created_at"),)

    bucket: Mapped[str] = mapped_column(String(40))
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
