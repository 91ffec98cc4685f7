"""A database outage answers 503 `unavailable` with Retry-After, and the service recovers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from service.auth.permissions import Role
from service.config import Settings
from service.db import create_db_engine, create_session_factory
from service.main import create_app
from service.questionnaires.catalog import Catalog
from service.scoring.library import Library
from tests import builders
from tests.api import assert_problem
from tests.databases import wipe
from tests.tcp_proxy import TcpProxy


def _unavailable(response: object) -> None:
    body = assert_problem(response, 503, "unavailable", detail_contains="database")  # type: ignore[arg-type]
    assert response.headers["retry-after"] == "5"  # type: ignore[attr-defined]
    assert body["request_id"] == response.headers["x-request-id"]  # type: ignore[attr-defined]
    assert "Traceback" not in response.text  # type: ignore[attr-defined]


@pytest.fixture
def token(engine: Engine) -> Iterator[str]:
    with create_session_factory(engine).begin() as session:
        made = builders.api_key(session, builders.organisation(session), Role.ADMIN)
    yield made
    wipe(engine)


def _app(url: str, catalog: Catalog, library: Library) -> tuple[FastAPI, Engine]:
    engine = create_db_engine(url, pool_timeout=5)
    settings = Settings(database_url=url, embedded_worker=False)
    return create_app(settings, catalog=catalog, library=library, engine=engine), engine


def test_an_unreachable_database_is_503_and_then_recovers(
    database_url: str, token: str, catalog: Catalog, library: Library, tmp_path: Path
) -> None:
    url = make_url(database_url)
    headers = {"Authorization": f"Bearer {token}"}
    if url.get_backend_name() == "sqlite":
        # a database file that cannot be opened (a folder) stands for an outage
        app, engine = _app(f"sqlite:///{tmp_path}", catalog, library)
        _unavailable(TestClient(app).get("/api/v1/vendors", headers=headers))
        _unavailable(TestClient(app).post("/api/v1/vendors", json={"name": "x"}, headers=headers))
        engine.dispose()
        return
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    app, engine = _app(
        url.set(port=proxy.port).render_as_string(hide_password=False), catalog, library
    )
    client = TestClient(app)
    try:
        assert client.get("/api/v1/vendors", headers=headers).status_code == 200
        proxy.cut()  # connections in the pool die, new ones are refused
        _unavailable(client.get("/api/v1/vendors", headers=headers))
        _unavailable(client.post("/api/v1/vendors", json={"name": "x"}, headers=headers))
        proxy.restore()
        assert client.get("/api/v1/vendors", headers=headers).status_code == 200
        made = client.post("/api/v1/vendors", json={"name": "after"}, headers=headers)
        assert made.status_code == 201, made.text
    finally:
        engine.dispose()
        proxy.close()
