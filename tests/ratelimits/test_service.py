"""Sliding-window limits counted in the database."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.db import utcnow
from service.ratelimits import service as ratelimits
from service.ratelimits.models import RateLimitHit
from service.ratelimits.service import Limit

LIMIT = Limit("test", 3, timedelta(minutes=10))


def test_a_limit_allows_max_hits_per_window(session: Session) -> None:
    for _ in range(3):
        assert ratelimits.hit(session, [(LIMIT, "key")]).allowed
    refused = ratelimits.hit(session, [(LIMIT, "key")])
    assert not refused.allowed
    assert 590 <= refused.retry_after_seconds() <= 600
    assert ratelimits.hit(session, [(LIMIT, "other key")]).allowed


def test_the_window_slides(session: Session) -> None:
    now = utcnow()
    ratelimits.record(session, LIMIT, "key", now - timedelta(minutes=9))
    ratelimits.record(session, LIMIT, "key", now - timedelta(minutes=5))
    ratelimits.record(session, LIMIT, "key", now - timedelta(minutes=1))
    verdict = ratelimits.check(session, LIMIT, "key", now)
    assert verdict.retry_at == now + timedelta(minutes=1), "when the oldest hit leaves"
    assert ratelimits.check(session, LIMIT, "key", now + timedelta(minutes=1, seconds=1)).allowed


def test_refused_hits_are_not_counted_and_old_ones_are_pruned(session: Session) -> None:
    old = utcnow() - timedelta(hours=1)
    ratelimits.record(session, LIMIT, "key", old)
    for _ in range(5):
        ratelimits.hit(session, [(LIMIT, "key")])
    count = session.scalar(select(func.count()).select_from(RateLimitHit))
    assert count == 3


def test_keys_are_stored_hashed(session: Session) -> None:
    ratelimits.record(session, LIMIT, "alice@agency.example")
    stored = session.scalars(select(RateLimitHit.key_hash)).all()
    assert stored == [ratelimits.key_hash("alice@agency.example")]
    assert "alice" not in stored[0]


def test_the_strictest_limit_decides(session: Session) -> None:
    tight = Limit("tight", 1, timedelta(minutes=1))
    assert ratelimits.hit(session, [(LIMIT, "a"), (tight, "b")]).allowed
    refused = ratelimits.hit(session, [(LIMIT, "a"), (tight, "b")])
    assert not refused.allowed
    assert refused.retry_after_seconds() <= 60
    ratelimits.clear(session, tight, "b")
    assert ratelimits.hit(session, [(LIMIT, "a"), (tight, "b")]).allowed
