"""Report downloads waiting for a render hold no database connection, and a full render
queue answers 503 with Retry-After, while cheap reads go on."""

from __future__ import annotations

import threading
from typing import Any

import httpx2 as httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.auth.permissions import Role
from service.db import create_session_factory
from service.questionnaires.catalog import Catalog
from service.reporting import documents
from service.reporting import service as report_service
from service.reporting.queue import RenderQueue
from service.reporting.render import RenderedPdf
from service.scores import service as score_service
from service.scoring.library import Library
from tests import builders
from tests.api import assert_problem
from tests.processes import wait_for


@pytest.fixture
def scored(live_app: FastAPI, engine: Engine, catalog: Catalog, library: Library) -> dict[str, Any]:
    answers = builders.example("openweave.answers")
    with create_session_factory(engine).begin() as session:
        org = builders.organisation(session)
        token = builders.api_key(session, org, Role.ACCOUNT_LEAD)
        ids = [
            str(
                builders.assessment(
                    session, catalog, org, answers=answers, submitted=True, library=library
                ).id
            )
            for _ in range(3)
        ]
    return {"headers": {"Authorization": f"Bearer {token}"}, "ids": ids}


def test_waiting_downloads_hold_no_connection_and_a_full_queue_is_503(
    live_app: FastAPI, engine: Engine, scored: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    live_app.state.render_queue = RenderQueue(
        slots=1, max_waiting=1, per_organisation=1, max_wait=60
    )
    gate, rendering = threading.Event(), threading.Event()

    def render(pending: report_service.Pending) -> report_service.Rendered:
        rendering.set()
        gate.wait(60)
        return report_service.Rendered(RenderedPdf(b"%PDF " + pending.key.encode(), 1, 1), 1)

    monkeypatch.setattr(report_service, "render", render)
    made: list[str] = []
    html = documents.assessment_html

    def counted(*args: Any) -> str:
        made.append("html")
        return str(html(*args))

    monkeypatch.setattr(documents, "assessment_html", counted)
    scores_loaded: list[str] = []
    latest_score = score_service.latest_score

    def counted_score(*args: Any) -> Any:
        scores_loaded.append("score")
        return latest_score(*args)

    monkeypatch.setattr(score_service, "latest_score", counted_score)
    headers, ids = scored["headers"], scored["ids"]
    results: dict[str, httpx.Response] = {}

    def download(assessment_id: str) -> None:
        url = f"/api/v1/assessments/{assessment_id}/report.pdf"
        results[assessment_id] = TestClient(live_app).get(url, headers=headers)

    threads = [threading.Thread(target=download, args=(i,)) for i in ids[:2]]
    try:
        threads[0].start()
        assert rendering.wait(60)
        threads[1].start()
        # one rendering, one waiting (its place taken before it prepared its report, then
        # its unit of work ended): neither holds a database connection
        wait_for(
            lambda: (
                live_app.state.render_queue.waiting == 1
                and len(made) == 2
                and engine.pool.checkedout() == 0  # type: ignore[attr-defined]
            ),
            60,
            "a second download waiting without a connection",
        )
        client = TestClient(live_app)
        full = client.get(f"/api/v1/assessments/{ids[2]}/report.pdf", headers=headers)
        body = assert_problem(full, 503, "unavailable", detail_contains="already waiting")
        assert int(full.headers["retry-after"]) >= 1
        assert body["request_id"] == full.headers["x-request-id"]
        # refused before loading the assessment's score, not only before making its HTML
        assert scores_loaded == ["score", "score"]
        assert client.get(f"/api/v1/assessments/{ids[2]}", headers=headers).status_code == 200
        assert made == ["html", "html"]  # the refused download made no report HTML
    finally:
        gate.set()
        for thread in threads:
            thread.join(60)
    for assessment_id in ids[:2]:
        assert results[assessment_id].status_code == 200, results[assessment_id].text
        assert results[assessment_id].content.startswith(b"%PDF ")
    # stored: served again without a render
    monkeypatch.setattr(report_service, "render", None)
    again = TestClient(live_app).get(f"/api/v1/assessments/{ids[0]}/report.pdf", headers=headers)
    assert again.content == results[ids[0]].content


def test_a_real_render_is_stored_after_the_request_gave_its_connection_back(
    live_app: FastAPI, engine: Engine, scored: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = report_service.render
    held: list[int] = []

    def render(pending: report_service.Pending) -> report_service.Rendered:
        held.append(engine.pool.checkedout())  # type: ignore[attr-defined]
        return real(pending)

    monkeypatch.setattr(report_service, "render", render)
    url = f"/api/v1/assessments/{scored['ids'][0]}/report.pdf"
    response = TestClient(live_app).get(url, headers=scored["headers"])
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"%PDF-")
    assert held == [0]
    second = TestClient(live_app).get(url, headers=scored["headers"])
    assert second.headers["etag"] == response.headers["etag"]
    assert held == [0]  # the stored copy: no second render
