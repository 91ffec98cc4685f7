"""A pool of render worker processes, with a time limit, a page limit and a memory limit.

WeasyPrint is synchronous and CPU-bound, and a pathological document can take very long or
use a lot of memory. Rendering in separate processes keeps the API process responsive: a
render that runs past its time limit is abandoned and the pool is restarted, which kills the
worker doing it; a worker that dies is replaced.
"""

from __future__ import annotations

import logging
import multiprocessing
import resource
import threading
from multiprocessing.pool import Pool

from service.config import Settings, get_settings
from service.reporting.render import RenderedPdf, RenderError

logger = logging.getLogger(__name__)


def _initialise_worker(memory_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    from service.reporting import pdf  # noqa: PLC0415 - imported in the worker only

    pdf.warm_up()


def _render(html: str, max_pages: int) -> RenderedPdf:
    from service.reporting import pdf  # noqa: PLC0415 - imported in the worker only

    return pdf.html_to_pdf(html, max_pages)


def _peak_memory_mb() -> float:
    """This process's peak resident memory. (`ru_maxrss` would not do: it carries over the
    parent's peak from before the worker was spawned.)"""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class RenderPool:
    def __init__(self, workers: int, timeout: float, max_pages: int, memory_mb: int) -> None:
        self.workers = workers
        self.timeout = timeout
        self.max_pages = max_pages
        self.memory_bytes = memory_mb * 1024 * 1024
        self._pool: Pool | None = None
        self._lock = threading.Lock()

    def render(self, html: str) -> RenderedPdf:
        pending = self._get().apply_async(_render, (html, self.max_pages))
        try:
            return pending.get(timeout=self.timeout)
        except multiprocessing.TimeoutError:
            logger.error("report render exceeded %ss; restarting the render pool", self.timeout)
            self.restart()
            raise RenderError(f"rendering took longer than {self.timeout:g} seconds") from None
        except MemoryError:
            raise RenderError("rendering ran out of memory") from None

    def peak_memory_mb(self) -> float:
        """The peak resident memory of a worker (of the only one, with `workers=1`)."""
        peak: float = self._get().apply(_peak_memory_mb)
        return peak

    def _get(self) -> Pool:
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("spawn")
                self._pool = context.Pool(
                    self.workers,
                    initializer=_initialise_worker,
                    initargs=(self.memory_bytes,),
                    maxtasksperchild=200,
                )
            return self._pool

    def restart(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.terminate()
                self._pool.join()
                self._pool = None

    def close(self) -> None:
        self.restart()


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
            )
        return _default


def shutdown_default_pool() -> None:
    global _default  # noqa: PLW0603
    with _default_lock:
        if _default is not None:
            _default.close()
            _default = None
