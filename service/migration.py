"""Alembic, driven from code: `stackvet migrate`, the readiness probe and the tests use this."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from service.resources import migrations_dir


def alembic_config(database_url: str) -> Config:
    config = Config(str(migrations_dir() / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


def check(database_url: str) -> None:
    """Raise if the models and the migrations disagree (alembic check)."""
    command.check(alembic_config(database_url))
