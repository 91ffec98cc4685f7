"""The render queue: bounded, a fair share per organisation, turns in round robin."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable

import pytest

from service.errors import Unavailable
from service.reporting.queue import RenderQueue

A, B = uuid.uuid4(), uuid.uuid4()


async def _started(
    queue: RenderQueue, org: uuid.UUID, log: list[str], name: str, gate: threading.Event
) -> str:
    def work() -> str:
        log.append(name)
        gate.wait(10)
        return name

    return await queue.run(org, work)


async def _until(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition never held"
        await asyncio.sleep(0.01)


def test_beyond_the_bound_the_answer_is_503_with_retry_after() -> None:
    async def scenario() -> None:
        queue = RenderQueue(slots=1, max_waiting=2, per_organisation=2, max_wait=30)
        gate, log = threading.Event(), list[str]()
        tasks = [asyncio.create_task(_started(queue, A, log, f"a{n}", gate)) for n in range(3)]
        await _until(lambda: log == ["a0"] and queue.waiting == 2)
        with pytest.raises(Unavailable) as refused:
            await queue.run(B, lambda: "never")
        assert "already waiting" in refused.value.detail
        assert int(refused.value.headers["Retry-After"]) >= 1
        gate.set()
        assert await asyncio.gather(*tasks) == ["a0", "a1", "a2"]
        assert queue.waiting == 0
        assert await queue.run(B, lambda: "free again") == "free again"

    asyncio.run(scenario())


def test_one_organisation_cannot_take_every_waiting_place_and_turns_alternate() -> None:
    async def scenario() -> None:
        queue = RenderQueue(slots=1, max_waiting=10, per_organisation=3, max_wait=30)
        gate, log = threading.Event(), list[str]()
        burst = [asyncio.create_task(_started(queue, A, log, f"a{n}", gate)) for n in range(4)]
        await _until(lambda: queue.waiting == 3)
        with pytest.raises(Unavailable) as refused:
            await queue.run(A, lambda: "a burst too many")
        assert "fair share" in refused.value.detail
        other = [asyncio.create_task(_started(queue, B, log, f"b{n}", gate)) for n in range(2)]
        await _until(lambda: queue.waiting == 5)
        gate.set()
        await asyncio.gather(*burst, *other)
        # a0 was running; then A and B take turns, though A's burst came first
        assert log == ["a0", "a1", "b0", "a2", "b1", "a3"]

    asyncio.run(scenario())


def test_a_waiter_gives_up_after_max_wait_and_leaves_the_line() -> None:
    async def scenario() -> None:
        queue = RenderQueue(slots=1, max_waiting=5, per_organisation=5, max_wait=0.2)
        gate, log = threading.Event(), list[str]()
        running = asyncio.create_task(_started(queue, A, log, "long", gate))
        await _until(lambda: log == ["long"])
        with pytest.raises(Unavailable) as late:
            await queue.run(B, lambda: "late")
        assert "within 0.2 seconds" in late.value.detail
        assert late.value.headers["Retry-After"]
        assert queue.waiting == 0
        gate.set()
        await running
        assert await queue.run(B, lambda: "next") == "next"

    asyncio.run(scenario())


def test_a_place_being_prepared_counts_against_the_bound_but_holds_no_slot() -> None:
    """A download takes its place before it prepares its report (so that a refused one
    prepares nothing), but a render worker is not kept idle while the report is prepared: a
    place that is ready first renders first."""

    async def scenario() -> None:
        queue = RenderQueue(slots=1, max_waiting=1, per_organisation=5, max_wait=30)
        slow, quick = queue.place(A), queue.place(B)
        queue.reserve(slow)  # gets the free slot once ready
        queue.reserve(quick)  # will have to wait: the one waiting place
        assert (queue.preparing, queue.running, queue.waiting) == (2, 0, 0)
        refused = queue.place(B)
        with pytest.raises(Unavailable) as full:
            queue.reserve(refused)
        assert "1 reports are already waiting" in full.value.detail
        queue.cancel(refused)  # a refused place has nothing to give back
        gate, log = threading.Event(), list[str]()

        def work(name: str) -> Callable[[], str]:
            def render() -> str:
                log.append(name)
                gate.wait(10)
                return name

            return render

        first = asyncio.create_task(queue.run_reserved(quick, work("quick")))
        await _until(lambda: log == ["quick"])  # ready first: the slot is its own at once
        second = asyncio.create_task(queue.run_reserved(slow, work("slow")))
        await _until(lambda: queue.waiting == 1 and queue.preparing == 0)
        gate.set()
        assert list(await asyncio.gather(first, second)) == ["quick", "slow"]
        assert (queue.preparing, queue.running, queue.waiting) == (0, 0, 0)

    asyncio.run(scenario())


def test_a_place_given_back_before_its_render_makes_room() -> None:
    async def scenario() -> None:
        queue = RenderQueue(slots=1, max_waiting=1, per_organisation=1, max_wait=30)
        places = [queue.place(A), queue.place(B)]
        for place in places:
            queue.reserve(place)
        with pytest.raises(Unavailable):
            queue.reserve(queue.place(B))
        queue.cancel(places[1])  # e.g. its preparation failed, or its client went away
        queue.cancel(places[1])  # twice is harmless
        queue.reserve(queue.place(B))
        assert queue.preparing == 2
        queue.cancel(places[0])
        assert queue.preparing == 1

    asyncio.run(scenario())
