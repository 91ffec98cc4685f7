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
is one that will be rendered. Before, a download was only checked against the bounds before
preparing and took its place afterwards, so in a burst every download that found the line
short loaded the assessment, its score and the report's HTML, and all but one were then
refused: a third of the API process's time under 60 concurrent downloads went to work thrown
away, and the cheap requests beside them waited for it.

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
class Place:
    """A download's place in line, from `reserve` until its render ends (or it gives up)."""

    organisation_id: uuid.UUID
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None]
    deadline: float = 0.0
    """When a place still waiting gives up (monotonic clock); set by `reserve`."""
    reserved: bool = field(default=False)
    granted: bool = field(default=False)
    """A render slot is this place's (it counts in `_running`)."""
    finished: bool = field(default=False)
    """Left: rendered, cancelled, or timed out. Nothing more to give back."""


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
        self._waiting: dict[uuid.UUID, deque[Place]] = {}  # in turn order
        self._average = 1.0  # seconds per render, until measured

    @property
    def waiting(self) -> int:
        with self._lock:
            return sum(len(places) for places in self._waiting.values())

    @property
    def running(self) -> int:
        """Slots taken: renders in progress, and downloads granted a slot still preparing."""
        with self._lock:
            return self._running

    def place(self, organisation_id: uuid.UUID) -> Place:
        """A place not yet in line, for `reserve` (call on the loop that will wait)."""
        loop = asyncio.get_running_loop()
        return Place(organisation_id, loop, loop.create_future())

    def reserve(self, place: Place) -> None:
        """Take `place` in line now, or refuse (503 with Retry-After) when the line is full.
        Thread-safe and without waiting: called where the download is prepared."""
        with self._lock:
            if place.reserved:
                return
            if self._running < self.slots and not self._waiting:
                self._running += 1
                place.granted = True
                self._taken(place)
                place.loop.call_soon_threadsafe(_wake, place.future)
                return
            self._refuse_when_full(place.organisation_id)
            self._waiting.setdefault(place.organisation_id, deque()).append(place)
            self._taken(place)

    def _taken(self, place: Place) -> None:
        place.reserved = True
        place.deadline = time.monotonic() + self.max_wait

    async def run_reserved(self, place: Place, work: Callable[[], T]) -> T:
        """`work` (a render) in a thread, once the reserved place has its turn; the place is
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
        line, or, if it was granted a slot meanwhile, the slot passes on. Idempotent."""
        with self._lock:
            if place.finished:
                return
            if not place.granted:
                place.finished = True
                places = self._waiting.get(place.organisation_id)
                if places is not None and place in places:
                    places.remove(place)
                    if not places:
                        del self._waiting[place.organisation_id]
                return
        self._leave(place, None)

    async def _turn(self, place: Place) -> None:
        left = place.deadline - time.monotonic()
        try:
            await asyncio.wait_for(asyncio.shield(place.future), max(left, 0.001))
        except TimeoutError:
            with self._lock:
                granted = place.granted
            if not granted:
                self.cancel(place)
                raise self._busy(
                    f"no render worker was free within {self.max_wait:g} seconds"
                ) from None
            # granted at the last moment: the slot is ours after all

    def _refuse_when_full(self, organisation_id: uuid.UUID) -> None:
        waiting = sum(len(places) for places in self._waiting.values())
        if waiting >= self.max_waiting:
            raise self._busy(f"{waiting} reports are already waiting for a render worker")
        if len(self._waiting.get(organisation_id, ())) >= self.per_organisation:
            raise self._busy(
                f"your organisation already has {self.per_organisation} reports waiting for "
                "a render worker (each organisation gets a fair share)"
            )

    def _busy(self, why: str) -> Unavailable:
        waiting = sum(len(places) for places in self._waiting.values())
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
            if place.finished:
                return
            place.finished = True
            if seconds is not None:
                self._average += _SMOOTHING * (seconds - self._average)
            following = self._next()
            if following is None:
                self._running -= 1
                return
            following.granted = True  # the slot passes to it: `_running` is unchanged
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
