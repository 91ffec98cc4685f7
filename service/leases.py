"""Claiming due rows with a lease: how workers share the webhook outbox and the job queue.

Rows are locked with `FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite serialises writers
instead), so concurrent workers never claim the same row, and leased until a deadline, so a
row claimed by a worker that dies is claimed again once the lease runs out. The lease token
lets the worker that finishes a row check that the row is still its own, and a worker that
stops (SIGTERM) hand back the rows it claimed but did not start, at once rather than when the
lease runs out.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

Row = TypeVar("Row")


def claim_due(
    session: Session,
    model: type[Row],
    *,
    pending: ColumnElement[bool],
    due: InstrumentedAttribute[datetime],
    limit: int,
    lease: timedelta,
    now: datetime,
) -> tuple[Sequence[Row], uuid.UUID]:
    """Lease up to `limit` due rows to a new token; each claim counts as an attempt."""
    table: Any = model
    query = (
        select(model)
        .where(pending, due <= now, or_(table.lease_until.is_(None), table.lease_until < now))
        .order_by(due, table.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = session.scalars(query).all()
    token = uuid.uuid4()
    for row in rows:
        leased: Any = row
        leased.lease_until, leased.lease_token = now + lease, token
        leased.attempts += 1
    session.flush()
    return rows, token


def release_claim(session: Session, model: type[Row], row_id: uuid.UUID, token: uuid.UUID) -> bool:
    """Hand back a claimed row that was not worked on: due again now, its attempt not counted.

    False when the row is no longer ours (the lease ran out and another worker took it)."""
    row: Any = session.get(model, row_id, with_for_update=True)
    if row is None or row.lease_token != token:
        return False
    row.lease_until, row.lease_token = None, None
    row.attempts -= 1
    session.flush()
    return True
