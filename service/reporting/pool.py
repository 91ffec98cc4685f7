"""Render worker processes, with a time limit, a page limit and a memory limit.

WeasyPrint is synchronous and CPU-bound, and a pathological document can take very long or
use a lot of memory. Rendering in separate processes keeps the API process responsive.

Workers run at a lower CPU priority than the API process (`STACKVET_REPORT_WORKER_NICE`, and
the kernel's SCHED_BATCH policy where there is one): on a machine with as many cores as
workers, renders take the CPU only when requests leave it free, and a cheap read is not
queued behind layout work. So that a busy machine does not make renders fail, the time limit
counts the processor time the worker spent on the render (as the kernel accounts it), not the
time on the clock; a render that makes no progress at all (a stopped or stuck worker) is
stopped after `WALL_CLOCK_FACTOR` times the limit on the clock. An earlier try at nice 10 with
a limit on the clock had renders pass their 30 s limit on a machine loaded by other work.

Each worker has a pipe of its own and serves one render at a time; the pool lends an idle
worker to a caller and takes it back. A render past its time limit kills only the worker
doing it, and a worker that dies (killed, out of memory) is replaced on the next render. No
lock is shared between processes, so no worker can take one to its grave: with the standard
library's `multiprocessing.Pool`, an idle worker stopped by a signal to the process group (a
supervisor stopping the service, Ctrl+C) could leave every later render and the shutdown
waiting for ever, and one render's time-out restarted the pool under the others.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import math
import multiprocessing
import os
import queue
import resource
import signal
import threading
import time
from collections.abc import Callable, Mapping
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from service.config import Settings, get_settings
from service.reporting.render import RenderedPdf, RenderError

logger = logging.getLogger(__name__)

RENDERS_PER_WORKER = 200  # then the worker is replaced, returning what it accumulated
WALL_CLOCK_FACTOR = 3  # a render is stopped after this many times its limit on the clock
_STOP_GRACE_SECONDS = 2.0
_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


# -- in the worker process -----------------------------------------------------------------


def _serve(connection: Connection, memory_bytes: int, nice: int) -> None:
    """A worker's life: answer requests on its pipe until told to stop or the pipe closes."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    _yield_to_requests(nice)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is for the parent, which stops us
    from service.reporting import pdf  # noqa: PLC0415 - imported in the worker only

    pdf.warm_up()
    # WeasyPrint builds very many short-lived objects; the cyclic garbage collector would scan
    # them again and again during a render. It is paused instead, and run once after each
    # reply, when the caller no longer waits: the same memory is freed, off the clock.
    gc.disable()
    while True:
        try:
            request = connection.recv()
        except EOFError:
            return
        if request is None:
            return
        connection.send(_answer(request))
        gc.collect()


def _yield_to_requests(nice: int) -> None:
    """Lower this worker's CPU priority below the API process's: `nice` steps, and the batch
    policy (no preempting a process that wakes up to answer a request)."""
    if nice:
        os.nice(nice)
    if hasattr(os, "sched_setscheduler"):
        with contextlib.suppress(OSError):
            os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))


def _answer(request: tuple[Any, ...]) -> tuple[str, Any]:
    from service.reporting import pdf  # noqa: PLC0415 - imported in the worker only

    if request[0] == "peak":
        return "ok", _peak_memory_mb()
    _, html, max_pages, images = request
    try:
        return "ok", pdf.html_to_pdf(html, max_pages, images)
    except RenderError as exc:
        return "refused", str(exc)
    except MemoryError:
        return "refused", "rendering ran out of memory"
    except Exception as exc:  # reported to the caller, who logs it with the request
        return "refused", f"the renderer failed ({type(exc).__name__}: {exc})"


def _peak_memory_mb() -> float:
    """This process's peak resident memory. (`ru_maxrss` would not do: it carries over the
    parent's peak from before the worker was spawned.)"""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- in the parent -------------------------------------------------------------------------


class _Lost(Exception):
    """The worker did not answer: it timed out or died. It must not be used again."""


class _Worker:
    """One render process and the parent's end of its pipe."""

    def __init__(self, memory_bytes: int, nice: int = 0) -> None:
        context = multiprocessing.get_context("spawn")
        self.connection, theirs = context.Pipe()
        self.process: BaseProcess = context.Process(
            target=_serve,
            args=(theirs, memory_bytes, nice),
            name="stackvet-render",
            daemon=True,
        )
        self.process.start()
        theirs.close()
        self.requests = 0

    def ask(self, request: tuple[Any, ...], timeout: float) -> tuple[str, Any]:
        """The worker's answer, within `timeout` seconds of its processor time (and
        `WALL_CLOCK_FACTOR` times that on the clock)."""
        self.requests += 1
        try:
            self.connection.send(request)
            self._wait(timeout)
            answer: tuple[str, Any] = self.connection.recv()
        except (EOFError, OSError):
            raise _Lost("the render worker stopped unexpectedly") from None
        return answer

    def _wait(self, timeout: float) -> None:
        """Until the answer is there; `_Lost` once the worker has used `timeout` seconds of
        processor time on it, or after `WALL_CLOCK_FACTOR * timeout` on the clock. A worker
        waiting for the CPU (a busy machine, its lower priority) is not charged for that."""
        started, spent = time.monotonic(), self.cpu_seconds()
        deadline = started + WALL_CLOCK_FACTOR * timeout
        left = timeout
        while not self.connection.poll(left):
            used = self.cpu_seconds() - spent
            now = time.monotonic()
            if used >= timeout or now >= deadline:
                raise _Lost(f"rendering took longer than {timeout:g} seconds")
            left = min(max(timeout - used, 0.01), deadline - now)

    def cpu_seconds(self) -> float:
        """Processor time the worker has used so far (user and system); once it has ended,
        infinity, so that waiting for it ends."""
        try:
            with open(f"/proc/{self.process.pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:
            return math.inf
        return (int(fields[11]) + int(fields[12])) / _TICKS_PER_SECOND

    def stop(self) -> None:
        """Ask the worker to finish; kill it if it does not (or cannot: it may be stuck)."""
        with contextlib.suppress(OSError):
            self.connection.send(None)
        self.process.join(_STOP_GRACE_SECONDS)
        self.kill()

    def kill(self) -> None:
        """Kill the process; a caller waiting on its pipe sees it close. (The pipe itself is
        closed by whoever holds the worker, never from another thread.)"""
        if self.process.is_alive():
            self.process.kill()
        self.process.join()


class RenderPool:
    """Up to `workers` render processes, started when first needed."""

    def __init__(
        self, workers: int, timeout: float, max_pages: int, memory_mb: int, nice: int = 0
    ) -> None:
        self.workers = workers
        self.timeout = timeout
        self.nice = nice
        """How many steps below the API process's CPU priority the workers run."""
        self.max_pages = max_pages
        self.memory_bytes = memory_mb * 1024 * 1024
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()  # the warmest first
        self._running: set[_Worker] = set()
        self._lock = threading.Lock()
        self._waiting = 0
        self.on_change: Callable[[int, int, int], None] | None = None
        """Told (busy, idle, waiting) after every change: the metrics' render pool gauges."""

    def render(
        self, html: str, images: Mapping[str, tuple[bytes, str]] | None = None
    ) -> RenderedPdf:
        """`images`: what the renderer may serve besides its bundled assets, by URL."""
        status, value = self._ask(("render", html, self.max_pages, dict(images or {})))
        if status != "ok":
            raise RenderError(value)
        result: RenderedPdf = value
        return result

    def peak_memory_mb(self) -> float:
        """The peak resident memory of a worker (of the only one, with `workers=1`)."""
        _, peak = self._ask(("peak",))
        return float(peak)

    def restart(self) -> None:
        """Kill every worker (a render in progress fails); new ones start when needed."""
        self._stop_all(graceful=False)

    def close(self) -> None:
        """Stop every worker: idle ones are asked to finish, busy ones are killed."""
        self._stop_all(graceful=True)

    def _stop_all(self, *, graceful: bool) -> None:
        with self._lock:
            busy, self._running = self._running, set()
        while True:
            try:
                idle = self._idle.get_nowait()
            except queue.Empty:
                break
            busy.discard(idle)
            self._end(idle, kill=not graceful)
        for worker in busy:  # their callers see the pipe close, and discard them
            worker.kill()

    def _ask(self, request: tuple[Any, ...]) -> tuple[str, Any]:
        worker = self._take()
        self._changed()
        try:
            answer = worker.ask(request, self.timeout)
        except _Lost as lost:
            logger.error("render worker %s: %s; replacing it", worker.process.pid, lost)
            self._discard(worker, kill=True)
            self._changed()
            raise RenderError(str(lost)) from None
        self._give_back(worker)
        self._changed()
        return answer

    def _changed(self) -> None:
        if self.on_change is not None:
            with self._lock:
                running, waiting = len(self._running), self._waiting
            idle = self._idle.qsize()
            self.on_change(max(running - idle, 0), idle, waiting)

    def _take(self) -> _Worker:
        """A live worker of this pool. Idle ones may have died meanwhile (killed from outside)
        or been stopped by `restart`/`close`: those are skipped."""
        while True:
            worker = self._idle_or_new()
            with self._lock:
                ours = worker in self._running
            if ours and worker.process.is_alive():
                return worker
            if ours:
                logger.warning("render worker %s had stopped; replacing it", worker.process.pid)
            self._discard(worker, kill=True)

    def _idle_or_new(self) -> _Worker:
        """An idle worker, or a new one while there are fewer than `workers`; else wait."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                return self._idle.get_nowait()
            except queue.Empty:
                pass
            with self._lock:
                if len(self._running) < self.workers:
                    worker = _Worker(self.memory_bytes, self.nice)
                    self._running.add(worker)
                    return worker
            left = deadline - time.monotonic()
            if left <= 0:
                raise RenderError(f"every render worker was busy for {self.timeout:g} seconds")
            try:  # briefly: a worker may be discarded meanwhile, making room for a new one
                return self._wait_for_idle(min(left, 0.5))
            except queue.Empty:
                continue

    def _wait_for_idle(self, timeout: float) -> _Worker:
        with self._lock:
            self._waiting += 1
        self._changed()
        try:
            return self._idle.get(timeout=timeout)
        finally:
            with self._lock:
                self._waiting -= 1

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            ours = worker in self._running
        if not ours or worker.requests >= RENDERS_PER_WORKER:  # restarted, closed, or retired
            self._discard(worker, kill=False)
        else:
            self._idle.put(worker)

    def _discard(self, worker: _Worker, *, kill: bool) -> None:
        with self._lock:
            self._running.discard(worker)
        self._end(worker, kill=kill)

    @staticmethod
    def _end(worker: _Worker, *, kill: bool) -> None:
        if kill:
            worker.kill()
        else:
            worker.stop()
        worker.connection.close()


_default: RenderPool | None = None
_default_lock = threading.Lock()


def default_pool(settings: Settings | None = None) -> RenderPool:
    """The process-wide pool, created on first use from the settings."""
    global _default  # noqa: PLW0603 - one pool per process is the point
    with _default_lock:
        if _default is None:
            settings = settings or get_settings()
            _default = RenderPool(
                workers=settings.report_workers,
                timeout=settings.report_timeout_seconds,
                max_pages=settings.report_max_pages,
                memory_mb=settings.report_memory_mb,
                nice=settings.report_worker_nice,
            )
            observe(_default)
        return _default


def observe(pool: RenderPool) -> None:
    """Feed the pool's state to the metrics. Imported here, in the parent only: a render
    worker imports this module too and should not carry the metrics client."""
    from service.observability import metrics  # noqa: PLC0415

    metrics.RENDER_WORKERS_MAX.set(pool.workers)
    pool.on_change = metrics.render_pool_changed
    pool._changed()


def shutdown_default_pool() -> None:
    global _default  # noqa: PLW0603
    with _default_lock:
        if _default is not None:
            _default.close()
            _default = None
