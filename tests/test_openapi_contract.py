"""What client generators and integrators rely on beyond the routes: servers, tags, security,
response headers, the statuses every API route can answer, webhooks, and problem-type pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.errors import ServiceError
from service.problems.router import PROBLEMS, problem_types
from service.webhooks.events import PING, EventType
from tests.api import assert_problem


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    ]


def test_servers_tags_and_licence_are_present(app: FastAPI) -> None:
    spec = app.openapi()
    assert spec["servers"][0]["url"].startswith("http")
    assert spec["info"]["license"]["identifier"]
    declared = {tag["name"]: tag["description"] for tag in spec["tags"]}
    used = {tag for _, _, op in _operations(spec) for tag in op.get("tags", [])}
    assert used <= set(declared), used - set(declared)
    assert all(len(text) > 20 for text in declared.values())


def test_health_probes_need_no_key_and_the_api_does(app: FastAPI) -> None:
    spec = app.openapi()
    assert spec["security"] == [{"ApiKey": []}]
    assert spec["paths"]["/healthz"]["get"]["security"] == []
    assert spec["paths"]["/readyz"]["get"]["security"] == []


def test_every_api_operation_documents_rate_limits_and_unavailability(app: FastAPI) -> None:
    spec = app.openapi()
    for path, method, operation in _operations(spec):
        if not path.startswith("/api/"):
            continue
        where = f"{method.upper()} {path}"
        responses = operation["responses"]
        for status in ("429", "503"):
            assert "Retry-After" in responses[status]["headers"], (where, status)
        for status, response in responses.items():
            assert {"X-Request-Id", "RateLimit", "RateLimit-Policy"} <= set(response["headers"]), (
                where,
                status,
            )


def test_created_replayed_and_etag_headers_are_documented(app: FastAPI) -> None:
    spec = app.openapi()
    created = spec["paths"]["/api/v1/assessments"]["post"]["responses"]["201"]["headers"]
    assert {"Location", "Idempotent-Replayed"} <= set(created)
    read = spec["paths"]["/api/v1/assessments/{assessment_id}"]["get"]["responses"]["200"]
    assert "ETag" in read["headers"]
    report = spec["paths"]["/api/v1/assessments/{assessment_id}/report.{fmt}"]["get"]
    assert "ETag" in report["responses"]["200"]["headers"]
    keys = spec["paths"]["/api/v1/api-keys"]["post"]["responses"]["201"]["headers"]
    assert "Idempotent-Replayed" not in keys, "API key creation is never replayed"


def test_the_webhooks_section_has_a_payload_schema_per_event(app: FastAPI) -> None:
    spec = app.openapi()
    assert set(spec["webhooks"]) == {event.value for event in EventType} | {PING}
    schemas = spec["components"]["schemas"]
    for event_type, item in spec["webhooks"].items():
        body = item["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body["properties"]["type"]["const"] == event_type
        data = body["properties"]["data"]["$ref"].split("/")[-1]
        assert data in schemas, event_type
        headers = {p["name"] for p in item["post"]["parameters"]}
        assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert "score" in schemas["AssessmentEventData"]["properties"]
    assert "environment" in schemas["EventClient"]["properties"]


def test_no_schema_matches_anything_by_accident(app: FastAPI) -> None:
    text = str(app.openapi()["components"])
    assert "'anyOf': [{}" not in text


def test_problem_types_are_absolute_links_to_a_page_that_explains_them(http: TestClient) -> None:
    body = assert_problem(http.get("/api/v1/vendors"), 401, "unauthenticated")
    page = http.get(urlsplit(body["type"]).path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Authorization: Bearer" in page.text
    index = http.get("/problems")
    assert index.status_code == 200
    for slug in problem_types():
        assert f'href="/problems/{slug}"' in index.text


def test_every_problem_type_has_an_explanation() -> None:
    missing = set(problem_types()) - set(PROBLEMS)
    assert not missing, f"add an explanation to service/problems/router.py for {missing}"
    assert ServiceError.slug in PROBLEMS


def test_reports_are_documented_as_files(app: FastAPI) -> None:
    spec = app.openapi()
    report = spec["paths"]["/api/v1/assessments/{assessment_id}/report.{fmt}"]["get"]
    content = report["responses"]["200"]["content"]
    assert content["application/pdf"]["schema"] == {"type": "string", "format": "binary"}
    assert content["text/html"]["schema"] == {"type": "string"}
