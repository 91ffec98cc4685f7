"""Admission to the render workers for requests that wait for a PDF: bounded, and fair.

A request that needs a render waits here, on the event loop, holding neither a thread nor a
database connection. At most `slots` renders run at once (one per render worker); at most
`max_waiting` requests wait, and at most `per_organisation` of them from one organisation;
beyond either bound the answer is 503 with `Retry-After` (an estimate from the recent render
times). Free slots go to the waiting organisations in turn (round robin), so one
organisation's burst delays another's render by at most one render per slot, never by the
whole burst. A request waits at most `max_wait` seconds, then gets the same 503.

The state is shared by every event loop of the process (the test client runs a loop per
request) and guarded by a lock; a waiter is woken on its own loop.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

from service.errors import Unavailable

T = TypeVar("T")
_SMOOTHING = 0.2  # weight of the newest render in the average render time


@dataclass(eq=False)
class _Ticket:
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None]
    granted: bool = field(default=False)


class RenderQueue:
    def __init__(
        self, slots: int, max_waiting: int, per_organisation: int, max_wait: float
    ) -> None:
        self.slots = slots
        self.max_waiting = max_waiting
        self.per_organisation = per_organisation
        self.max_wait = max_wait
        self._lock = threading.Lock()
        self._running = 0
        self._waiting: dict[uuid.UUID, deque[_Ticket]] = {}  # in turn order
        self._average = 1.0  # seconds per render, until measured

    @property
    def waiting(self) -> int:
        with self._lock:
            return sum(len(tickets) for tickets in self._waiting.values())

    def check(self, organisation_id: uuid.UUID) -> None:
        """Refuse now (503) what `run` would refuse, before the caller prepares the render:
        a refused retry then costs a lookup, not the making of a report's HTML."""
        with self._lock:
            if self._running >= self.slots or self._waiting:
                self._refuse_when_full(organisation_id)

    async def run(self, organisation_id: uuid.UUID, work: Callable[[], T]) -> T:
        """`work` (a render) in a thread, once a slot is this organisation's turn."""
        await self._enter(organisation_id)
        started = time.monotonic()
        try:
            return await run_in_threadpool(work)
        finally:
            self._leave(time.monotonic() - started)

    async def _enter(self, organisation_id: uuid.UUID) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._running < self.slots and not self._waiting:
                self._running += 1
                return
            self._refuse_when_full(organisation_id)
            ticket = _Ticket(loop, loop.create_future())
            self._waiting.setdefault(organisation_id, deque()).append(ticket)
        try:
            await asyncio.wait_for(asyncio.shield(ticket.future), self.max_wait)
        except BaseException as exc:
            self._abandon(organisation_id, ticket)
            if isinstance(exc, TimeoutError):
                raise self._busy(
                    f"no render worker was free within {self.max_wait:g} seconds"
                ) from None
            raise

    def _refuse_when_full(self, organisation_id: uuid.UUID) -> None:
        waiting = sum(len(tickets) for tickets in self._waiting.values())
        if waiting >= self.max_waiting:
            raise self._busy(f"{waiting} reports are already waiting for a render worker")
        if len(self._waiting.get(organisation_id, ())) >= self.per_organisation:
            raise self._busy(
                f"your organisation already has {self.per_organisation} reports waiting for "
                "a render worker (each organisation gets a fair share)"
            )

    def _busy(self, why: str) -> Unavailable:
        waiting = sum(len(tickets) for tickets in self._waiting.values())
        seconds = math.ceil(self._average * (waiting + self._running) / self.slots)
        retry = min(max(seconds, 1), 60)
        return Unavailable(
            f"The report cannot be rendered now: {why}. Try again in {retry} seconds; "
            "reports already rendered are served at once.",
            headers={"Retry-After": str(retry)},
        )

    def _abandon(self, organisation_id: uuid.UUID, ticket: _Ticket) -> None:
        """A waiter that gave up (timed out, cancelled): out of the line, or, if it was
        granted a slot meanwhile, the slot passes on."""
        with self._lock:
            if not ticket.granted:
                tickets = self._waiting.get(organisation_id)
                if tickets is not None and ticket in tickets:
                    tickets.remove(ticket)
                    if not tickets:
                        del self._waiting[organisation_id]
                return
        self._leave(None)

    def _leave(self, seconds: float | None) -> None:
        with self._lock:
            if seconds is not None:
                self._average += _SMOOTHING * (seconds - self._average)
            ticket = self._next()
            if ticket is None:
                self._running -= 1
                return
            ticket.granted = True  # the slot passes to it: `_running` is unchanged
        ticket.loop.call_soon_threadsafe(_wake, ticket.future)

    def _next(self) -> _Ticket | None:
        """The next organisation in turn gives up its oldest waiter, and goes to the back."""
        for organisation_id in list(self._waiting):
            tickets = self._waiting.pop(organisation_id)
            ticket = tickets.popleft()
            if tickets:
                self._waiting[organisation_id] = tickets
            return ticket
        return None


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
