"""Server-side web sessions: a random token in the cookie, its SHA-256 in `web_sessions`.

A sign-in always starts a new session (and ends the one the browser had), so a session id
planted before sign-in is worthless afterwards. Sessions end after `LIFETIME`, or after
`IDLE_TIMEOUT` without a request.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from service.auth.tokens import hash_token
from service.db import utcnow
from service.users.models import User, WebSession

LIFETIME = timedelta(hours=12)
IDLE_TIMEOUT = timedelta(hours=2)
SEEN_RESOLUTION = timedelta(minutes=1)
"""`last_seen_at` is written at most this often, so page views do not all become writes."""


@dataclass(frozen=True)
class StartedSession:
    row: WebSession
    token: str
    """For the cookie; never stored."""


def start(session: Session, user: User, previous_token: str | None = None) -> StartedSession:
    """A new session for `user`; the browser's previous one, if any, ends."""
    if previous_token:
        end(session, previous_token)
    now = utcnow()
    session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    row = WebSession(
        token_hash=hash_token(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + LIFETIME,
        last_seen_at=now,
    )
    session.add(row)
    session.flush()
    return StartedSession(row=row, token=token)


def resolve(session: Session, token: str) -> WebSession | None:
    """The live session behind a cookie's token, with its user and organisation loaded."""
    query = (
        select(WebSession)
        .options(selectinload(WebSession.user).selectinload(User.organisation))
        .where(WebSession.token_hash == hash_token(token))
    )
    row = session.scalar(query)
    if row is None:
        return None
    now = utcnow()
    if row.expires_at <= now or row.last_seen_at + IDLE_TIMEOUT <= now:
        session.delete(row)
        session.flush()
        return None
    if now - row.last_seen_at >= SEEN_RESOLUTION:
        row.last_seen_at = now
        session.flush()
    return row


def end(session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == hash_token(token)))
    session.flush()


def set_flash(session: Session, row: WebSession, message: str) -> None:
    row.flash = message[:500]
    session.flush()


def take_flash(session: Session, row: WebSession) -> str | None:
    message = row.flash
    if message is not None:
        row.flash = None
        session.flush()
    return message
