"""Alembic, driven from code: `stackvet migrate`, the readiness probe and the tests use this.

On PostgreSQL every upgrade runs under a session-level advisory lock, taken on the connection
the migrations run on: replicas (or Kubernetes Jobs, or compose services) that start
`stackvet migrate` at the same moment run one after the other, and the later ones find the
schema at head and do nothing. On SQLite the same is done with an exclusive lock on a file
beside the database (`<database>.migration-lock`): SQLite's DDL is not transactional for
Alembic, so each step commits on its own, and `BEGIN IMMEDIATE` alone let two processes
interleave their steps (one ran 0008 while the other, reading its plan from before, ran it
again: "duplicate column name").
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, func, make_url, select

from service.db import create_db_engine
from service.resources import migrations_dir

# Any fixed 64-bit number, the same in every process: "stackvet" in ASCII.
LOCK_KEY = 0x737461636B766574


def alembic_config(database_url: str) -> Config:
    config = Config(str(migrations_dir() / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@contextmanager
def locked_connection(database_url: str) -> Iterator[Connection]:
    """A migration connection that holds the migration lock (PostgreSQL) while it is open."""
    engine = create_db_engine(database_url, foreign_keys=False)
    try:
        with _file_lock(database_url), engine.connect() as connection:
            postgres = connection.dialect.name == "postgresql"
            if postgres:
                connection.execute(select(func.pg_advisory_lock(LOCK_KEY)))
                connection.commit()
            try:
                yield connection
            finally:
                if postgres:
                    connection.rollback()
                    connection.execute(select(func.pg_advisory_unlock(LOCK_KEY)))
                    connection.commit()
    finally:
        engine.dispose()


def _file_lock(database_url: str) -> AbstractContextManager[object]:
    """SQLite on a file: an exclusive lock on `<database>.migration-lock` while held."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in {None, "", ":memory:"}:
        return nullcontext()
    return _locked_file(Path(f"{url.database}.migration-lock"))


@contextmanager
def _locked_file(path: Path) -> Iterator[object]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
        yield handle


def upgrade(database_url: str, revision: str = "head") -> None:
    with locked_connection(database_url) as connection:
        upgrade_on(connection, database_url, revision)


def upgrade_on(connection: Connection, database_url: str, revision: str = "head") -> None:
    """Upgrade on a connection from locked_connection(), which the caller keeps a while."""
    _run(command.upgrade, database_url, connection, revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    with locked_connection(database_url) as connection:
        _run(command.downgrade, database_url, connection, revision)


def check(database_url: str) -> None:
    """Raise if the models and the migrations disagree (alembic check)."""
    command.check(alembic_config(database_url))


def _run(
    action: Callable[[Config, str], None], url: str, connection: Connection, revision: str
) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection  # env.py migrates on it
    action(config, revision)
    connection.commit()
