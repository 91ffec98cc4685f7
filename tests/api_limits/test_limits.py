"""API rate limits: headers on every response, 429 beyond, one budget across processes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import httpx2 as httpx
import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service import migration
from service.auth.models import Organisation
from service.auth.permissions import Role
from service.config import Settings
from service.db import create_db_engine, create_session_factory
from tests import builders
from tests.api import Caller, assert_problem
from tests.databases import ScratchDatabases
from tests.processes import BOOT_SECONDS, answers, environment, free_port, wait_for

STACKVET = str(Path(sys.executable).parent / "stackvet")
REDIS_URL = os.environ.get("STACKVET_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
WINDOW = 3600
LIMIT = re.compile(r'^"(key|org)";r=(\d+);t=(\d+)$')


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        embedded_worker=False,
        api_rate_limit_per_key=3,
        api_rate_limit_per_organisation=5,
        api_rate_limit_window_seconds=WINDOW,
    )


def remaining(response: httpx.Response) -> tuple[str, int, int]:
    match = LIMIT.match(response.headers["ratelimit"])
    assert match, response.headers["ratelimit"]
    return match.group(1), int(match.group(2)), int(match.group(3))


def test_every_response_says_what_is_left_and_the_fourth_request_is_refused(
    as_role: Callable[[Role], Caller], database_url: str
) -> None:
    reader = as_role(Role.ACCOUNT_LEAD)
    first = reader.get("/api/v1/vendors")
    assert first.status_code == 200
    assert first.headers["ratelimit-policy"] == f'"key";q=3;w={WINDOW}, "org";q=5;w={WINDOW}'
    assert remaining(first)[:2] == ("key", 2)
    assert remaining(reader.get("/api/v1/vendors"))[:2] == ("key", 1)
    missing = reader.get(f"/api/v1/vendors/{uuid.uuid4()}")
    assert_problem(missing, 404, "not-found")
    # An error response carries the fields too. On PostgreSQL it also counts (committed before
    # the request's own work); on SQLite the count shares the request's transaction, which the
    # failed request rolls back.
    assert remaining(missing)[:2] == ("key", 0)
    if database_url.startswith("sqlite"):
        assert reader.get("/api/v1/vendors").status_code == 200
    refused = reader.get("/api/v1/vendors")
    assert_problem(refused, 429, "too-many-requests", detail_contains="3 requests per")
    assert 1 <= int(refused.headers["retry-after"]) <= WINDOW
    assert remaining(refused)[:2] == ("key", 0)


def test_the_organisation_budget_is_shared_by_its_keys(
    as_role: Callable[[Role], Caller],
) -> None:
    one, two = as_role(Role.ACCOUNT_LEAD), as_role(Role.ACCOUNT_LEAD)
    statuses = [one.get("/api/v1/vendors").status_code for _ in range(3)]
    statuses += [two.get("/api/v1/vendors").status_code for _ in range(2)]
    assert statuses == [200] * 5
    refused = two.get("/api/v1/vendors")
    assert_problem(refused, 429, "too-many-requests", detail_contains="This organisation")
    assert remaining(refused)[:2] == ("org", 0)


def test_a_key_over_its_budget_does_not_spend_its_organisations(
    as_role: Callable[[Role], Caller], session: Session, org: Organisation
) -> None:
    """On PostgreSQL the key's and the organisation's counts are one statement: the second
    is counted only while the first is within its budget, as when they were two."""
    from service.api_limits.models import ApiRateCounter  # noqa: PLC0415

    greedy, other = as_role(Role.ACCOUNT_LEAD), as_role(Role.ACCOUNT_LEAD)
    statuses = [greedy.get("/api/v1/vendors").status_code for _ in range(5)]
    assert statuses == [200] * 3 + [429] * 2
    hits = {r.bucket: r.hits for r in session.query(ApiRateCounter).all()}
    assert hits[f"org:{org.id}"] == 3
    assert [other.get("/api/v1/vendors").status_code for _ in range(2)] == [200, 200]
    assert remaining(other.get("/api/v1/vendors"))[:2] == ("org", 0)


def test_a_revoked_key_is_neither_counted_nor_served(
    admin: Caller, session: Session, org: Organisation
) -> None:
    from service.api_limits.models import ApiRateCounter  # noqa: PLC0415
    from service.auth import service as auth_service  # noqa: PLC0415

    created = auth_service.create_key(session, org, Role.ACCOUNT_LEAD, "revoked")
    auth_service.revoke_key(session, created.key)
    session.commit()
    response = admin.http.get(
        "/api/v1/vendors", headers={"Authorization": f"Bearer {created.token}"}
    )
    assert_problem(response, 401, "unauthenticated", detail_contains="revoked")
    assert "ratelimit" not in response.headers
    assert session.query(ApiRateCounter).count() == 0


def test_an_unauthenticated_request_is_not_counted(http: TestClient) -> None:
    response = http.get("/api/v1/vendors")
    assert_problem(response, 401, "unauthenticated")
    assert "ratelimit" not in response.headers


@pytest.fixture(params=["database", "redis"])
def backend(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    if request.param == "database":
        yield {}
        return
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()  # Redis runs beside PostgreSQL for the tests (see the README)
    client.flushdb()
    yield {"STACKVET_REDIS_URL": REDIS_URL}
    client.flushdb()


def test_two_api_processes_share_one_budget(
    scratch_databases: ScratchDatabases, backend: dict[str, str], tmp_path: Path
) -> None:
    url = scratch_databases.migrated(f"ratelimit_{'redis' if backend else 'db'}")
    engine = create_db_engine(url)
    with create_session_factory(engine).begin() as session:
        token = builders.api_key(session, builders.organisation(session))
    engine.dispose()
    env = environment(
        STACKVET_DATABASE_URL=url,
        STACKVET_EMBEDDED_WORKER="false",
        STACKVET_API_RATE_LIMIT_PER_KEY="10",
        STACKVET_API_RATE_LIMIT_WINDOW_SECONDS=str(WINDOW),
        **backend,
    )
    ports = [free_port(), free_port()]
    servers = []
    for index, port in enumerate(ports):
        log = (tmp_path / f"serve{index}.log").open("w")
        command = [STACKVET, "serve", "--port", str(port)]
        servers.append(subprocess.Popen(command, env=env, stdout=log, stderr=log, cwd=tmp_path))
    try:
        for port in ports:
            health = f"http://127.0.0.1:{port}/healthz"
            wait_for(partial(answers, health), BOOT_SECONDS, health)
        headers = {"Authorization": f"Bearer {token}"}

        def call(port: int) -> httpx.Response:
            return httpx.get(f"http://127.0.0.1:{port}/api/v1/vendors", headers=headers, timeout=30)

        first = call(ports[0])
        if remaining(first)[2] < 60:  # too close to the end of the window: start a fresh one
            time.sleep(remaining(first)[2] + 1)
            first = call(ports[0])
        responses = [first] + [call(ports[n % 2]) for n in range(1, 16)]
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(BOOT_SECONDS)
    by_port = Counter((r.url.port, r.status_code) for r in responses)
    assert [r.status_code for r in responses] == [200] * 10 + [429] * 6, by_port
    assert by_port[(ports[0], 200)] >= 4
    assert by_port[(ports[1], 200)] >= 4, "both processes answered within the one budget"
    assert [remaining(r)[1] for r in responses[:10]] == list(range(9, -1, -1))


def test_counter_rows_are_one_per_budget_and_window(
    as_role: Callable[[Role], Caller], session: Session, org: Organisation
) -> None:
    from service.api_limits.models import ApiRateCounter  # noqa: PLC0415

    reader = as_role(Role.ACCOUNT_LEAD)
    for _ in range(2):
        reader.get("/api/v1/vendors")
    rows = session.query(ApiRateCounter).all()
    assert sorted((r.bucket.split(":")[0], r.hits) for r in rows) == [("key", 2), ("org", 2)]
    assert {r.bucket for r in rows} >= {f"org:{org.id}"}


def test_an_idempotent_post_to_a_live_sqlite_server_is_answered_and_replayed(
    tmp_path: Path,
) -> None:
    """The rate-limit check begins the request's unit of work; on SQLite the idempotency claim,
    in transactions of its own, waited behind it for ever (seen as a hung Schemathesis run)."""
    url = f"sqlite:///{tmp_path / 'live.db'}"
    migration.upgrade(url)
    engine = create_db_engine(url)
    with create_session_factory(engine).begin() as session:
        token = builders.api_key(session, builders.organisation(session))
    engine.dispose()
    port = free_port()
    env = environment(STACKVET_DATABASE_URL=url, STACKVET_EMBEDDED_WORKER="false")
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [STACKVET, "serve", "--port", str(port)], env=env, stdout=log, stderr=log, cwd=tmp_path
    )
    try:
        wait_for(partial(answers, f"http://127.0.0.1:{port}/healthz"), BOOT_SECONDS, "healthz")
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "live-sqlite-1"}

        def create() -> httpx.Response:
            return httpx.post(
                f"http://127.0.0.1:{port}/api/v1/vendors",
                json={"name": "OpenWeave AI"},
                headers=headers,
                timeout=60,
            )

        first, again = create(), create()
    finally:
        server.terminate()
        server.wait(BOOT_SECONDS)
    assert first.status_code == 201, first.text
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
