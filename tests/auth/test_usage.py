"""`last_used_at`: refreshed apart from the request, at most once per interval, never waited for."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from service.auth import service as auth_service
from service.auth import usage
from service.auth.models import ApiKey, Organisation
from service.auth.tokens import hash_token
from service.db import create_session_factory, utcnow
from tests import builders

LONG_AGO = timedelta(hours=1)


def stale_key(session: Session, org: Organisation) -> tuple[ApiKey, datetime]:
    token = builders.api_key(session, org)
    key = session.scalars(select(ApiKey).where(ApiKey.token_hash == hash_token(token))).one()
    key.last_used_at = utcnow() - LONG_AGO
    session.flush()
    return key, key.last_used_at


def last_used(session: Session, key: ApiKey) -> datetime | None:
    session.expire_all()
    return session.scalar(select(ApiKey.last_used_at).where(ApiKey.id == key.id))


def test_authenticating_changes_nothing(session: Session, org: Organisation) -> None:
    _, before = stale_key(session, org)
    token = builders.api_key(session, org)
    session.execute(update(ApiKey).values(last_used_at=before))
    principal = auth_service.authenticate(session, token)
    assert principal.organisation_id == org.id
    assert not session.dirty
    assert session.scalars(select(ApiKey.last_used_at)).all() == [before, before]


def test_a_stale_key_is_refreshed_once_per_interval(
    session: Session, session_factory: sessionmaker[Session], org: Organisation
) -> None:
    key, before = stale_key(session, org)
    usage.refresh(session_factory, key.id, before)
    refreshed = last_used(session, key)
    assert refreshed is not None
    assert utcnow() - refreshed < timedelta(minutes=1)

    # made stale again: this process refreshed it moments ago, so it does not even try
    session.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=before))
    usage.refresh(session_factory, key.id, before)
    assert last_used(session, key) == before


def test_a_fresh_key_is_not_written(
    session: Session, session_factory: sessionmaker[Session], org: Organisation
) -> None:
    key, _ = stale_key(session, org)
    recent = utcnow() - timedelta(seconds=5)
    session.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=recent))
    usage.refresh(session_factory, key.id, recent)
    assert last_used(session, key) == recent


@pytest.fixture
def committed_stale_key(engine: Engine) -> Iterator[ApiKey]:
    with create_session_factory(engine).begin() as session:
        org = builders.organisation(session)
        key, _ = stale_key(session, org)
    yield key
    with create_session_factory(engine).begin() as session:
        session.delete(session.get_one(Organisation, org.id))


@pytest.mark.postgresql_only  # row locks: SQLite locks the whole file
def test_a_row_another_transaction_holds_is_skipped_not_waited_for(
    engine: Engine, committed_stale_key: ApiKey
) -> None:
    key = committed_stale_key
    holder_has_lock, release = threading.Event(), threading.Event()

    def hold_the_row() -> None:
        with engine.begin() as connection:
            connection.execute(
                text("SELECT id FROM api_keys WHERE id = :id FOR UPDATE"), {"id": key.id}
            )
            holder_has_lock.set()
            release.wait(60)

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert holder_has_lock.wait(30)
        started = time.monotonic()
        usage.refresh(create_session_factory(engine), key.id, key.last_used_at)
        waited = time.monotonic() - started
    finally:
        release.set()
        holder.join(60)
    assert waited < 20, "the refresh waited for the lock instead of skipping the row"
    with create_session_factory(engine)() as session:
        assert last_used(session, key) == key.last_used_at
