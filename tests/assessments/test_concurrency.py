"""Concurrent writers on real, separately committed transactions."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx2 as httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.auth.permissions import Role
from service.db import create_session_factory
from service.questionnaires.catalog import Catalog
from tests import builders

ROUNDS = 8


@pytest.fixture
def setup(live_app: FastAPI, engine: Engine, catalog: Catalog) -> dict[str, Any]:
    with create_session_factory(engine).begin() as session:
        org = builders.organisation(session)
        token = builders.api_key(session, org, Role.PROCUREMENT)
        assessments = [str(builders.assessment(session, catalog, org).id) for _ in range(ROUNDS)]
    return {"headers": {"Authorization": f"Bearer {token}"}, "assessments": assessments}


def race(app: FastAPI, calls: list[Callable[[TestClient], httpx.Response]]) -> list[httpx.Response]:
    """Run the calls at the same moment, each from its own thread and client."""
    barrier = threading.Barrier(len(calls))
    results: list[httpx.Response | None] = [None] * len(calls)

    def run(index: int) -> None:
        client = TestClient(app)
        barrier.wait()
        results[index] = calls[index](client)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def patch(assessment_id: str, headers: dict[str, str], answers: dict[str, Any]) -> Any:
    return lambda client: client.patch(
        f"/api/v1/assessments/{assessment_id}/answers", json={"answers": answers}, headers=headers
    )


def test_two_writers_with_the_same_revision_exactly_one_wins(
    live_app: FastAPI, setup: dict[str, Any]
) -> None:
    for assessment_id in setup["assessments"]:
        stale = {**setup["headers"], "If-Match": '"1"'}
        responses = race(
            live_app,
            [
                patch(assessment_id, stale, {"hardware.gpu": "required"}),
                patch(assessment_id, stale, {"hardware.gpu": "not_needed"}),
            ],
        )
        assert sorted(r.status_code for r in responses) == [200, 412]
        winner = next(r for r in responses if r.status_code == 200).json()
        loser = next(r for r in responses if r.status_code == 412)
        assert loser.headers["content-type"] == "application/problem+json"
        assert "revision 2, not 1" in loser.json()["detail"]

        client = TestClient(live_app)
        current = client.get(f"/api/v1/assessments/{assessment_id}", headers=setup["headers"])
        assert current.json()["answers"] == winner["answers"]
        history = client.get(
            f"/api/v1/assessments/{assessment_id}/history", headers=setup["headers"]
        ).json()
        changes = [h for h in history if h["kind"] == "answer"]
        assert len(changes) == 1, "the losing write left no trace"
        assert changes[0]["new_value"] == winner["answers"]["hardware.gpu"]


def test_concurrent_writers_without_if_match_lose_no_answer(
    live_app: FastAPI, setup: dict[str, Any]
) -> None:
    for assessment_id in setup["assessments"]:
        responses = race(
            live_app,
            [
                patch(assessment_id, setup["headers"], {"hardware.gpu": "required"}),
                patch(assessment_id, setup["headers"], {"serving.stack": "vllm"}),
                patch(assessment_id, setup["headers"], {"framework.primary": "pytorch"}),
            ],
        )
        assert [r.status_code for r in responses] == [200, 200, 200]
        current = TestClient(live_app).get(
            f"/api/v1/assessments/{assessment_id}", headers=setup["headers"]
        )
        assert current.json()["answers"] == {
            "hardware.gpu": "required",
            "serving.stack": "vllm",
            "framework.primary": "pytorch",
        }
        assert current.json()["revision"] == 4
