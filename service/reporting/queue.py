"""Admission to the render workers for requests that wait for a PDF: bounded, and fair.

A request that needs a render waits here, on the event loop, holding neither a thread nor a
database connection. At most `slots` renders run at once (one per render worker); at most
`max_waiting` requests wait, and at most `per_organisation` of them from one organisation;
beyond either bound the answer is 503 with `Retry-After` (an estimate from the recent render
times). Free slots go to the waiting organisations in turn (round robin), so one
organisation's burst delays another's render by at most one render per slot, never by the
whole burst. A request waits at most `max_wait` seconds, then gets the same 503.

A download takes its place (`reserve`) before it loads and prepares what the render needs, and
holds it until it has rendered: a refused download costs a lookup, and every report prepared
is one that will be rendered. A place being prepared counts against the bounds as a waiting
one (unless a slot is free for it), but takes no slot until it is ready (`run_reserved`), so
the render workers never sit idle while a report's HTML is made. Before, a download was only
checked against the bounds before preparing and took its place afterwards, so in a burst
every download that found the line short loaded the assessment, its score and the report's
HTML, and all but a few were then refused: a third of the API process's time under 60
concurrent downloads went to work thrown away, and the cheap requests beside it waited.

The state is shared by every event loop of the process (the test client runs a loop per
request) and guarded by a lock; a waiter is woken on its own loop.
"""

from __future__ import annotations

import asyncio
import enum
import math
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

from service.errors import Unavailable

T = TypeVar("T")
_SMOOTHING = 0.2  # weight of the newest render in the average render time


class _State(enum.Enum):
    NEW = "new"
    PREPARING = "preparing"  # reserved: counted against the bounds, no slot yet
    WAITING = "waiting"  # ready, in line for a slot
    RUNNING = "running"  # holds a slot
    DONE = "done"  # rendered, cancelled or timed out: nothing more to give back


@dataclass(eq=False)
class Place:
    """A download's place, from `reserve` until its render ends (or it gives up)."""

    organisation_id: uuid.UUID
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None]
    deadline: float = 0.0
    """When a place not yet running gives up (monotonic clock); set by `reserve`."""
    state: _State = field(default=_State.NEW)


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
        self._preparing: Counter[uuid.UUID] = Counter()
        self._waiting: dict[uuid.UUID, deque[Place]] = {}  # in turn order
        self._average = 1.0  # seconds per render, until measured

    @property
    def waiting(self) -> int:
        """Places in line for a slot, ready to render."""
        with self._lock:
            return self._in_line()

    @property
    def preparing(self) -> int:
        """Places taken by downloads still preparing their report."""
        with self._lock:
            return self._preparing.total()

    @property
    def running(self) -> int:
        with self._lock:
            return self._running

    def place(self, organisation_id: uuid.UUID) -> Place:
        """A place not yet taken, for `reserve` (call on the loop that will wait)."""
        loop = asyncio.get_running_loop()
        return Place(organisation_id, loop, loop.create_future())

    def reserve(self, place: Place) -> None:
        """Take `place` now, or refuse (503 with Retry-After) when the bounds leave no room.
        Thread-safe and without waiting: called where the download is prepared."""
        with self._lock:
            if place.state is not _State.NEW:
                return
            self._refuse_when_full(place.organisation_id)
            self._preparing[place.organisation_id] += 1
            place.state = _State.PREPARING
            place.deadline = time.monotonic() + self.max_wait

    async def run_reserved(self, place: Place, work: Callable[[], T]) -> T:
        """`work` (a render) in a thread, once the reserved place has a slot; the place is
        given back afterwards, whatever happens."""
        try:
            self.reserve(place)  # if it was not reserved yet
            await self._turn(place)
            started = time.monotonic()
            try:
                return await run_in_threadpool(work)
            finally:
                self._leave(place, time.monotonic() - started)
        finally:
            self.cancel(place)

    async def run(self, organisation_id: uuid.UUID, work: Callable[[], T]) -> T:
        """Reserve and run at once (nothing to prepare in between)."""
        place = self.place(organisation_id)
        self.reserve(place)
        return await self.run_reserved(place, work)

    def cancel(self, place: Place) -> None:
        """Give up a place (a download that failed or was answered otherwise): out of the
        line, or, if it holds a slot, the slot passes on. Idempotent."""
        with self._lock:
            if place.state is _State.RUNNING:
                pass  # below, outside the lock
            else:
                self._drop(place)
                return
        self._leave(place, None)

    async def _turn(self, place: Place) -> None:
        """A slot for the ready `place`: at once if one is free and no one waits, else in
        its organisation's turn, within its deadline."""
        with self._lock:
            if place.state is _State.PREPARING:
                self._preparing -= Counter({place.organisation_id: 1})
                if self._running < self.slots and not self._waiting:
                    self._running += 1
                    place.state = _State.RUNNING
                    return
                place.state = _State.WAITING
                self._waiting.setdefault(place.organisation_id, deque()).append(place)
        left = place.deadline - time.monotonic()
        try:
            await asyncio.wait_for(asyncio.shield(place.future), max(left, 0.001))
        except TimeoutError:
            with self._lock:
                if place.state is _State.RUNNING:
                    return  # granted at the last moment: the slot is ours after all
                self._drop(place)
            raise self._busy(
                f"no render worker was free within {self.max_wait:g} seconds"
            ) from None

    def _drop(self, place: Place) -> None:
        """(Under the lock.) A place holding no slot leaves, wherever it is."""
        if place.state is _State.PREPARING:
            self._preparing -= Counter({place.organisation_id: 1})
        elif place.state is _State.WAITING:
            places = self._waiting.get(place.organisation_id)
            if places is not None and place in places:
                places.remove(place)
                if not places:
                    del self._waiting[place.organisation_id]
        place.state = _State.DONE

    def _in_line(self) -> int:
        return sum(len(places) for places in self._waiting.values())

    def _refuse_when_full(self, organisation_id: uuid.UUID) -> None:
        """(Under the lock.) Places being prepared count as waiting ones, except as many as
        there are free slots for them."""
        preparing = self._preparing.total()
        free = max(self.slots - self._running - preparing, 0)
        if free and not self._waiting:
            return  # a slot is free for this one too
        waiting = self._in_line() + max(preparing - (self.slots - self._running), 0)
        if waiting >= self.max_waiting:
            raise self._busy(f"{waiting} reports are already waiting for a render worker")
        mine = len(self._waiting.get(organisation_id, ())) + self._preparing[organisation_id]
        if mine >= self.per_organisation:
            raise self._busy(
                f"your organisation already has {self.per_organisation} reports waiting for "
                "a render worker (each organisation gets a fair share)"
            )

    def _busy(self, why: str) -> Unavailable:
        waiting = self._in_line() + self._preparing.total()
        seconds = math.ceil(self._average * (waiting + self._running) / self.slots)
        retry = min(max(seconds, 1), 60)
        return Unavailable(
            f"The report cannot be rendered now: {why}. Try again in {retry} seconds; "
            "reports already rendered are served at once.",
            headers={"Retry-After": str(retry)},
        )

    def _leave(self, place: Place, seconds: float | None) -> None:
        """`place` gives its slot back (after `seconds` of rendering, if it rendered): the
        next waiter in turn gets it."""
        with self._lock:
            if place.state is not _State.RUNNING:
                return
            place.state = _State.DONE
            if seconds is not None:
                self._average += _SMOOTHING * (seconds - self._average)
            following = self._next()
            if following is None:
                self._running -= 1
                return
            following.state = _State.RUNNING  # the slot passes to it: `_running` is unchanged
        following.loop.call_soon_threadsafe(_wake, following.future)

    def _next(self) -> Place | None:
        """The next organisation in turn gives up its oldest waiter, and goes to the back."""
        for organisation_id in list(self._waiting):
            places = self._waiting.pop(organisation_id)
            following = places.popleft()
            if places:
                self._waiting[organisation_id] = places
            return following
        return None


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
