"""People who sign in to the web app, and their server-side sessions."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.auth.models import Organisation
from service.auth.permissions import Role
from service.db import Base, IdMixin, TimestampMixin, str_enum, utcnow


class User(IdMixin, TimestampMixin, Base):
    """A person of an organisation; e-mail addresses are unique across organisations."""

    __tablename__ = "users"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    password_hash: Mapped[str] = mapped_column(String(200))
    last_sign_in_at: Mapped[datetime | None] = mapped_column(default=None)
    deactivated_at: Mapped[datetime | None] = mapped_column(default=None)
    """A deactivated user cannot sign in or reset a password; their history stays."""

    organisation: Mapped[Organisation] = relationship(lazy="raise")


class PasswordTokenPurpose(StrEnum):
    INVITATION = "invitation"
    """A new user chooses their first password."""
    RESET = "reset"


class PasswordToken(IdMixin, Base):
    """A one-time link to choose a password. Only the SHA-256 of the token is stored."""

    __tablename__ = "password_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[PasswordTokenPurpose] = mapped_column(str_enum(PasswordTokenPurpose))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class WebSession(IdMixin, Base):
    """A signed-in browser. Only the SHA-256 of the cookie's token is stored."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    flash: Mapped[str | None] = mapped_column(String(500), default=None)
    """A one-time message for the next page ("Vendor created.")."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(lazy="raise")
