"""Scoring a re-score chunk's inputs, in this process or split over forked worker processes.

Scoring with improvement paths is pure CPU work on plain data (`service.scores.columns`), and
re-scoring thousands of assessments spends most of its time there, so on a machine with cores
to spare the inputs without evidence can be scored by workers while this process keeps the
database work. The workers are forked once per run and inherit the library, so they score
with the same definitions and engines; each job carries only the questionnaire key, the
answers and the client environment, and the columns come back as plain data, the same as
scoring them here (the worker runs the same function). A worker also inherits copies of the
parent's database connections and never uses them; psycopg does not close a connection
object in a process other than the one that opened it, so the parent's stay open.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType
from typing import Any

from service.scores import columns
from service.scoring.library import Library

Job = tuple[str, dict[str, Any], dict[str, Any]]
"""A questionnaire key (`ai-framework@2.0`), the answers and the client environment."""

_library: Library | None = None
"""The worker's library (set once when the worker starts)."""


class ScoringPool:
    """Scores jobs here when `workers` is 1 (or fork is not available), else in `workers`
    forked processes, started when the pool is entered and stopped when it is left."""

    def __init__(self, library: Library, workers: int = 1) -> None:
        self.library = library
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> ScoringPool:
        if self.workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_start,
                initargs=(self.library,),
            )
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    @property
    def parallel(self) -> bool:
        """Whether jobs go to worker processes (inside the `with` block, workers above 1)."""
        return self._executor is not None

    def score(self, jobs: Sequence[Job]) -> list[dict[str, Any]]:
        """The scored columns of each job, in order."""
        if self._executor is None or len(jobs) < 2 * self.workers:
            return [score_job(self.library, job) for job in jobs]
        share = max(1, len(jobs) // (self.workers * 4))  # a few tasks each evens the load out
        return list(self._executor.map(_score, jobs, chunksize=share))


def score_job(library: Library, job: Job) -> dict[str, Any]:
    key, answers, client = job
    engine = library.engine(key)
    if engine is None:  # the parent found this pack before making the job
        raise LookupError(f"no rule pack for {key}")
    return columns.scored(engine, answers, client)


def _start(library: Library) -> None:
    global _library  # noqa: PLW0603 (one library per worker process, set as it starts)
    _library = library


def _score(job: Job) -> dict[str, Any]:
    assert _library is not None, "set by the pool's initializer"
    return score_job(_library, job)
