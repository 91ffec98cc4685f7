"""Scratch databases for tests: SQLite files, or PostgreSQL schemas of their own.

`create` gives an empty database, for tests of migrating; `migrated` one at the latest
migration. On SQLite that is a copy of a file migrated once per run: milliseconds, where
migrating takes 1-2 s. On PostgreSQL the schema is migrated: a copy would be a database made
with `CREATE DATABASE ... TEMPLATE` (0.2 s), but dropping a database waits for a checkpoint
(about 1 s, 6 s at worst, measured with other sessions busy), which took back the saving.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, text

import service.models  # noqa: F401  (every table on Base.metadata, for wipe())
from service import migration
from service.config import Settings
from service.db import Base


class ScratchDatabases:
    def __init__(self, backend: str, folder: Path) -> None:
        if backend not in {"sqlite", "postgresql"}:
            raise RuntimeError(f"STACKVET_TEST_BACKEND must be sqlite or postgresql, not {backend}")
        self.backend = backend
        self.folder = folder
        self._schemas: list[str] = []
        self._server_url = _postgres_url() if backend == "postgresql" else ""

    def create(self, name: str) -> str:
        """The URL of a new, empty database called `name`."""
        if self.backend == "sqlite":
            return f"sqlite:///{self.folder / f'{name}.db'}"
        schema = _scratch_name(name)
        with self._admin() as admin, admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        self._schemas.append(schema)
        separator = "&" if "?" in self._server_url else "?"
        return f"{self._server_url}{separator}options={quote(f'-csearch_path={schema}')}"

    def migrated(self, name: str) -> str:
        """The URL of a new database called `name`, at the latest migration."""
        if self.backend == "sqlite":
            target = self.folder / f"{name}.db"
            shutil.copyfile(self._migrated_template(), target)
            return f"sqlite:///{target}"
        url = self.create(name)
        migration.upgrade(url)
        return url

    def _migrated_template(self) -> Path:
        """A SQLite file at the latest migration, migrated on first use."""
        path = self.folder / "migrated-template.db"
        if not path.exists():
            migration.upgrade(f"sqlite:///{path}")  # the engine is disposed: no -wal file left
        return path

    def drop_all(self) -> None:
        if not self._schemas:
            return
        # One transaction per schema: a drop locks every table, index and type of its schema,
        # and dropping thirty schemas of 119 objects in one transaction ran out of PostgreSQL's
        # shared lock table ("out of shared memory", max_locks_per_transaction 64).
        with self._admin() as admin:
            for schema in self._schemas:
                with admin.begin() as connection:
                    connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))

    def _admin(self) -> _EngineContext:
        return _EngineContext(create_engine(self._server_url))


class _EngineContext:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __enter__(self) -> Engine:
        return self.engine

    def __exit__(self, *exc: object) -> None:
        self.engine.dispose()


def _scratch_name(name: str) -> str:
    """A schema name; the process id keeps two test runs against the same server out of each
    other's way. A long name keeps its start and a hash of the whole, within PostgreSQL's 63
    characters (which cut it silently, so two long names could have met)."""
    cleaned = re.sub(r"[^a-z0-9_]", "_", name.lower())
    if len(cleaned) > 40:
        cleaned = f"{cleaned[:31]}_{hashlib.sha256(cleaned.encode()).hexdigest()[:8]}"
    return f"stackvet_test_{cleaned}_{os.getpid()}"


def _postgres_url() -> str:
    url = os.environ.get("STACKVET_TEST_DATABASE_URL")
    if not url:
        raise RuntimeError(
            "STACKVET_TEST_BACKEND=postgresql needs STACKVET_TEST_DATABASE_URL, e.g. "
            "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
    normalised = Settings(database_url=url).database_url
    if not normalised.startswith("postgresql"):
        raise RuntimeError(f"STACKVET_TEST_DATABASE_URL is not PostgreSQL: {url}")
    return normalised


def wipe(engine: Engine) -> None:
    """Delete every row of every table (children first); the schema stays."""
    with engine.begin() as connection:
        # assessments <-> scores refer to each other (latest_score_id): break the cycle first
        connection.execute(
            Base.metadata.tables["assessments"].update().values(latest_score_id=None)
        )
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
