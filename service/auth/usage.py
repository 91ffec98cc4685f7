"""`last_used_at` of API keys, refreshed without ever holding the key's row in a request.

A burst of requests with one key (a CRM's parallel sync) must not queue on that key's row. So
authentication only reads; the refresh is a conditional `UPDATE ... WHERE last_used_at < now -
LAST_USED_RESOLUTION` in a short transaction of its own, run after the request's unit of work
has released its connection. On PostgreSQL a row another process is refreshing right now is
skipped (`FOR UPDATE SKIP LOCKED`), never waited for; SQLite serialises writers anyway. Within
one process only one request per key and interval even tries.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Update, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from service.auth.models import ApiKey
from service.db import utcnow

logger = logging.getLogger(__name__)

LAST_USED_RESOLUTION = timedelta(minutes=1)
"""`last_used_at` is refreshed at most this often, so reads do not turn into writes."""


class _Claims:
    """Which keys this process has refreshed lately, so a burst sends one UPDATE, not fifty."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[uuid.UUID, datetime] = {}

    def claim(self, key_id: uuid.UUID, now: datetime) -> bool:
        with self._lock:
            previous = self._last.get(key_id)
            if previous is not None and now - previous < LAST_USED_RESOLUTION:
                return False
            self._last[key_id] = now
            return True


_claims = _Claims()


def is_stale(last_used_at: datetime | None, now: datetime) -> bool:
    return last_used_at is None or now - last_used_at >= LAST_USED_RESOLUTION


def refresh(
    factory: sessionmaker[Session], key_id: uuid.UUID, last_used_at: datetime | None
) -> None:
    """Record that the key was used; best effort (a failure is logged, never raised)."""
    now = utcnow()
    if not is_stale(last_used_at, now) or not _claims.claim(key_id, now):
        return
    try:
        with factory.begin() as session:
            session.execute(_refresh_statement(session, key_id, now))
    except SQLAlchemyError:
        logger.warning("could not refresh last_used_at of API key %s", key_id, exc_info=True)


def _refresh_statement(session: Session, key_id: uuid.UUID, now: datetime) -> Update:
    stale = (ApiKey.id == key_id) & or_(
        ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - LAST_USED_RESOLUTION
    )
    target: ColumnElement[bool] = stale
    if session.get_bind().dialect.name == "postgresql":
        locked = select(ApiKey.id).where(stale).with_for_update(skip_locked=True)
        target = ApiKey.id.in_(locked.scalar_subquery())
    return (
        update(ApiKey)
        .where(target)
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
