"""Throttles under concurrency: parallel guesses never check more passwords than the limit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from service.db import utcnow
from service.ratelimits import service as ratelimits
from service.ratelimits.models import RateLimitHit
from service.ratelimits.service import Limit
from service.users import passwords
from service.users import service as users_service
from service.users.service import SignInThrottle
from tests import builders
from tests.databases import wipe

GUESSES = 30
LIMIT = 5


@pytest.fixture
def committing(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions that really commit (threads must see each other's counts); emptied after."""
    yield sessionmaker(bind=engine, expire_on_commit=False)
    wipe(engine)


def test_thirty_parallel_guesses_check_at_most_the_limit(
    committing: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(passwords, "HASHER", builders.CHEAP_HASHER)
    with committing.begin() as session:
        email = builders.user(session, builders.organisation(session)).email
    checked = []
    real_verify = passwords.verify_password

    def counting_verify(hashed: str, password: str) -> bool:
        checked.append(password)
        return real_verify(hashed, password)

    monkeypatch.setattr(passwords, "verify_password", counting_verify)
    window = timedelta(minutes=15)
    throttle = SignInThrottle(
        per_email=Limit("sign-in-email", LIMIT, window), per_ip=Limit("sign-in-ip", 100, window)
    )
    start = threading.Barrier(GUESSES)
    outcomes: list[object] = []

    def guess(number: int) -> None:
        start.wait(timeout=60)
        with committing.begin() as session:
            result = users_service.sign_in(session, throttle, email, f"wrong {number}", "10.0.0.1")
        outcomes.append(result)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(GUESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == GUESSES
    assert len(checked) == LIMIT, f"{len(checked)} passwords checked against a limit of {LIMIT}"
    statuses = sorted(getattr(o, "status", 0) for o in outcomes)
    assert statuses == [401] * LIMIT + [429] * (GUESSES - LIMIT)


def test_stale_hits_are_purged(committing: sessionmaker[Session]) -> None:
    now = utcnow()
    with committing.begin() as session:
        for age in (timedelta(days=2), timedelta(hours=25), timedelta(minutes=5)):
            session.add(RateLimitHit(bucket="sign-in-ip", key_hash="h", created_at=now - age))
    with committing.begin() as session:
        assert ratelimits.purge_stale(session, now) == 2
    with committing() as session:
        assert session.scalar(select(func.count()).select_from(RateLimitHit)) == 1
