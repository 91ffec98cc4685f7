"""Alembic: upgrade from empty, no drift between models and migrations, downgrade to base."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from service import migration
from service.catalog import service as catalog_service
from service.db import create_db_engine, create_session_factory
from service.health.service import migration_state
from service.questionnaires.answers import progress
from service.questionnaires.catalog import Catalog
from service.scoring.library import Library
from tests import builders
from tests.databases import ScratchDatabases


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_check_downgrade_and_upgrade_again(scratch_databases: ScratchDatabases) -> None:
    url = scratch_databases.create("migrations")
    migration.upgrade(url)
    assert {"assessments", "assessment_history", "api_keys"} <= tables(url)
    migration.check(url)  # raises when models and migrations disagree
    migration.downgrade(url, "base")
    assert tables(url) <= {"alembic_version"}
    migration.upgrade(url)
    migration.check(url)


def test_two_migrate_commands_at_once_both_succeed(scratch_databases: ScratchDatabases) -> None:
    """Replicas starting together: the advisory lock (PostgreSQL) makes them take turns."""
    url = scratch_databases.create("migrate_twice")
    stackvet = Path(sys.executable).parent / "stackvet"
    env = {**os.environ, "STACKVET_DATABASE_URL": url}
    processes = [
        subprocess.Popen(
            [str(stackvet), "migrate"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=180)[0] for process in processes]
    for process, output in zip(processes, outputs, strict=True):
        assert process.returncode == 0, output
        assert "latest migration" in output
    engine = create_db_engine(url)
    try:
        assert migration_state(engine).at_head
        with engine.connect() as connection:
            published = connection.execute(text("SELECT count(*) FROM questionnaire_versions"))
            assert published.scalar_one() >= 1
    finally:
        engine.dispose()


def test_an_upgrade_waits_while_the_migration_lock_is_held(
    scratch_databases: ScratchDatabases,
) -> None:
    """PostgreSQL's advisory lock, or on SQLite the lock on the file beside the database (the
    steps of two upgrades at once interleaved there: "duplicate column name" in CI)."""
    url = scratch_databases.create("migrate_waits")
    finished = threading.Event()

    def upgrade() -> None:
        migration.upgrade(url)
        finished.set()

    upgrading = threading.Thread(target=upgrade)
    with migration.locked_connection(url):
        upgrading.start()
        assert not finished.wait(timeout=2), "the upgrade ran while another held the lock"
    upgrading.join(timeout=120)
    assert finished.is_set(), "the upgrade ran once the lock was released"
    assert tables(url) >= {"assessments", "alembic_version"}


PROGRESS = (
    "SELECT id, progress_answered, progress_unknown, progress_visible, "
    "progress_required_missing FROM assessments"
)


def test_0015_backfills_the_stored_progress_and_downgrades(
    scratch_databases: ScratchDatabases, catalog: Catalog
) -> None:
    """Assessments made before 0015 get the counts their answers give; a downgrade drops the
    columns and the list indexes."""
    url = scratch_databases.create("progress_backfill")
    migration.upgrade(url)
    engine = create_db_engine(url)
    try:
        with create_session_factory(engine).begin() as session:
            org = builders.organisation(session)
            rows = [
                builders.assessment(
                    session, catalog, org, answers=builders.example("openweave.answers")
                ),
                builders.assessment(session, catalog, org),
            ]
            counts = [
                progress(catalog_service.questionnaire_of(row.questionnaire), row.answers)
                for row in rows
            ]
            expected = {
                str(row.id): (c.answered, c.unknown, c.visible, c.required_missing)
                for row, c in zip(rows, counts, strict=True)
            }
        assert len(set(expected.values())) == 2
        migration.downgrade(url, "0014")
        columns = {c["name"] for c in inspect(engine).get_columns("assessments")}
        indexes = {i["name"] for i in inspect(engine).get_indexes("assessments")}
        assert not {c for c in columns if c.startswith("progress_")}
        assert not {"ix_assessments_status", "ix_assessments_title_trgm"} & indexes
        migration.upgrade(url)
        with engine.connect() as connection:
            rows_now = connection.execute(text(PROGRESS)).all()
        stored = {str(uuid.UUID(str(row[0]))): tuple(row[1:]) for row in rows_now}
        assert stored == expected
        names = {i["name"] for i in inspect(engine).get_indexes("vendors")}
        assert "ix_vendors_name_trgm" in names
    finally:
        engine.dispose()


def test_0017_backfills_the_score_copies_the_dashboard_sorts_by(
    scratch_databases: ScratchDatabases, catalog: Catalog, library: Library
) -> None:
    """Assessments scored before 0017 get their latest score's two scores copied onto the row;
    an unscored one keeps none; a downgrade drops the columns and their indexes."""
    url = scratch_databases.create("score_copies")
    migration.upgrade(url)
    engine = create_db_engine(url)
    try:
        with create_session_factory(engine).begin() as session:
            org = builders.organisation(session)
            scored = builders.assessment(
                session,
                catalog,
                org,
                answers=builders.example("monolith.answers"),
                submitted=True,
                library=library,
            )
            draft = builders.assessment(session, catalog, org)
            session.flush()
            assert scored.latest_score is not None
            expected = {
                str(scored.id): (
                    scored.latest_score.technical_currency,
                    scored.latest_score.integration_risk,
                ),
                str(draft.id): (None, None),
            }
        migration.downgrade(url, "0016")
        columns = {c["name"] for c in inspect(engine).get_columns("assessments")}
        indexes = {i["name"] for i in inspect(engine).get_indexes("assessments")}
        assert not {c for c in columns if c.startswith("latest_") and c != "latest_score_id"}
        assert not {"ix_assessments_listed_currency", "ix_assessments_listed_risk"} & indexes
        migration.upgrade(url)
        with engine.connect() as connection:
            rows = connection.execute(text(COPIED)).all()
        assert {str(uuid.UUID(str(row[0]))): tuple(row[1:]) for row in rows} == expected
        indexes = {i["name"] for i in inspect(engine).get_indexes("assessments")}
        assert {"ix_assessments_listed_currency", "ix_assessments_listed_risk"} <= indexes
    finally:
        engine.dispose()


COPIED = "SELECT id, latest_technical_currency, latest_integration_risk FROM assessments"
