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

The served process keeps the default thresholds. Rarer passes (20,000 / 50 / 50, as for
re-scoring) were tried: no gain beyond the noise once the pool kept its connections (the list
of 50 at 310-385 req/s against 328-362 with the defaults, three interleaved runs), and a
hazard: a request's body can sit in a reference cycle until a pass finds it (FastAPI raises
its validation error for malformed JSON from a frame that holds it, with the request and the
decoder's error, which keeps the whole document). 600 malformed bodies of 900 KB, ten at a
time, left the process at 548 MB with rare passes, against 194 MB with the defaults.

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


def settle() -> None:
    """Collect what start-up left as garbage, then freeze everything still alive."""
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    logger.info(
        "start-up heap frozen: %d objects, %.0f ms",
        gc.get_freeze_count(),
        1000 * (time.perf_counter() - started),
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
