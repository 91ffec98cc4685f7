"""Fixed-window request counters (when Redis is not configured)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base


class ApiRateCounter(Base):
    """Requests counted in one window for one budget (`key:<id>` or `org:<id>`)."""

    __tablename__ = "api_rate_counters"
    __table_args__ = (Index("ix_api_rate_counters_window", "window_start"),)

    bucket: Mapped[str] = mapped_column(String(60), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True)
    hits: Mapped[int]
