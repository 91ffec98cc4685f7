"""`stackvet rescore` on a scratch database: one line per assessment whose verdict moved."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db import create_db_engine
from service.questionnaires.catalog import Catalog
from service.scores.models import ScoreRecord
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
