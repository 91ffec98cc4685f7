"""The render pool: time limits that stop one render only, workers stopped from outside,
replacement, retirement and a prompt shutdown."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from service.config import Settings
from service.reporting import pool
from service.reporting.pool import RenderPool
from service.reporting.render import RenderError

PAGE = "<html><body><h1>stackvet</h1><p>One page.</p></body></html>"
PARAGRAPH = "<p>The vendor describes this part of its stack at length, in plain words.</p>"
SLOW = f"<html><body>{PARAGRAPH * 20_000}</body></html>"  # about 8 s of layout
MEDIUM = f"<html><body>{PARAGRAPH * 4_000}</body></html>"  # about 1.7 s, 118 pages
LONG = f"<html><body>{PARAGRAPH * 8_000}</body></html>"  # about 3.4 s, over 200 pages


@pytest.fixture
def two_workers() -> Iterator[RenderPool]:
    # A generous limit: starting a worker and rendering one page can take seconds when busy.
    workers = RenderPool(workers=2, timeout=120, max_pages=500, memory_mb=1024)
    yield workers
    assert _finishes_within(60, workers.close), "closing the pool hung"


@pytest.fixture
def handed_over(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Set each time a render is handed to a worker process (its time limit already fixed)."""
    event = threading.Event()
    real_ask = pool._Worker.ask

    def ask(
        worker: pool._Worker, request: tuple[object, ...], timeout: float
    ) -> tuple[str, object]:
        event.set()
        return real_ask(worker, request, timeout)

    monkeypatch.setattr(pool._Worker, "ask", ask)
    return event


def _pids() -> set[int]:
    return {p.pid for p in multiprocessing.active_children() if p.pid is not None}


def _start_both(workers: RenderPool) -> set[int]:
    """Render twice at once, so that both workers start; their process ids."""
    before = _pids()
    with ThreadPoolExecutor(2) as threads:
        pages = list(threads.map(lambda _: workers.render(PAGE).pages, range(2)))
    assert pages == [1, 1]
    started = _pids() - before
    assert len(started) == 2
    return started


def _stop(pids: set[int], signum: signal.Signals) -> None:
    for pid in pids:
        os.kill(pid, signum)
    deadline = time.monotonic() + 60
    while pids & _pids():
        assert time.monotonic() < deadline, "the workers did not stop"
        time.sleep(0.05)


def _finishes_within(seconds: float, action: Callable[[], object]) -> bool:
    """Whether `action` returned (or raised) in time; a hung one is left in its thread."""
    running = threading.Thread(target=action, daemon=True)
    running.start()
    running.join(seconds)
    return not running.is_alive()


def test_a_render_past_its_time_limit_stops_only_that_render(
    handed_over: threading.Event,
) -> None:
    """The slow render gets a 1 s limit; the other one, handed to a worker while the slow one
    is in progress, gets 600 s. No sleep decides the outcome: the slow one (over a thousand
    pages) cannot finish in 1 s, and the other (over 200 pages, about 3.4 s of processor time
    where the limit counts the slow one's processor time) is still rendering when the slow one
    times out, however fast or busy the machine."""
    pool = RenderPool(workers=2, timeout=600, max_pages=5000, memory_mb=1024)
    try:
        _start_both(pool)  # starting a worker process may take longer than 1 s on a busy machine
        handed_over.clear()
        pool.timeout = 1
        with ThreadPoolExecutor(2) as threads:
            slow = threads.submit(pool.render, SLOW * 2)
            assert handed_over.wait(60), "the slow render never reached a worker"
            pool.timeout = 600  # read as each render is handed over: the slow one keeps 1 s
            other = threads.submit(pool.render, LONG)
            with pytest.raises(RenderError, match="longer than 1 seconds"):
                slow.result()
            assert not other.done(), "the other render was not in progress at the time-out"
            assert other.result().pages > 100
        assert pool.render(PAGE).pages == 1  # by a replacement worker
    finally:
        assert _finishes_within(60, pool.close), "closing the pool hung"


def test_workers_stopped_by_a_signal_to_the_process_group_leave_the_pool_usable(
    two_workers: RenderPool,
) -> None:
    """`kill -TERM -<group>` (a supervisor stopping the service, `timeout`, systemd's
    control-group kill) also reaches the idle workers."""
    _stop(_start_both(two_workers), signal.SIGTERM)
    pages: list[int] = []
    rendered = _finishes_within(120, lambda: pages.append(two_workers.render(PAGE).pages))
    assert rendered, "rendering hung after the workers were stopped"
    assert pages == [1], "the replacement workers did not render"
    assert _finishes_within(60, two_workers.close), "closing the pool hung"


def test_a_worker_killed_while_idle_is_replaced_with_a_warning(
    two_workers: RenderPool, caplog: pytest.LogCaptureFixture
) -> None:
    before = _pids()
    assert two_workers.render(PAGE).pages == 1
    (first,) = _pids() - before
    _stop({first}, signal.SIGKILL)
    with caplog.at_level(logging.WARNING, logger="service.reporting.pool"):
        assert two_workers.render(PAGE).pages == 1
    assert f"render worker {first} had stopped; replacing it" in caplog.text


def test_closing_stops_a_render_in_progress_at_once(
    two_workers: RenderPool, handed_over: threading.Event
) -> None:
    outcome: list[BaseException] = []

    def render_slowly() -> None:
        try:
            two_workers.render(SLOW * 2)
        except RenderError as exc:
            outcome.append(exc)

    rendering = threading.Thread(target=render_slowly)
    handed_over.clear()
    rendering.start()
    assert handed_over.wait(60), "the slow render never reached a worker"
    started = time.monotonic()
    # The render alone takes 16 s idle (far more when busy); closing must not wait for it.
    assert _finishes_within(12, two_workers.close), "closing the pool waited for the render"
    rendering.join(30)
    assert time.monotonic() - started < 12
    assert [str(e) for e in outcome] == ["the render worker stopped unexpectedly"]
    assert two_workers.render(PAGE).pages == 1  # a closed pool starts again when used


def test_a_worker_is_retired_after_its_share_of_renders(
    two_workers: RenderPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool, "RENDERS_PER_WORKER", 2)
    before = _pids()
    two_workers.render(PAGE)
    (first,) = _pids() - before
    two_workers.render(PAGE)  # its second: it is retired afterwards
    assert first not in _pids()
    two_workers.render(PAGE)
    assert len(_pids() - before) == 1  # a new one


def test_workers_run_below_the_api_process_in_priority_and_in_the_batch_policy() -> None:
    """So that on a machine with as many cores as render workers, a request's thread gets the
    CPU first and renders take what is left."""
    low = RenderPool(workers=1, timeout=120, max_pages=5, memory_mb=1024, nice=7)
    try:
        before = _pids()
        assert low.render(PAGE).pages == 1
        (worker,) = _pids() - before
        ours = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, worker) == min(ours + 7, 19)
        assert os.sched_getscheduler(worker) == os.SCHED_BATCH
    finally:
        assert _finishes_within(60, low.close), "closing the pool hung"


def test_the_default_pool_takes_its_priority_from_the_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().report_worker_nice > 0  # lower than the API process unless configured
    monkeypatch.setattr(pool, "_default", None)
    made = pool.default_pool(Settings(report_worker_nice=3, report_workers=1))
    try:
        assert made.nice == 3
    finally:
        made.close()


def test_a_worker_waiting_for_the_cpu_is_not_charged_for_the_wait() -> None:
    """The limit counts the processor time a render took, not the time on the clock: a worker
    that cannot run (stopped here, as good as starved by a busy machine) for longer than the
    limit still finishes its render. Without a limit on processor time the render failed."""
    workers = RenderPool(workers=1, timeout=120, max_pages=5, memory_mb=1024)
    try:
        before = _pids()
        assert workers.render(PAGE).pages == 1  # started and warm
        (worker,) = _pids() - before
        workers.timeout = 4  # a one-page render takes a small fraction of that in CPU time
        os.kill(worker, signal.SIGSTOP)
        with ThreadPoolExecutor(1) as threads:
            render = threads.submit(workers.render, PAGE)
            # stopped for longer than the limit; the resumed worker still has 7 s on the
            # clock (WALL_CLOCK_FACTOR 3) to lay out one page, plenty on a busy machine
            time.sleep(5)
            assert not render.done()
            os.kill(worker, signal.SIGCONT)
            assert render.result().pages == 1
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker, signal.SIGCONT)
        assert _finishes_within(60, workers.close), "closing the pool hung"


def test_a_stuck_worker_is_still_stopped_by_the_clock() -> None:
    """A worker that makes no progress at all uses no CPU time: the clock stops it at
    `WALL_CLOCK_FACTOR` times the limit."""
    workers = RenderPool(workers=1, timeout=120, max_pages=5, memory_mb=1024)
    try:
        before = _pids()
        assert workers.render(PAGE).pages == 1
        (worker,) = _pids() - before
        workers.timeout = 0.5
        os.kill(worker, signal.SIGSTOP)
        started = time.monotonic()
        with pytest.raises(RenderError, match=r"longer than 0\.5 seconds"):
            workers.render(PAGE)
        assert time.monotonic() - started >= pool.WALL_CLOCK_FACTOR * 0.5
        workers.timeout = 120  # starting a worker takes more than 0.5 s of CPU time
        assert workers.render(PAGE).pages == 1  # by a replacement worker
    finally:
        assert _finishes_within(60, workers.close), "closing the pool hung"
