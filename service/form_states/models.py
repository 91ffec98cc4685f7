"""A form that failed validation, kept for the page it redirects to (post/redirect/get)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, IdMixin, JSONDocument


class FormState(IdMixin, Base):
    """What the person typed and what was wrong with it, for one page of one browser.

    `owner` names the browser without a secret in clear: a web session's id, an invitation's
    id (the vendor's link), or the SHA-256 of a random cookie (the sign-in page).
    """

    __tablename__ = "form_states"
    __table_args__ = (UniqueConstraint("owner", "path"),)

    owner: Mapped[str] = mapped_column(String(100))
    path: Mapped[str] = mapped_column(String(500))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    expires_at: Mapped[datetime] = mapped_column(index=True)
