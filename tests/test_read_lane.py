"""On PostgreSQL the cheap API reads take the read lane (`service/read_lane.py`): their code
runs in greenlets on the event loop, on STACKVET_READ_CONNECTIONS connections of the lane's own
pool, at most that many at once and first come first served, apart from every other route.
SQLite, whose transactions run one at a time, does not use it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.util.concurrency import await_, in_greenlet

from service.api_limits import dependency as api_limits
from service.assessments import reading
from service.auth.permissions import Role
from service.config import Settings
from service.db import create_session_factory
from service.dependencies import reads_only
from service.main import create_app
from service.questionnaires.catalog import Catalog
from service.scoring.library import Library
from tests import builders
from tests.databases import wipe

LANE = 4
"""STACKVET_READ_CONNECTIONS's default, which the tests' settings keep."""
MORE = LANE + 2
"""Requests sent at once: more than the lane holds."""


class LaneGate:
    """Holds every call it wraps until opened, and counts how many are held at once. A held
    call waits on the event loop (`await_`, as the lane's database calls do), so the loop
    goes on serving other requests: it proves the call ran in a lane greenlet."""

    def __init__(self) -> None:
        self.held = 0
        self.peak = 0
        self.where: list[tuple[bool, str]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._opened: asyncio.Event | None = None

    def wrap(self, func: Callable[..., Any]) -> Callable[..., Any]:
        def held(*args: Any, **kwargs: Any) -> Any:
            assert in_greenlet(), "a lane route's code runs in a greenlet on the event loop"
            if self._opened is None:
                self._loop, self._opened = asyncio.get_running_loop(), asyncio.Event()
            self.held += 1
            self.peak = max(self.peak, self.held)
            try:
                await_(asyncio.wait_for(self._opened.wait(), 60))
            finally:
                self.held -= 1
            return func(*args, **kwargs)

        return held

    def open(self) -> None:
        assert self._loop is not None
        assert self._opened is not None
        self._loop.call_soon_threadsafe(self._opened.set)

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 30
        while self.held < count:
            assert time.monotonic() < deadline, f"{self.held} held, expected {count}"
            time.sleep(0.01)


def setup_data(engine: Engine, catalog: Catalog) -> dict[str, str]:
    with create_session_factory(engine).begin() as session:
        org = builders.organisation(session)
        token = builders.api_key(session, org, Role.PROCUREMENT)
        assessment = builders.assessment(session, catalog, org)
    return {"token": token, "path": f"/api/v1/assessments/{assessment.id}"}


@pytest.fixture
def setup(live_app: FastAPI, engine: Engine, catalog: Catalog) -> dict[str, str]:
    assert live_app.state.settings.read_connections == LANE
    return setup_data(engine, catalog)


@contextmanager
def requests_in_flight(app: FastAPI, token: str) -> Iterator[Callable[[str], Future[Any]]]:
    """Send requests from threads into one event loop (one TestClient, as one server)."""
    with TestClient(app) as client, ThreadPoolExecutor(2 * MORE) as senders:
        client.headers["Authorization"] = f"Bearer {token}"
        assert client.get("/api/v1/vendors").status_code == 200  # last_used_at is fresh now
        yield lambda path: senders.submit(client.get, path)


@pytest.mark.postgresql_only  # SQLite has no lane
def test_reads_take_turns_in_the_lane_and_other_routes_go_by(
    live_app: FastAPI, setup: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """More reads of one assessment than the lane holds: as many as it has connections run,
    the others wait their turn; a vendor list sent meanwhile is answered, because it is not a
    lane route, and the held reads do not hold up the event loop."""
    gate = LaneGate()
    with requests_in_flight(live_app, setup["token"]) as send:
        monkeypatch.setattr(reading, "read_assessment", gate.wrap(reading.read_assessment))
        reads = [send(setup["path"]) for _ in range(MORE)]
        gate.wait_for(LANE)
        time.sleep(0.5)  # time for one more read to enter, were there room
        assert gate.held == LANE
        other = send("/api/v1/vendors").result(timeout=30)
        assert other.status_code == 200, other.text
        assert not any(read.done() for read in reads)
        gate.open()
        assert [read.result(timeout=60).status_code for read in reads] == [200] * MORE
    assert gate.peak == LANE


@pytest.mark.parametrize("route", ["read", "vendors"])
def test_the_rate_limit_count_runs_where_its_route_does(
    live_app: FastAPI,
    engine: Engine,
    setup: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    route: str,
) -> None:
    """On PostgreSQL a read's count runs in a lane greenlet on the event loop's thread; a
    vendor list's, and any count on SQLite, in a worker thread of the pool."""
    lane = route == "read" and engine.dialect.name == "postgresql"
    where: list[tuple[bool, bool]] = []

    def count(*args: Any) -> Any:
        where.append((in_greenlet(), _is_loop_thread()))
        return original(*args)

    original = api_limits._count
    with requests_in_flight(live_app, setup["token"]) as send:
        monkeypatch.setattr(api_limits, "_count", count)
        path = setup["path"] if route == "read" else "/api/v1/vendors"
        response = send(path).result(timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["ratelimit"], "counted: the count's headers reached the response"
    assert where == [(lane, lane)]


def _is_loop_thread() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@pytest.mark.postgresql_only
def test_a_read_waiting_longer_than_the_pool_timeout_is_answered_503(
    database_url: str,
    catalog: Catalog,
    library: Library,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One lane connection, held by a read: the next read waits STACKVET_DB_POOL_TIMEOUT on
    the event loop, then gets 503 problem+json with Retry-After, never a hang; the held one
    is then answered."""
    settings = Settings(
        database_url=database_url, embedded_worker=False, read_connections=1, db_pool_timeout=0.5
    )
    app = create_app(settings, catalog=catalog, library=library, engine=engine)
    try:
        data = setup_data(engine, catalog)
        gate = LaneGate()
        with requests_in_flight(app, data["token"]) as send:
            monkeypatch.setattr(reading, "read_assessment", gate.wrap(reading.read_assessment))
            held = send(data["path"])
            gate.wait_for(1)
            refused = send(data["path"]).result(timeout=30)
            gate.open()
            assert held.result(timeout=30).status_code == 200
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.headers["retry-after"]
        body = refused.json()
        assert body["status"] == 503
        assert "every database connection is in use" in body["detail"]
    finally:
        wipe(engine)


def test_the_lane_is_postgresql_only(live_app: FastAPI, engine: Engine) -> None:
    lane = live_app.state.read_lane
    assert (lane is not None) == (engine.dialect.name == "postgresql")
    if lane is not None:
        assert lane.engine.pool.size() == LANE


def test_reads_only_keeps_the_route_signature_and_refuses_an_async_route() -> None:
    def route(assessment_id: int, flag: bool = False) -> str:
        """Doc."""
        return f"{assessment_id}{flag}"

    wrapped = reads_only(route)
    assert wrapped.__wrapped__ is route  # type: ignore[attr-defined]
    assert wrapped.__doc__ == "Doc."

    async def asynchronous() -> None:
        return None

    with pytest.raises(TypeError, match="asynchronous: reads_only is for a sync route"):
        reads_only(asynchronous)
