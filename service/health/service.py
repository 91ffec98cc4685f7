"""Where the database stands relative to the newest migration."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from service.migration import alembic_config

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MigrationState:
    reachable: bool
    current: str | None
    head: str
    error: str = ""

    @property
    def at_head(self) -> bool:
        return self.reachable and self.current == self.head


def migration_state(bind: Engine | Session) -> MigrationState:
    """Compare the database's revision with the newest migration script."""
    head = ScriptDirectory.from_config(alembic_config("")).get_current_head()
    assert head is not None
    try:
        if isinstance(bind, Session):
            current = _revision(bind.connection())
        else:
            with bind.connect() as connection:
                current = _revision(connection)
    except SQLAlchemyError as exc:
        logger.warning("database not reachable: %s", exc)
        return MigrationState(False, None, head, error=type(exc).__name__)
    return MigrationState(True, current, head)


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()
