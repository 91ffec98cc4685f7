"""Sliding-window rate limits counted in the database, so they hold across processes.

A limit allows `max_hits` events per `window` for one key (an e-mail address, an IP address, an
invitation token). Checking and counting must be one step, or thirty parallel sign-ins all see
"four so far" and all get a password checked: `serialise()` takes a transaction-scoped lock per
(bucket, key) first (PostgreSQL advisory locks; SQLite transactions already run one writer at
a time, `BEGIN IMMEDIATE`), held until the caller's commit, after its events are counted.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from service.db import utcnow
from service.ratelimits.models import RateLimitHit


@dataclass(frozen=True)
class Limit:
    bucket: str
    max_hits: int
    window: timedelta


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_at: datetime | None = None
    """When the next event will be allowed again; None when allowed now."""

    def retry_after_seconds(self, now: datetime | None = None) -> int:
        if self.retry_at is None:
            return 0
        seconds = (self.retry_at - (now or utcnow())).total_seconds()
        return max(1, math.ceil(seconds))


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


STALE_AFTER = timedelta(days=1)
"""Longer than any window: rows older than this count against nothing (the worker purges)."""


def serialise(session: Session, limits: list[tuple[Limit, str]]) -> None:
    """Hold, until the transaction ends, a lock per (bucket, key): check-then-count is atomic."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for name in sorted({f"{limit.bucket}:{key_hash(key)}" for limit, key in limits}):
        session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(name, 0))))


def purge_stale(session: Session, now: datetime | None = None) -> int:
    """Forget events that have left every window; returns how many rows went."""
    cutoff = (now or utcnow()) - STALE_AFTER
    result = session.execute(delete(RateLimitHit).where(RateLimitHit.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


def check(session: Session, limit: Limit, key: str, now: datetime | None = None) -> Verdict:
    """Whether one more event is allowed now, without counting it."""
    now = now or utcnow()
    query = (
        select(RateLimitHit.created_at)
        .where(
            RateLimitHit.bucket == limit.bucket,
            RateLimitHit.key_hash == key_hash(key),
            RateLimitHit.created_at > now - limit.window,
        )
        .order_by(RateLimitHit.created_at.desc())
        .limit(limit.max_hits)
    )
    recent = session.scalars(query).all()
    if len(recent) < limit.max_hits:
        return Verdict(allowed=True)
    # The oldest of the last `max_hits` events must leave the window first.
    return Verdict(allowed=False, retry_at=recent[-1] + limit.window)


def record(session: Session, limit: Limit, key: str, now: datetime | None = None) -> None:
    """Count one event, and forget this key's events that have left the window."""
    now = now or utcnow()
    hashed = key_hash(key)
    session.execute(
        delete(RateLimitHit).where(
            RateLimitHit.bucket == limit.bucket,
            RateLimitHit.key_hash == hashed,
            RateLimitHit.created_at <= now - limit.window,
        )
    )
    session.add(RateLimitHit(bucket=limit.bucket, key_hash=hashed, created_at=now))
    session.flush()


def hit(session: Session, limits: list[tuple[Limit, str]]) -> Verdict:
    """Count an event against several limits at once, unless one of them is exhausted.

    A refused event is not counted, so a blocked caller is let in again when the window moves.
    """
    serialise(session, limits)
    now = utcnow()
    refusals = [v for limit, key in limits if not (v := check(session, limit, key, now)).allowed]
    if refusals:
        return max(refusals, key=lambda v: v.retry_at or now)
    for limit, key in limits:
        record(session, limit, key, now)
    return Verdict(allowed=True)


def clear(session: Session, limit: Limit, key: str) -> None:
    session.execute(
        delete(RateLimitHit).where(
            RateLimitHit.bucket == limit.bucket, RateLimitHit.key_hash == key_hash(key)
        )
    )
    session.flush()
