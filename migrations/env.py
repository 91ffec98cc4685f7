"""Alembic environment: the URL comes from the Alembic config or STACKVET_DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import service.models  # noqa: F401  (registers every table on Base.metadata)
from service.config import get_settings
from service.db import Base, create_db_engine

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    """The URL set by `service.migration`, or else STACKVET_DATABASE_URL (plain `alembic`)."""
    if config.file_config.has_option(config.config_ini_section, "sqlalchemy.url"):
        return str(config.get_main_option("sqlalchemy.url"))
    return get_settings().database_url


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    given = config.attributes.get("connection")
    if isinstance(given, Connection):  # service.migration's, holding the migration lock
        _configure(given)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_db_engine(_url(), foreign_keys=False)
    with engine.connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
