"""`stackvet rescore` on a scratch database: one line per assessment whose verdict moved."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db import create_db_engine
from service.questionnaires.catalog import Catalog
from service.scores import commands
from service.scores.models import ScoreRecord
from service.scores.rescore import RescoreSummary
from tests import builders
from tests.builders import example
from tests.cli import Invoke
from tests.databases import ScratchDatabases
from tests.scores.test_rescore import TORCHSERVE, library_with


def test_rescore_prints_each_assessment_whose_band_moved(
    run: Invoke, scratch_databases: ScratchDatabases, catalog: Catalog, tmp_path: Path
) -> None:
    url = scratch_databases.create("rescore_changes")
    env = {"STACKVET_DATABASE_URL": url}
    assert run("migrate", **env).exit_code == 0
    engine = create_db_engine(url)
    try:
        with Session(engine) as session:
            org = builders.organisation(session)
            moved = builders.assessment(
                session, catalog, org, answers=TORCHSERVE, submitted=True, title="On TorchServe"
            )
            steady = builders.assessment(
                session,
                catalog,
                org,
                answers=example("openweave.answers"),
                submitted=True,
                title="On vLLM",
            )
            session.commit()
            moved_id, steady_id = moved.id, steady.id

        library_with(tmp_path, catalog, torchserve="current")
        definitions = str(tmp_path / "questionnaires")
        result = run("rescore", STACKVET_DEFINITIONS_DIR=definitions, **env)

        with Session(engine) as session:
            query = select(ScoreRecord).where(ScoreRecord.assessment_id == moved_id)
            before, after = session.scalars(query.order_by(ScoreRecord.sequence)).all()
    finally:
        engine.dispose()

    assert result.exit_code == 0, result.output
    assert before.currency_band != after.currency_band, "the premise: TorchServe's band moves"
    line = f"{moved_id}  On TorchServe: technical currency {before.currency_band} -> "
    assert line + after.currency_band in result.output
    if before.recommendation != after.recommendation:
        rec = f"recommendation {before.recommendation} -> {after.recommendation}"
        assert rec in result.output
    assert str(steady_id) not in result.output, "an assessment whose bands held is not listed"
    assert "2 scored assessments examined: 2 re-scored" in result.output
    assert "1 assessment(s) changed band or recommendation:" in result.output

    again = run("rescore", STACKVET_DEFINITIONS_DIR=definitions, **env)
    assert again.exit_code == 0, again.output
    assert str(moved_id) not in again.output
    assert "No band or recommendation changed." in again.output


def test_rescore_scores_in_as_many_processes_as_it_has_cpus(
    run: Invoke, scratch_databases: ScratchDatabases, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = scratch_databases.create("rescore_workers")
    assert run("migrate", STACKVET_DATABASE_URL=url).exit_code == 0
    asked: list[int] = []

    def recorded(*args: Any, workers: int, **kwargs: Any) -> RescoreSummary:
        asked.append(workers)
        return RescoreSummary()

    monkeypatch.setattr(commands, "rescore_all", recorded)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2})
    assert run("rescore", STACKVET_DATABASE_URL=url).exit_code == 0
    assert run("rescore", "--workers", "1", STACKVET_DATABASE_URL=url).exit_code == 0
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(32)))
    assert run("rescore", STACKVET_DATABASE_URL=url).exit_code == 0
    assert asked == [3, 1, 8]  # the CPUs it may use, at most 8, unless told
