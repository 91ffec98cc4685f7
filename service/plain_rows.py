"""Statements of plain columns built once and run with named parameters (issue 16).

The API's list pages run the same few statements thousands of times with different values.
Building a `select` per request, computing its cache key and running it through the ORM's
execution and SQLAlchemy's result processing cost about 0.8 ms of a 4 ms list page of 50, as
much as the rest of the page's own work. A `PlainStatement` is built once per shape (which
filters a request gives), with every value a named `bindparam`:

- on PostgreSQL it is compiled once to SQL text and run with `exec_driver_sql`: still through
  SQLAlchemy's connection (its error translation, disconnect handling and events), but with
  no per-row type processing. psycopg's own loaders already give what the column types would:
  `uuid.UUID`, `int`, `float`, `date`, and `datetime` with the connection's time zone, which
  `create_db_engine` sets to UTC. One difference remains, and callers must accept it: a
  `str_enum` column comes back as its string value, not as the enum member;
- elsewhere (SQLite, where datetimes and UUIDs are stored as text and need the column types'
  processing) it runs through `Session.execute` as before; built once, its cache key is
  computed once too.

The rows are SQLAlchemy `Row`s either way: by position, or by label.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Dialect, Row, Select
from sqlalchemy.orm import Session


class PlainStatement:
    """A statement of plain columns (no entities) whose values are all named parameters."""

    def __init__(self, statement: Select[*tuple[Any, ...]]) -> None:
        self.statement = statement
        self._sql: dict[str, str] = {}
        """Its SQL text for PostgreSQL, by dialect and driver, compiled on first use."""

    def rows(self, session: Session, parameters: dict[str, Any]) -> Sequence[Row[Any]]:
        if session.get_bind().dialect.name != "postgresql":
            return session.execute(self.statement, parameters).all()
        if session.autoflush:  # as Session.execute would: pending changes are seen
            session.flush()
        connection = session.connection()
        return connection.exec_driver_sql(self._text(connection.dialect), parameters).all()

    def _text(self, dialect: Dialect) -> str:
        key = f"{dialect.name}+{dialect.driver}"  # the driver decides the parameter style
        sql = self._sql.get(key)
        if sql is None:
            sql = self._sql[key] = str(self.statement.compile(dialect=dialect))
        return sql
