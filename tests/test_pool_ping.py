"""Pooled PostgreSQL connections are pinged before use only after they have been idle."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import OperationalError

from service import db

pytestmark = pytest.mark.postgresql_only  # a pool of server connections (SQLite opens a file)


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(admin: Engine, pid: int) -> None:
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


def _engines(url: str, monkeypatch: pytest.MonkeyPatch, idle: float) -> tuple[Engine, Engine]:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", idle)
    return db.create_db_engine(url, pool_size=1), db.create_db_engine(url, pool_size=1)


def test_a_connection_that_died_while_idle_is_replaced_before_use(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, admin = _engines(database_url, monkeypatch, idle=0.0)
    try:
        first = _backend_pid(engine)
        _terminate(admin, first)  # e.g. the server restarted, or an idle timeout closed it
        second = _backend_pid(engine)  # no error: the ping found it gone
        assert second != first
    finally:
        engine.dispose()
        admin.dispose()


def test_a_connection_used_within_the_idle_time_is_not_pinged(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cost saved: no ping round trip for a connection just used. A server gone in that
    moment shows as a disconnect on the request (503, then a fresh pool)."""
    engine, admin = _engines(database_url, monkeypatch, idle=3600.0)
    try:
        first = _backend_pid(engine)
        _terminate(admin, first)
        with pytest.raises(OperationalError):
            _backend_pid(engine)
        assert _backend_pid(engine) != first  # the pool replaced it after the disconnect
    finally:
        engine.dispose()
        admin.dispose()


def test_connections_a_burst_opened_are_kept_for_the_next(database_url: str) -> None:
    """Under steady load above `pool_size` an overflow pool closed connections as they came
    back and opened new ones (a server process each): the pool keeps all it may hold."""
    engine = db.create_db_engine(database_url, pool_size=2)
    opened: list[object] = []
    event.listen(engine.pool, "connect", lambda *_: opened.append(1))
    try:
        for _ in range(3):
            held = [engine.connect() for _ in range(4)]  # 2 x pool_size, all at once
            for connection in held:
                connection.close()
        assert len(opened) == 4
        assert engine.pool.checkedin() == 4  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def test_the_read_lanes_connections_are_pinged_when_idle_and_in_utc(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read lane's async engine is set up as the main one: a connection that died while
    idle is replaced before use, and every connection's session time zone is UTC (the lane's
    plain statements give `timestamptz` values in it)."""
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
    lane = db.create_read_engine(database_url, 1, 5)
    admin = db.create_db_engine(database_url, pool_size=1)

    async def backend() -> tuple[int, str]:
        async with lane.connect() as connection:
            pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            zone = (await connection.execute(text("SHOW TimeZone"))).scalar_one()
            return int(pid), str(zone)

    try:
        first, zone = asyncio.run(backend())
        assert zone == "UTC"
        _terminate(admin, first)
        second, zone = asyncio.run(backend())  # no error: the ping found it gone
        assert second != first
        assert zone == "UTC"
    finally:
        asyncio.run(lane.dispose())
        admin.dispose()
