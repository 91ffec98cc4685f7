"""Alembic: upgrade from empty, no drift between models and migrations, downgrade to base."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect

from service import migration
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
