"""The read lane: a few threads of their own for the cheap API reads (issue 16).

FastAPI runs a sync dependency or endpoint in anyio's default thread pool, 40 threads. Under
10 concurrent reads that made some 20 threads take turns at the interpreter lock, each one
waking for every database round trip, and the lock is not handed over in the order threads
ask for it: some requests waited far longer than others. On PostgreSQL, routes marked
`reads_only` (one assessment, its score, a list page) run their rate-limit count and their
endpoint here instead, in at most STACKVET_READ_THREADS threads (default 4); a read beyond
them waits its turn on the event loop, first come first served (anyio's `CapacityLimiter`).
The load benchmark at 10 connections measured a p99 of 76-88 ms with 2 threads against
100-125 ms with the default pool, at the same rate. With the database on loopback 2 and 4
did alike; with 1-3 ms between service and database (a delaying proxy), 4 served 18-33% more
reads a second than 2, and 8 or 40 no more than 4 (README, performance).

Every other route keeps the default pool, so a slow export or a request waiting for a render
worker never holds up a read, and reads never queue behind them.

Why it cannot deadlock: a lane thread must never wait for something that a request waiting
for the lane holds. On PostgreSQL a lane route holds no lock between its steps (its count and
its reads run in autocommit, `dependencies.autocommit_first`), and its connection slot was
taken before it asked for a thread. SQLite is different: there a request's transaction holds
the database's one write lock (BEGIN IMMEDIATE) from its count to its commit, so two lane
threads waiting for that lock would starve the request holding it of a thread. SQLite runs
one transaction at a time anyway, so there the lane is not used.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

from anyio import CapacityLimiter, to_thread
from anyio.lowlevel import RunVar

P = ParamSpec("P")
T = TypeVar("T")

_LANE: RunVar[CapacityLimiter] = RunVar("stackvet_read_lane")
"""One lane per event loop (one per API process when served)."""

_TAKEN: ContextVar[CapacityLimiter | None] = ContextVar("stackvet_read_lane", default=None)
"""The lane, in a request that takes it; None elsewhere (the default thread pool)."""


def take(threads: int) -> None:
    """(On the event loop, in the request's task.) This request's `run` calls go to the
    loop's lane, made on first use with `threads` threads."""
    try:
        lane = _LANE.get()
    except LookupError:
        lane = CapacityLimiter(threads)
        _LANE.set(lane)
    _TAKEN.set(lane)


async def run(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`func` in a thread, with context variables carried over: a lane thread once one is
    free if the request took the lane, else one of the default thread pool."""
    call = functools.partial(func, *args, **kwargs)
    return await to_thread.run_sync(call, limiter=_TAKEN.get())
