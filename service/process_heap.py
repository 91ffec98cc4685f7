"""Keep the garbage collector's full passes short in a long-running API process.

CPython's full (oldest-generation) collection walks every container object the process
holds. After start-up that is some 210,000 objects: modules, FastAPI's routes and their
pydantic validators, SQLAlchemy's mappers, the questionnaire definitions and rule packs.
Walking them took 140 ms on the 2-core benchmark machine, and such a pass runs every few
seconds under load, stalling every request in flight: it was the p99 at 10 connections
(issue 16). Those objects live as long as the process, so once start-up is done they are
moved out of the collector's sight with `gc.freeze()` (the standard library's remedy for
exactly this); a full pass then walks only what requests and caches created since, a few
milliseconds. `tests/test_process_heap.py` keeps it.

Only `stackvet serve` does this: a frozen object is never freed, and tests build hundreds
of apps in one process.
"""

from __future__ import annotations

import gc
import logging
import time

logger = logging.getLogger(__name__)


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
