"""Scoring in worker processes gives the columns scoring here gives, in the order asked."""

from __future__ import annotations

import os

from service.scores import columns, scoring_pool
from service.scores.scoring_pool import Job, ScoringPool
from service.scoring.library import Library
from tests.builders import example
from tests.scoring.test_scenarios import scenarios

KEY = "ai-framework@2.0"


def _jobs() -> list[Job]:
    jobs: list[Job] = [(KEY, s.answers, s.client) for s in scenarios()]
    client = example("northwind.environment")
    jobs += [(KEY, example(name), client) for name in ("openweave.answers", "monolith.answers")]
    return jobs


def test_workers_score_as_this_process_does(library: Library) -> None:
    jobs = _jobs()
    engine = library.engine(KEY)
    assert engine is not None
    here = [columns.scored(engine, answers, client) for _, answers, client in jobs]
    assert any(c["improvement_paths"] for c in here), "some job has paths to compare"
    with ScoringPool(library, workers=2) as pool:
        assert pool.parallel
        assert pool.score(jobs) == here
        assert pool.score(jobs[::-1]) == here[::-1], "in the order asked"


def test_the_workers_are_other_processes(library: Library) -> None:
    with ScoringPool(library, workers=2) as pool:
        assert pool._executor is not None
        pids = set(pool._executor.map(_pid, range(8)))
    assert os.getpid() not in pids
    assert not pool.parallel, "stopped when the block is left"


def test_one_worker_scores_here(library: Library) -> None:
    jobs = _jobs()[:3]
    with ScoringPool(library, workers=1) as pool:
        assert not pool.parallel
        assert pool.score(jobs) == [scoring_pool.score_job(library, job) for job in jobs]


def _pid(_: int) -> int:
    return os.getpid()
