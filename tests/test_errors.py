"""Every error is RFC 9457 problem+json: framework errors, limits and crashes included."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api import Caller, assert_problem


def test_unknown_route_is_a_problem(http: TestClient) -> None:
    body = assert_problem(http.get("/api/v1/nothing-here"), 404, "not-found")
    assert body["instance"] == "/api/v1/nothing-here"
    assert body["request_id"]


def test_wrong_method_is_a_problem(http: TestClient) -> None:
    response = http.delete("/api/v1/vendors")
    assert_problem(response, 405, "method-not-allowed", detail_contains="DELETE is not supported")


def test_request_id_is_echoed_or_made(http: TestClient) -> None:
    response = http.get("/healthz", headers={"X-Request-ID": "crm-retry-42"})
    assert response.headers["x-request-id"] == "crm-retry-42"
    made = http.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["x-request-id"] != "bad id with spaces"
    assert len(made.headers["x-request-id"]) == 16


def test_a_body_over_one_mebibyte_is_413(procurement: Caller) -> None:
    big = b'{"name": "' + b"x" * (1024 * 1024) + b'"}'
    response = procurement.post(
        "/api/v1/vendors", content=big, headers={"content-type": "application/json"}
    )
    assert_problem(response, 413, "payload-too-large", detail_contains="1024 KiB limit")


def test_a_chunked_body_over_the_limit_is_413(procurement: Caller) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'"}'

    response = procurement.post(
        "/api/v1/vendors", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "payload-too-large")


def test_an_unexpected_error_is_a_500_without_internals(app: FastAPI) -> None:
    def explode() -> None:
        raise RuntimeError("secret database password in a stack trace")

    app.add_api_route("/explode", explode)
    response = TestClient(app, raise_server_exceptions=False).get("/explode")
    body = assert_problem(response, 500, "internal-error", detail_contains="request id")
    assert body["request_id"] in body["detail"]
    assert "secret" not in response.text


def test_problem_types_are_documented(http: TestClient) -> None:
    response = http.get("/problems/precondition-failed")
    assert response.status_code == 200
    assert "If-Match" in response.text
    assert_problem(http.get("/problems/nope"), 404, "not-found")


@pytest.mark.parametrize("path", ["/api/v1/vendors", "/api/v1/assessments"])
def test_openapi_documents_problem_responses(app: FastAPI, path: str) -> None:
    spec = app.openapi()
    post = spec["paths"][path]["post"]
    assert post["operationId"] in {"create_vendor", "create_assessment"}
    problem = post["responses"]["422"]["content"]["application/problem+json"]["schema"]
    assert problem == {"$ref": "#/components/schemas/Problem"}
    assert spec["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
