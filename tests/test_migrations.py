"""Alembic: upgrade from empty, no drift between models and migrations, downgrade to base."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from service import migration
from service.db import create_db_engine
from service.health.service import migration_state
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
    url = scratch_databases.create("migrate_waits")
    if url.startswith("sqlite"):
        pytest.skip("the advisory lock is PostgreSQL's (SQLite serialises with BEGIN IMMEDIATE)")
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
