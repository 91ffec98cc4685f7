"""The read lane: the cheap API reads on the event loop, on connections of their own (issue 16).

FastAPI runs a sync endpoint or dependency in anyio's thread pool. For the cheap reads that
was a large share of their cost: a list page's rate-limit count and endpoint were two trips to
a worker thread and back, each thread woke for every database round trip, and the threads
took turns at the interpreter lock with the event loop. A list page took 2.9 ms of CPU in the API
process; a bare FastAPI + SQLAlchemy endpoint of four columns took 2.1 ms.

On PostgreSQL, routes marked `reads_only` (one assessment, its score, a list page) therefore
run their rate-limit count, their endpoint and their commit here: the same sync code, in a
greenlet on the event loop (SQLAlchemy's `AsyncSession.run_sync`), whose every database round
trip is awaited on psycopg's async connection instead of blocking a thread. The page above
then takes about 2.5 ms of CPU (README, performance). The lane has an engine and pool of its
own, STACKVET_READ_CONNECTIONS connections (default 4); a read takes one of them for its whole
unit of work, and a read beyond them waits on the event loop, first come first served, at most
STACKVET_DB_POOL_TIMEOUT seconds (then 503 with Retry-After, as for any route).

Every other route keeps the thread pool and the main engine, so a slow export or a request
waiting for a render worker never holds up a read, and reads never queue behind them.

What a lane route must not do: block. Its code runs on the event loop, so it may do database
work and computation as cheap as a read's, but never sleep, wait on a lock held across a
database call, or call out to the network. None of the three does. SQLite (one writer at a
time, no async driver in use) and sessions bound to a test's connection do not use the lane.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

from anyio import to_thread
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from service.db import SESSION_OPTIONS, ConnectionSlots, create_read_engine

P = ParamSpec("P")
T = TypeVar("T")


class ReadLane:
    """The lane of one app: its engine (a pool of `connections`) and its slots."""

    def __init__(self, url: str | URL, connections: int, timeout: float) -> None:
        self.engine: AsyncEngine = create_read_engine(url, connections, timeout)
        self.slots = ConnectionSlots(connections, timeout)

    def session(self) -> AsyncSession:
        """A request's session: its `sync_session` is what the route's code is given."""
        return AsyncSession(self.engine, **SESSION_OPTIONS)

    async def dispose(self) -> None:
        await self.engine.dispose()


_TAKEN: ContextVar[AsyncSession | None] = ContextVar("stackvet_read_lane", default=None)
"""The lane session of a request that takes the lane; None elsewhere (the thread pool)."""


def take(session: AsyncSession) -> None:
    """(On the event loop, in the request's task.) This request's `run` calls run in
    greenlets on the loop, their database work on `session`'s connection."""
    _TAKEN.set(session)


async def run(func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """`func` in a greenlet on the event loop if the request took the lane, else in a thread
    of the default pool (context variables carried over either way)."""
    return await run_in(_TAKEN.get(), func, *args, **kwargs)


async def run_in(
    session: AsyncSession | None, func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
) -> T:
    """`func` in a greenlet on the event loop, its database work on `session`'s connection
    (`AsyncSession.run_sync`); in a thread of the default pool when `session` is None.
    Positional-only: a route's own `session` argument passes through to it."""
    call: Callable[[], T] = functools.partial(func, *args, **kwargs)
    if session is None:
        return await to_thread.run_sync(call)
    return await session.run_sync(_ignoring_session, call)


def _ignoring_session(_session: Any, call: Callable[[], T]) -> T:
    return call()
