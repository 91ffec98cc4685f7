"""Liveness and readiness."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.config import Settings
from service.db import ConnectionSlots
from service.main import create_app
from service.questionnaires.catalog import Catalog
from tests.api import Caller, assert_problem
from tests.databases import ScratchDatabases


def test_healthz(http: TestClient) -> None:
    assert http.get("/healthz").json() == {"status": "ok"}


def test_readyz_on_a_migrated_database(http: TestClient) -> None:
    body = http.get("/readyz").json()
    assert body["status"] == "ok"
    assert body["migration"]


def test_readyz_on_an_unmigrated_database_is_503(
    scratch_databases: ScratchDatabases, catalog: Catalog
) -> None:
    url = scratch_databases.create("unmigrated")
    app = create_app(Settings(database_url=url), catalog=catalog)
    with TestClient(app) as http:  # the start-up check must not crash on an empty database
        response = http.get("/readyz")
    assert_problem(response, 503, "unavailable", detail_contains="run `stackvet migrate`")


def test_readyz_when_the_database_is_unreachable_is_503(catalog: Catalog) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    app = create_app(Settings(database_url=url), catalog=catalog)
    response = TestClient(app).get("/readyz")
    assert_problem(response, 503, "unavailable", detail_contains="not reachable")


def test_no_free_database_connection_is_503_with_retry_after(
    app: FastAPI, http: TestClient, admin: Caller
) -> None:
    app.state.connection_slots = ConnectionSlots(0, timeout=0.05)
    response = admin.get("/api/v1/me")
    body = assert_problem(response, 503, "unavailable", detail_contains="busy")
    assert response.headers["retry-after"] == "2"
    assert "request_id" in body
    assert http.get("/healthz").status_code == 200, "liveness needs no connection"
