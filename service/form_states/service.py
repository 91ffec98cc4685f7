"""Keeping a refused form for the page it redirects to, so refresh never re-posts it.

One state per browser and page. It stays while the page is reloaded (the typed values and
messages survive a refresh) until the next successful post of that form, or `LIFETIME`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from service.db import utcnow
from service.form_states.models import FormState

LIFETIME = timedelta(minutes=30)


def keep(session: Session, owner: str, path: str, payload: dict[str, Any]) -> None:
    """Store (or replace) the state of `path` for `owner`; expired states are cleared."""
    now = utcnow()
    session.execute(delete(FormState).where(FormState.expires_at <= now))
    forget(session, owner, path)
    session.add(FormState(owner=owner, path=path, payload=payload, expires_at=now + LIFETIME))
    session.flush()


def recall(session: Session, owner: str, path: str) -> dict[str, Any] | None:
    row = session.scalar(
        select(FormState).where(
            FormState.owner == owner, FormState.path == path, FormState.expires_at > utcnow()
        )
    )
    return dict(row.payload) if row is not None else None


def forget(session: Session, owner: str, path: str) -> None:
    session.execute(delete(FormState).where(FormState.owner == owner, FormState.path == path))
    session.flush()
