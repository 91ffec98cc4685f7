"""Request-scoped dependencies shared by every domain: the unit of work and the settings."""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, ParamSpec, TypeVar

import anyio
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, sessionmaker

from service import read_lane
from service.config import Settings
from service.db import ConnectionSlots
from service.idempotency import dependency as idempotency
from service.questionnaires.catalog import Catalog
from service.scoring.library import Library

AfterUnitOfWork = Callable[[sessionmaker[Session]], None]
P = ParamSpec("P")
T = TypeVar("T")


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One unit of work per request: commit on success, roll back on error.

    `scope="function"` below makes the commit happen before the response is sent, so a client
    never sees a success for a change that then failed to commit. A POST with an
    Idempotency-Key stores its response in the same commit as its effect. Bookkeeping that
    must not hold a row for the whole request (`after_unit_of_work`) runs once the unit of work
    has released its connection, in short transactions of its own.

    The wait for a connection happens on the event loop (`ConnectionSlots`), bounded by
    STACKVET_DB_POOL_TIMEOUT; the database work itself runs in the thread pool. A route that
    must wait for something slow (a render worker) ends its unit of work first
    (`end_unit_of_work`), so that it holds neither a connection nor a slot while it waits.
    On PostgreSQL a route marked `reads_only` takes the read lane instead (`_lane`): a slot
    and a session of the lane's own engine, its work run in greenlets on the event loop
    (`service/read_lane.py`), its commit too (`read_lane.run` sends it where the rest ran).
    """
    lane = _lane(request)
    slots: ConnectionSlots | None = (
        lane.slots if lane else getattr(request.app.state, "connection_slots", None)
    )
    semaphore = await slots.acquire() if slots else None
    factory: sessionmaker[Session] = request.app.state.session_factory
    if lane is None:
        unit = _UnitOfWork(factory(), semaphore)
    else:
        lane_session = lane.session()
        unit = _UnitOfWork(lane_session.sync_session, semaphore, lane_session)
        read_lane.take(lane_session)
    request.state.unit_of_work = unit
    try:
        try:
            yield unit.session
            if not unit.ended:
                await unit.run(_commit, request, unit)
        except BaseException:
            if not unit.ended:
                await _shielded(unit.run(_roll_back, request, unit))
            raise
        for task in getattr(request.state, "after_unit_of_work", ()):
            await run_in_threadpool(task, factory)
    finally:
        if unit.connection is not None and unit.lane_session is not None:
            # cancelled mid-way: a lane connection is closed by awaiting, so shielded
            await _shielded(unit.run(unit.close_connection))
        unit.release()


def _lane(request: Request) -> read_lane.ReadLane | None:
    """The app's read lane, for a `reads_only` route whose app has one (PostgreSQL) and whose
    sessions are bound to the app's engine (not to a test's connection)."""
    lane: read_lane.ReadLane | None = getattr(request.app.state, "read_lane", None)
    if lane is None or not is_reads_only(request):
        return None
    factory: sessionmaker[Session] = request.app.state.session_factory
    return lane if isinstance(factory.kw.get("bind"), Engine) else None


async def _shielded(work: Coroutine[Any, Any, None]) -> None:
    """`work` to its end, even in a request being cancelled."""
    with anyio.CancelScope(shield=True):
        await work


class _UnitOfWork:
    def __init__(
        self,
        session: Session,
        semaphore: asyncio.Semaphore | None,
        lane_session: AsyncSession | None = None,
    ) -> None:
        self.session = session
        self.semaphore = semaphore
        self.lane_session = lane_session
        """The read lane's session whose `sync_session` `session` is, for a lane route."""
        self.ended = False
        self.connection: Connection | None = None
        """The connection `autocommit_first` checked out for the session, if it did."""

    async def run(self, func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """`func` where the unit's database work runs: a greenlet of the read lane, or a
        thread of the pool."""
        return await read_lane.run_in(self.lane_session, func, *args, **kwargs)

    def close_connection(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def release(self) -> None:
        self.close_connection()  # left open only when the request was cancelled
        if self.semaphore is not None:
            self.semaphore.release()
            self.semaphore = None


_READS_ONLY = "_stackvet_reads_only"


def reads_only(endpoint: Callable[P, T]) -> Callable[P, Coroutine[Any, Any, T]]:
    """Mark a cheap route whose unit of work only reads: on PostgreSQL its statements then run
    in autocommit, with no BEGIN and COMMIT round trips (see `autocommit_first`), and the
    route and its rate-limit count run in the read lane (`service/read_lane.py`, taken in
    `get_session`): in greenlets on the event loop, on the lane's own connections, not in
    the thread pool of every other route. Its code must therefore never block on anything but
    the database (see the lane's module).

    For a route that writes nothing and reads in one statement, or in several that need not
    see one snapshot: under READ COMMITTED, PostgreSQL's default and stackvet's, every
    statement of a transaction takes a snapshot of its own anyway, so a read shows the same
    in autocommit. A route that writes, locks rows or needs one snapshot must not be marked,
    nor one that may take long (it would hold up the other reads).
    """
    if inspect.iscoroutinefunction(endpoint):
        raise TypeError(f"{endpoint.__name__}: reads_only is for a sync route")

    @functools.wraps(endpoint)  # FastAPI reads the parameters and types through __wrapped__
    async def in_read_lane(*args: P.args, **kwargs: P.kwargs) -> T:
        return await read_lane.run(endpoint, *args, **kwargs)

    setattr(in_read_lane, _READS_ONLY, True)
    return in_read_lane


def is_reads_only(request: Request) -> bool:
    """Whether the request's route is marked `reads_only`."""
    route = request.scope.get("route")
    return bool(getattr(getattr(route, "endpoint", None), _READS_ONLY, False))


@contextmanager
def autocommit_first(request: Request) -> Iterator[Session | None]:
    """(In a worker thread or a read lane greenlet, before the request's first statement.) A
    session on the very connection the request's unit of work will use, in autocommit: what
    runs in it is committed at once, holding no lock, and the request checks out one pooled
    connection, not two. Afterwards the unit of work's session runs in a transaction as usual,
    or stays in autocommit for a route marked `reads_only`.

    None (nothing checked out) unless the session is bound to a PostgreSQL engine and has
    not begun: SQLite counts in the request's own transaction (one writer at a time), and
    tests bind sessions to a connection of their own.
    """
    unit: _UnitOfWork | None = getattr(request.state, "unit_of_work", None)
    bind = unit.session.get_bind() if unit is not None else None
    if (
        unit is None
        or not isinstance(bind, Engine)
        or bind.dialect.name != "postgresql"
        or unit.session.in_transaction()
        or unit.connection is not None
    ):
        yield None
        return
    connection = bind.connect()
    unit.connection = connection
    try:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        with Session(bind=connection) as own:
            yield own
        if not is_reads_only(request):  # a reads_only route stays in autocommit
            connection.execution_options(isolation_level=connection.default_isolation_level)
        unit.session.bind = connection
    except BaseException:
        unit.close_connection()
        raise


async def end_unit_of_work(request: Request) -> None:
    """Commit the request's unit of work now and give its connection and slot back; the
    request may go on without the database (e.g. wait for a render worker)."""
    unit: _UnitOfWork = request.state.unit_of_work
    if unit.ended:
        return
    await run_in_threadpool(_commit, request, unit)
    unit.ended = True
    unit.release()


async def in_own_unit_of_work(request: Request, work: Callable[[Session], T]) -> T:
    """`work` in a short transaction of its own (after `end_unit_of_work`), within the same
    bound on connections as every request."""
    slots: ConnectionSlots | None = getattr(request.app.state, "connection_slots", None)
    semaphore = await slots.acquire() if slots else None
    factory: sessionmaker[Session] = request.app.state.session_factory

    def run() -> T:
        with factory.begin() as session:
            return work(session)

    try:
        return await run_in_threadpool(run)
    finally:
        if semaphore is not None:
            semaphore.release()


def _commit(request: Request, unit: _UnitOfWork) -> None:
    with unit.session as session:
        idempotency.finish(request, session)
        session.commit()
    unit.close_connection()


def _roll_back(request: Request, unit: _UnitOfWork) -> None:
    try:
        with unit.session as session:
            session.rollback()
            idempotency.abandon(request)
    finally:
        unit.close_connection()


def after_unit_of_work(request: Request, task: AfterUnitOfWork) -> None:
    """Run `task` after this request's unit of work, if it commits."""
    if not hasattr(request.state, "after_unit_of_work"):
        request.state.after_unit_of_work = []
    request.state.after_unit_of_work.append(task)


# The getters below are async: a sync dependency, however cheap, is a round trip through the
# thread pool (FastAPI runs sync dependencies there).
async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_catalog(request: Request) -> Catalog:
    catalog: Catalog = request.app.state.catalog
    return catalog


async def get_library(request: Request) -> Library:
    library: Library = request.app.state.library
    return library


DbSession = Annotated[Session, Depends(get_session, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings_dep)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
LibraryDep = Annotated[Library, Depends(get_library)]
