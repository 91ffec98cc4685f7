"""On PostgreSQL the cheap API reads run in a lane of their own (`service/read_lane.py`): at
most STACKVET_READ_THREADS at once, first come first served, apart from the thread pool of
every other route. SQLite, whose transactions run one at a time, does not use it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.api_limits import dependency as api_limits
from service.assessments import reading
from service.auth.permissions import Role
from service.db import create_session_factory
from service.dependencies import reads_only
from service.questionnaires.catalog import Catalog
from tests import builders

LANE = 4
"""STACKVET_READ_THREADS's default, which the tests' settings keep."""
MORE = LANE + 2
"""Requests sent at once: more than the lane holds."""


class Gate:
    """Holds every caller until opened, and counts how many are held at once."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.lock = threading.Lock()
        self.held = 0
        self.peak = 0

    def wrap(self, func: Callable[..., Any], result: Any = ...) -> Callable[..., Any]:
        def held(*args: Any, **kwargs: Any) -> Any:
            with self.lock:
                self.held += 1
                self.peak = max(self.peak, self.held)
            try:
                assert self.opened.wait(60), "the test never opened the gate"
            finally:
                with self.lock:
                    self.held -= 1
            return func(*args, **kwargs) if result is ... else result

        return held

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 30
        while self.held < count:
            assert time.monotonic() < deadline, f"{self.held} held, expected {count}"
            time.sleep(0.01)


@pytest.fixture
def setup(live_app: FastAPI, engine: Engine, catalog: Catalog) -> dict[str, str]:
    assert live_app.state.settings.read_threads == LANE
    with create_session_factory(engine).begin() as session:
        org = builders.organisation(session)
        token = builders.api_key(session, org, Role.PROCUREMENT)
        assessment = builders.assessment(session, catalog, org)
    return {"token": token, "path": f"/api/v1/assessments/{assessment.id}"}


@contextmanager
def requests_in_flight(app: FastAPI, token: str) -> Iterator[Callable[[str], Future[Any]]]:
    """Send requests from threads into one event loop (one TestClient, as one server)."""
    with TestClient(app) as client, ThreadPoolExecutor(2 * MORE) as senders:
        client.headers["Authorization"] = f"Bearer {token}"
        assert client.get("/api/v1/vendors").status_code == 200  # last_used_at is fresh now
        yield lambda path: senders.submit(client.get, path)


@pytest.mark.postgresql_only  # SQLite's transactions (BEGIN IMMEDIATE) run one at a time
def test_reads_take_turns_in_the_lane_and_other_routes_go_by(
    live_app: FastAPI, setup: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """More reads of one assessment than the lane holds: as many as it holds run, the others
    wait their turn; a vendor list sent meanwhile is answered, because it is not a lane
    route."""
    monkeypatch.setattr(live_app.state, "api_limiter", None)  # nothing written: SQLite too
    gate = Gate()
    with requests_in_flight(live_app, setup["token"]) as send:
        monkeypatch.setattr(reading, "read_assessment", gate.wrap(reading.read_assessment))
        reads = [send(setup["path"]) for _ in range(MORE)]
        gate.wait_for(LANE)
        time.sleep(0.5)  # time for one more read to enter, were there room
        assert gate.held == LANE
        other = send("/api/v1/vendors").result(timeout=30)
        assert other.status_code == 200, other.text
        assert not any(read.done() for read in reads)
        gate.opened.set()
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
    """More requests counted at once than the lane holds: on PostgreSQL a read's count takes
    a lane thread (the lane's size at a time); a vendor list's, and any count on SQLite, a
    thread of the pool (all of them)."""
    lane = route == "read" and engine.dialect.name == "postgresql"
    expected_peak = LANE if lane else MORE
    gate = Gate()
    with requests_in_flight(live_app, setup["token"]) as send:
        monkeypatch.setattr(api_limits, "_count", gate.wrap(api_limits._count, result=None))
        path = setup["path"] if route == "read" else "/api/v1/vendors"
        sent = [send(path) for _ in range(MORE)]
        gate.wait_for(expected_peak)
        time.sleep(0.5)  # time for more counts to begin, were there room
        assert gate.held == expected_peak
        gate.opened.set()
        assert [response.result(timeout=60).status_code for response in sent] == [200] * MORE
    assert gate.peak == expected_peak


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
