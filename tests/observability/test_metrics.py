"""GET /metrics: the series an operator graphs, with values that follow what happened."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service.config import Settings
from service.main import create_app
from service.questionnaires.catalog import Catalog
from service.scoring.library import Library
from service.webhooks.events import EventType
from service.webhooks.service import record_event
from tests import builders
from tests.api import Caller, assert_problem
from tests.builders import example
from tests.observability.scrape import names, value

LIST = {"method": "GET", "route": "/api/v1/assessments", "status": "200"}


def scrape(http: TestClient) -> str:
    response = http.get("/metrics")  # no API key: Prometheus scrapes like a health probe
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return response.text


def test_requests_are_counted_and_timed_by_route_template_and_status(
    http: TestClient, admin: Caller
) -> None:
    before = scrape(http)
    for _ in range(3):
        assert admin.get("/api/v1/assessments").status_code == 200
    missing = admin.get("/api/v1/assessments/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert http.get("/no/such/page/123").status_code == 404
    after = scrape(http)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("stackvet_http_requests_total", **LIST) == 3
    assert grew("stackvet_http_request_duration_seconds_count", **LIST) == 3
    assert 0 < grew("stackvet_http_request_duration_seconds_sum", **LIST) < 30
    one = {"method": "GET", "route": "/api/v1/assessments/{assessment_id}", "status": "404"}
    assert grew("stackvet_http_requests_total", **one) == 1
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert grew("stackvet_http_requests_total", **unmatched) == 1
    assert "/no/such/page/123" not in after, "raw paths never become labels"


def test_queues_database_pool_and_render_pool_are_reported(
    http: TestClient, session: Session, admin: Caller
) -> None:
    builders.webhook(session, admin.org, events=[EventType.ASSESSMENT_SCORED.value])
    for number in range(2):
        record_event(session, admin.org.id, EventType.ASSESSMENT_SCORED, {"n": number})
    session.commit()
    text = scrape(http)
    assert value(text, "stackvet_queue_metrics_up") == 1
    assert value(text, "stackvet_webhook_deliveries_pending") == 2
    assert 0 <= value(text, "stackvet_webhook_oldest_due_delivery_age_seconds") < 600
    assert value(text, "stackvet_job_queue_depth") >= 0
    assert value(text, "stackvet_db_pool_size") >= 1
    assert value(text, "stackvet_db_pool_checked_out") >= 0
    assert value(text, "stackvet_render_workers_max") >= 1
    assert value(text, "stackvet_render_queue_depth") == 0
    assert {"stackvet_render_workers", "stackvet_webhook_deliveries"} <= names(text)


def test_scoring_and_rendering_are_timed(
    http: TestClient, session: Session, catalog: Catalog, admin: Caller
) -> None:
    assessment = builders.assessment(
        session, catalog, admin.org, answers=example("openweave.answers")
    )
    session.commit()
    before = scrape(http)
    assert admin.post(f"/api/v1/assessments/{assessment.id}/submit").status_code == 200
    report = admin.get(f"/api/v1/assessments/{assessment.id}/report.pdf")
    assert report.status_code == 200
    after = scrape(http)
    scored = "stackvet_scoring_duration_seconds_count"
    assert value(after, scored) - value(before, scored) == 1
    rendered = "stackvet_report_render_duration_seconds_count"
    assert value(after, rendered, kind="assessment") - value(before, rendered, kind="assessment")
    assert value(after, "stackvet_render_workers", state="idle") >= 1
    assert value(after, "stackvet_render_workers", state="busy") == 0


def test_metrics_can_be_disabled_or_moved_to_their_own_port(
    settings: Settings, catalog: Catalog, library: Library, app: FastAPI
) -> None:
    for change in ({"metrics": "disabled"}, {"metrics_port": 9464}):
        other = create_app(
            settings.model_copy(update=change),
            catalog=catalog,
            library=library,
            engine=app.state.engine,
        )
        assert_problem(TestClient(other).get("/metrics"), 404, "not-found")
