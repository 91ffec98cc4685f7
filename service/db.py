"""Database plumbing: declarative base, column types, engine and session factory.

SQLite (the embedded default) is configured to behave like a real transactional database:
foreign keys on, WAL, and `BEGIN IMMEDIATE` so that concurrent writers queue instead of failing
with "database is locked" halfway through a unit of work.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
import weakref
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, Engine, Enum, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes on every backend (SQLite keeps no zone, so store UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def str_enum(enum: type[StrEnum]) -> Enum:
    """Store a StrEnum by its value as a plain string column (no native enum to migrate)."""
    return Enum(
        enum,
        native_enum=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


JSONDocument = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
"""JSON on SQLite, JSONB on PostgreSQL; Python None is stored as SQL NULL."""

OrderedJSON = JSON(none_as_null=True)
"""Plain JSON everywhere (PostgreSQL `json`, not `jsonb`): keeps object keys in their order,
for published definitions whose order means something (e.g. a rule pack's categories)."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def create_db_engine(
    url: str, *, pool_size: int = 5, pool_timeout: float = 30, foreign_keys: bool = True
) -> Engine:
    """`foreign_keys=False` is for SQLite migrations, whose table rebuilds must not cascade.
    `pool_timeout` bounds the wait for a free connection (sqlalchemy.exc.TimeoutError).

    On PostgreSQL the pool holds up to 2 x `pool_size` connections (`STACKVET_DB_POOL_SIZE`),
    opened as requests need them and then kept. SQLAlchemy's overflow (`pool_size` kept, as
    many again closed when returned to a full pool) reconnected all the time under steady
    load above `pool_size`: 41-124 new PostgreSQL sessions in 8 s at 10 connections, each
    a server process started and its statements prepared again; keeping them raised the
    single-assessment read from 418-448 to 501-513 req/s (p99 37-41 to 29-30 ms)."""
    if url.startswith("sqlite"):
        _create_folder_for(make_url(url).database)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine, foreign_keys=foreign_keys)
        return engine
    engine = create_engine(url, pool_size=2 * pool_size, max_overflow=0, pool_timeout=pool_timeout)
    _in_utc(engine)
    _ping_when_idle(engine, PING_AFTER_IDLE_SECONDS)
    return engine


def create_read_engine(url: str | URL, connections: int, pool_timeout: float) -> AsyncEngine:
    """The read lane's engine (`service/read_lane.py`), PostgreSQL only: psycopg's async
    connections, `connections` of them kept, set up as `create_db_engine`'s (UTC, pinged when
    idle). Its `sync_engine` is what the lane's sessions are bound to."""
    engine = create_async_engine(
        url, pool_size=connections, max_overflow=0, pool_timeout=pool_timeout
    )
    _in_utc(engine.sync_engine)
    _ping_when_idle(engine.sync_engine, PING_AFTER_IDLE_SECONDS)
    return engine


def _in_utc(engine: Engine) -> None:
    """Every connection's session time zone is UTC, whatever the server's `TimeZone`.

    psycopg gives `timestamptz` values in the session's zone. `UTCDateTime` converts them to
    UTC anyway, but statements run as plain SQL text (`service/plain_rows.py`) skip the column
    types: without this a server set to Europe/Berlin would put "+01:00" in their JSON where
    every other response says "Z". Set once per new connection (the pool keeps them); a SET
    rather than a startup `options` parameter, which PgBouncer refuses. PgBouncer in
    transaction mode tracks `timezone` per client and sets it on whichever server connection
    it hands over."""

    @event.listens_for(engine, "connect")
    def _set_utc(dbapi_connection: Any, _record: Any) -> None:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        try:
            cursor = dbapi_connection.cursor()  # a cursor: the read lane's async adapter too
            cursor.execute("SET TIME ZONE 'UTC'")
            cursor.close()
        finally:
            dbapi_connection.autocommit = autocommit


PING_AFTER_IDLE_SECONDS = 1.0
"""A pooled connection unused for longer than this is pinged before it is handed out."""


def _ping_when_idle(engine: Engine, seconds: float) -> None:
    """SQLAlchemy's `pool_pre_ping`, but only for connections idle longer than `seconds`.

    Pinging on every checkout cost a round trip (and two autocommit switches) per checkout,
    about 1.2 ms of a 13 ms read. A connection used within the last second is handed out as it
    is: if the server went away in that second, the statement fails as a disconnect, the
    request answers 503 with Retry-After, and SQLAlchemy replaces every older connection of the
    pool. A dead idle connection is replaced before use (DisconnectionError makes the pool
    retry with a new one), which is what pre-ping gave after an outage.
    """

    @event.listens_for(engine, "connect")
    def _connected(_dbapi_connection: Any, record: Any) -> None:
        record.info["last_used"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["last_used"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("last_used", float("-inf")) <= seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"an idle pooled connection is gone: {exc}") from exc


def _create_folder_for(database: str | None) -> None:
    """SQLite creates the file but not its folder (the default is ./var/stackvet.db)."""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


WAL_SWITCH_SECONDS = 60.0


def _use_wal(cursor: Any) -> None:
    """Switch the file to WAL (it stays so), unless it already is.

    The switch needs the file to itself, and SQLite answers "database is locked" at once rather
    than waiting when another process holds it (two `stackvet migrate` starting together on a
    new file): retry until the other has switched it or the deadline passes.
    """
    deadline = time.monotonic() + WAL_SWITCH_SECONDS
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _configure_sqlite(engine: Engine, *, foreign_keys: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        _use_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


SESSION_OPTIONS: dict[str, Any] = {"expire_on_commit": False, "autoflush": False}
"""Every request session's options: the main factory's and the read lane's."""


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, **SESSION_OPTIONS)


class ConnectionSlots:
    """As many request units of work at once as the pool has connections; the rest wait here.

    Sync endpoints and their sync dependencies share one thread pool (40 threads). If requests
    waited for a database connection *in* those threads, a burst larger than the pool would
    take every thread, and the requests holding connections could not get a thread back to
    commit and return them: nothing would move until the pool timeout. Waiting on the event
    loop instead keeps threads for the requests that can run. One semaphore per event loop
    (the test client runs a loop per call).
    """

    def __init__(self, slots: int, timeout: float) -> None:
        self.slots = slots
        self.timeout = timeout
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]
        self._by_loop = weakref.WeakKeyDictionary()

    async def acquire(self) -> asyncio.Semaphore:
        """A slot, within `timeout` seconds or sqlalchemy.exc.TimeoutError (503 Retry-After)."""
        loop = asyncio.get_running_loop()
        semaphore = self._by_loop.get(loop)
        if semaphore is None:
            semaphore = self._by_loop.setdefault(loop, asyncio.Semaphore(self.slots))
        if not semaphore.locked():  # a slot is free: no timer to arm (`wait_for` costs one)
            await semaphore.acquire()
            return semaphore
        try:
            await asyncio.wait_for(semaphore.acquire(), self.timeout)
        except TimeoutError as exc:
            raise PoolTimeout(f"no database connection free within {self.timeout:g} s") from exc
        return semaphore
