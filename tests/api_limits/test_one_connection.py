"""On PostgreSQL a request's rate-limit count runs in autocommit on the connection its unit of
work then uses: one pooled connection per request; a route marked `reads_only` (GET
/assessments/{id}) stays in autocommit, any other runs its work in a transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from service.auth.permissions import Role
from service.db import create_session_factory
from service.questionnaires.catalog import Catalog
from tests import builders

# SQLite counts in the request's own transaction (one writer at a time)
pytestmark = pytest.mark.postgresql_only


@pytest.fixture
def setup(live_app: FastAPI, engine: Engine, catalog: Catalog) -> dict[str, Any]:
    with create_session_factory(engine).begin() as session:
        org = builders.organisation(session)
        token = builders.api_key(session, org, Role.PROCUREMENT)
        assessment = builders.assessment(session, catalog, org)
    client = TestClient(live_app)
    client.headers["Authorization"] = f"Bearer {token}"
    path = f"/api/v1/assessments/{assessment.id}"
    assert client.get(path).status_code == 200  # the key's last_used_at is refreshed now
    return {"client": client, "path": path}


@contextmanager
def observed(engine: Engine) -> Iterator[dict[str, list[Any]]]:
    """Pool checkouts, each statement with whether its connection was in autocommit, and
    whether each connection came back to the pool out of autocommit."""
    seen: dict[str, list[Any]] = {"checkouts": [], "statements": [], "checked_in": []}

    def checkout(dbapi_connection: Any, *_: Any) -> None:
        seen["checkouts"].append(dbapi_connection)

    def checkin(dbapi_connection: Any, *_: Any) -> None:
        seen["checked_in"].append(dbapi_connection.autocommit)

    def execute(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        autocommit = connection.connection.dbapi_connection.autocommit
        seen["statements"].append((statement.split(maxsplit=1)[0], autocommit, statement))

    event.listen(engine.pool, "checkout", checkout)
    event.listen(engine.pool, "checkin", checkin)
    event.listen(engine, "before_cursor_execute", execute)
    try:
        yield seen
    finally:
        event.remove(engine.pool, "checkout", checkout)
        event.remove(engine.pool, "checkin", checkin)
        event.remove(engine, "before_cursor_execute", execute)


def test_a_read_uses_one_connection_in_autocommit(setup: dict[str, Any], engine: Engine) -> None:
    with observed(engine) as seen:
        response = setup["client"].get(setup["path"])
    assert response.status_code == 200, response.text
    assert response.headers["ratelimit"]
    assert len(seen["checkouts"]) == 1
    statements = seen["statements"]
    assert len(statements) == 2, statements  # the count, then the read: no BEGIN, no COMMIT
    assert "api_rate_counters" in statements[0][2]
    assert "FROM assessments" in statements[1][2]
    assert all(autocommit for _, autocommit, _ in statements)
    assert seen["checked_in"] == [False]  # back in the pool as it was taken


def test_a_write_counts_in_autocommit_then_runs_in_a_transaction(
    setup: dict[str, Any], engine: Engine
) -> None:
    client: TestClient = setup["client"]
    etag = client.get(setup["path"]).headers["etag"]
    with observed(engine) as seen:
        response = client.patch(
            setup["path"], json={"title": "Renamed"}, headers={"If-Match": etag}
        )
    assert response.status_code == 200, response.text
    assert len(seen["checkouts"]) == 1
    statements = seen["statements"]
    assert "api_rate_counters" in statements[0][2]
    assert statements[0][1] is True
    assert [autocommit for _, autocommit, _ in statements[1:]] == [False] * (len(statements) - 1)
    assert any(kind == "UPDATE" for kind, _, _ in statements[1:])
    assert seen["checked_in"] == [False]
    assert client.get(setup["path"]).json()["title"] == "Renamed"


def test_a_refused_write_is_rolled_back_and_its_connection_returned(
    setup: dict[str, Any], engine: Engine
) -> None:
    client: TestClient = setup["client"]
    with observed(engine) as seen:
        stale = client.patch(setup["path"], json={"title": "Lost"}, headers={"If-Match": '"99"'})
    assert stale.status_code == 412, stale.text
    assert len(seen["checkouts"]) == 1
    assert seen["checked_in"] == [False]
    assert client.get(setup["path"]).json()["title"] != "Lost"
