"""Prometheus metrics: what the service counts and times, and the text exposition.

Counters, histograms and gauges kept in process are defined here and updated where the work
happens. Gauges that need the database (queue depths, the oldest due delivery) are read only
when Prometheus scrapes (`service.observability.queues`), never on a request.

With several worker processes (`stackvet serve --workers N`, or any process manager), set
`PROMETHEUS_MULTIPROC_DIR` to an empty folder of their own: each process then writes its values
there and a scrape of any process adds them up (prometheus-client's multiprocess mode). Gauges
say how they add up (`livesum`: the sum over live processes).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event
from sqlalchemy.pool import Pool

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED_ROUTE = "unmatched"

# No `_created` series: they double the output and nobody graphs them.
disable_created_metrics()  # type: ignore[no-untyped-call]

HTTP_REQUESTS = Counter(
    "stackvet_http_requests",
    "HTTP requests answered, by route template and status.",
    ["method", "route", "status"],
)
HTTP_SECONDS = Histogram(
    "stackvet_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and status.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
RENDER_SECONDS = Histogram(
    "stackvet_report_render_duration_seconds",
    "Time to render a PDF report (including waiting for a render worker).",
    ["kind"],
    buckets=(0.25, 0.5, 1, 2, 4, 8, 15, 30, 60),
)
RENDER_FAILURES = Counter(
    "stackvet_report_render_failures", "Reports that could not be rendered.", ["kind"]
)
RENDER_WORKERS = Gauge(
    "stackvet_render_workers",
    "Render worker processes, by state (busy, idle).",
    ["state"],
    multiprocess_mode="livesum",
)
RENDER_WORKERS_MAX = Gauge(
    "stackvet_render_workers_max",
    "The most render worker processes the pools may start (STACKVET_REPORT_WORKERS each).",
    multiprocess_mode="livesum",
)
RENDER_QUEUE = Gauge(
    "stackvet_render_queue_depth",
    "Renders waiting for a free render worker.",
    multiprocess_mode="livesum",
)
WEBHOOK_DELIVERIES = Counter(
    "stackvet_webhook_deliveries",
    "Webhook delivery attempts, by outcome (succeeded, failed, gone); `released` counts "
    "claimed deliveries handed back unsent at shutdown.",
    ["outcome"],
)
SCORING_SECONDS = Histogram(
    "stackvet_scoring_duration_seconds",
    "Time the rules engine takes to score one assessment.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1),
)
DB_POOL_CHECKED_OUT = Gauge(
    "stackvet_db_pool_checked_out",
    "Database connections in use (checked out of the main pool or the read lane's).",
    multiprocess_mode="livesum",
)
DB_POOL_SIZE = Gauge(
    "stackvet_db_pool_size",
    "Database connections the pools hold at most, kept once opened: the main pool's "
    "2 x STACKVET_DB_POOL_SIZE and, on PostgreSQL, the read lane's STACKVET_READ_CONNECTIONS.",
    multiprocess_mode="livesum",
)


def multiprocess_dir() -> Path | None:
    value = os.environ.get(MULTIPROC_ENV)
    return Path(value) if value else None


def exposition(extra: Iterable[Collector] = ()) -> bytes:
    """The text exposition of `scrape_registry(extra)`."""
    return generate_latest(scrape_registry(extra))


def scrape_registry(extra: Iterable[Collector] = ()) -> CollectorRegistry:
    """This process's metrics (or all processes', in multiprocess mode) and the scrape-time
    collectors in `extra`."""
    registry = CollectorRegistry(auto_describe=True)
    if multiprocess_dir() is not None:
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_ThisProcess())
    for collector in extra:
        registry.register(collector)
    return registry


class _ThisProcess(Collector):
    """The process-wide default registry, as one collector of a per-scrape registry."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()

    def describe(self) -> Iterator[Metric]:
        return iter(())


def process_exited() -> None:
    """In multiprocess mode, drop this process's live gauges (call when it stops)."""
    if multiprocess_dir() is not None:
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def clear_multiprocess_dir() -> None:
    """Remove values left by processes of an earlier run (call before starting workers)."""
    folder = multiprocess_dir()
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()


def instrument_engine(engine: Engine) -> None:
    """Count connections checked out of the engine's pool; once per engine."""
    if event.contains(engine.pool, "checkout", _checked_out):
        return
    DB_POOL_SIZE.inc(_pool_size(engine.pool))
    event.listen(engine.pool, "checkout", _checked_out)
    event.listen(engine.pool, "checkin", _checked_in)


def _pool_size(pool: Pool) -> int:
    size = getattr(pool, "size", None)
    return int(size()) if callable(size) else 1


def _checked_out(*_: object) -> None:
    DB_POOL_CHECKED_OUT.inc()


def _checked_in(*_: object) -> None:
    DB_POOL_CHECKED_OUT.dec()


def render_pool_changed(busy: int, idle: int, waiting: int) -> None:
    RENDER_WORKERS.labels("busy").set(busy)
    RENDER_WORKERS.labels("idle").set(idle)
    RENDER_QUEUE.set(waiting)
