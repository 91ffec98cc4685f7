"""Keep the garbage collector out of the way: short full passes in a long-running API
process, and few passes in a batch that makes no garbage cycles (re-scoring).

CPython's full (oldest-generation) collection walks every container object the process
holds. After start-up that is some 210,000 objects: modules, FastAPI's routes and their
pydantic validators, SQLAlchemy's mappers, the questionnaire definitions and rule packs.
Walking them took 140 ms on the 2-core benchmark machine, and such a pass runs every few
seconds under load, stalling every request in flight: it was the p99 at 10 connections
(issue 16). Those objects live as long as the process, so once start-up is done they are
moved out of the collector's sight with `gc.freeze()` (the standard library's remedy for
exactly this); a full pass then walks only what requests and caches created since: 3 ms in
a quiet process, 30-40 ms under the load benchmark, where it also collects what the requests
in flight left. `tests/test_process_heap.py` keeps it.

Only `stackvet serve` does this: a frozen object is never freed, and tests build hundreds
of apps in one process.

The served process then collects rarely too (`SERVE_THRESHOLDS`). A young pass runs each
time 700 more containers are alive than at the last one, and ten requests in flight hold
more than that: a list page of 50 builds some 1,000 (rows, dicts, models), so under load a
young pass ran for nearly every list request, a middle one every ten and a full one (10-21 ms,
every request in flight waiting) every hundred; 7% of the process's time. Requests leave few
cycles (reference counting frees the rest), so with a young pass per 20,000 the same load
ran one pass in ten seconds; at 10 connections the list of 50 went from 288 to 323 req/s
(p99 51.4 to 42.5 ms) and one assessment from 467 to 582 (p99 33.6 to 24.2 ms), median of three
runs interleaved with the default. The API process's peak memory through list pages and
bursts of 50 connections was 151 MB against 149 MB.

Re-scoring allocates millions of short-lived containers (each improvement-path trial's
answers and outcomes) that reference counting frees, and leaves no cycles (a collection after
10,000 records found 220 unreachable objects). With the default thresholds (700, 10, 10) the
collector still ran 3,600 young and 12 full passes over a run, 5.4 s of its 27.5 s; with
`BATCH_THRESHOLDS` the same run took 21.3 s and the same peak memory (212 MB).
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

logger = logging.getLogger(__name__)

BATCH_THRESHOLDS = (20_000, 50, 50)
"""`gc.set_threshold` for a batch: a young pass per 20,000 net new containers (not 700)."""

SERVE_THRESHOLDS = (20_000, 50, 50)
"""`gc.set_threshold` for a served process, once settled: as rare, for the same reason (what
a pass finds is mostly alive, in the requests in flight)."""


def settle() -> None:
    """Collect what start-up left as garbage, freeze everything still alive, and collect
    rarely from then on (`SERVE_THRESHOLDS`)."""
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVE_THRESHOLDS)
    logger.info(
        "start-up heap frozen: %d objects, %.0f ms; collecting at thresholds %s",
        gc.get_freeze_count(),
        1000 * (time.perf_counter() - started),
        "/".join(str(n) for n in gc.get_threshold()),
    )


@contextmanager
def batch_collection() -> Iterator[None]:
    """Collect garbage rarely for the duration (`BATCH_THRESHOLDS`), then as before. Worker
    processes forked meanwhile (`scores.scoring_pool`) inherit the thresholds."""
    before = gc.get_threshold()
    gc.set_threshold(*BATCH_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
