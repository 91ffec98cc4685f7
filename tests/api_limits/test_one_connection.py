"""On PostgreSQL a request's rate-limit count runs in autocommit on the connection its unit of
work then uses: one pooled connection per request; a route marked `reads_only` (GET
/assessments/{id}) stays in autocommit, on the read lane's connections, and any other runs its
work in a transaction, on the main pool's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from service.api_limits.service import DatabaseCounters, Limiter, Policy
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


def test_a_read_uses_one_connection_in_autocommit(
    live_app: FastAPI, setup: dict[str, Any], engine: Engine
) -> None:
    """On the read lane's own engine (`service/read_lane.py`): the main pool is not touched."""
    lane_engine = live_app.state.read_lane.engine.sync_engine
    with observed(engine) as main, observed(lane_engine) as seen:
        response = setup["client"].get(setup["path"])
    assert response.status_code == 200, response.text
    assert response.headers["ratelimit"]
    assert main == {"checkouts": [], "statements": [], "checked_in": []}
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
    assert "set_config" in statements[0][2], "the count alone does not wait for the disk"
    assert [autocommit for _, autocommit, _ in statements[1:]] == [False] * (len(statements) - 1)
    assert not any("synchronous_commit" in sql for _, _, sql in statements[1:])
    assert any(kind == "UPDATE" for kind, _, _ in statements[1:])
    assert seen["checked_in"] == [False]
    pooled = seen["checkouts"][0]  # the request's connection, back in the pool
    with pooled.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",), "the write's commit waited for the disk"
    pooled.rollback()  # leave it idle, as the pool keeps it
    assert client.get(setup["path"]).json()["title"] == "Renamed"


def test_counted_inside_a_transaction_its_commit_still_waits_for_the_disk(
    engine: Engine, catalog: Catalog
) -> None:
    """Only a count that commits alone (autocommit) turns `synchronous_commit` off for its own
    transaction; inside a transaction it would cover everything that transaction writes."""
    with create_session_factory(engine).begin() as session:
        org = builders.organisation(session)
        token = builders.api_key(session, org, Role.PROCUREMENT)
    limiter = Limiter(
        DatabaseCounters(lambda: create_session_factory(engine)),
        per_key=Policy("key", 100, 60),
        per_organisation=Policy("org", 1000, 60),
    )
    with observed(engine) as seen, create_session_factory(engine).begin() as session:
        assert limiter.hit_token(session, token) is not None
        assert session.execute(text("SHOW synchronous_commit")).scalar() == "on"
    counted = [sql for _, _, sql in seen["statements"] if "api_rate_counters" in sql]
    assert len(counted) == 1
    assert "set_config" not in counted[0]
    with engine.connect() as connection:
        alone = connection.execution_options(isolation_level="AUTOCOMMIT")
        with observed(engine) as seen:
            assert limiter.hit_token(Session(bind=alone), token) is not None
        assert "set_config" in seen["statements"][0][2]
        assert alone.execute(text("SHOW synchronous_commit")).scalar() == "on"


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
