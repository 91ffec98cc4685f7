"""Log lines of a request carry its request id (and trace ids); the JSON format parses."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.observability.logs import (
    JsonFormatter,
    RequestContextFilter,
    TextFormatter,
    parse_traceparent,
)

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{SPAN_ID}-01"
inside = logging.getLogger("tests.inside_a_request")


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """The root logger's lines as the JSON format writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture
def logging_app(app: FastAPI) -> TestClient:
    """The app with one page that logs, from a threadpool worker as sync endpoints run."""

    @app.get("/test-only/logs")
    def log_something() -> dict[str, str]:
        inside.warning("working on it")
        return {"ok": "yes"}

    return TestClient(app)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_every_line_of_a_request_carries_its_request_id(
    logging_app: TestClient, captured: io.StringIO
) -> None:
    response = logging_app.get(
        "/test-only/logs", headers={"X-Request-ID": "req-123", "traceparent": TRACEPARENT}
    )
    assert response.status_code == 200
    logging_app.get("/test-only/logs", headers={"X-Request-ID": "req-456"})
    logged = lines(captured)
    first = [line for line in logged if line.get("request_id") == "req-123"]
    assert [line["logger"] for line in first] == ["tests.inside_a_request", "stackvet.access"]
    assert all(line["trace_id"] == TRACE_ID and line["span_id"] == SPAN_ID for line in first)
    work, access = first
    assert work["message"] == "working on it"
    assert work["level"] == "WARNING"
    assert access["method"] == "GET"
    assert access["route"] == "/test-only/logs"
    assert access["status"] == 200
    assert 0 < access["duration_ms"] < 30_000
    second = [line for line in logged if line.get("request_id") == "req-456"]
    assert len(second) == 2
    assert all("trace_id" not in line for line in second), "no traceparent, no trace id"


def test_the_access_line_of_an_unknown_path_names_no_route(
    http: TestClient, captured: io.StringIO
) -> None:
    response = http.get("/nowhere", headers={"X-Request-ID": "lost-1"})
    assert response.status_code == 404
    (access,) = [line for line in lines(captured) if line.get("request_id") == "lost-1"]
    assert (access["route"], access["path"], access["status"]) == ("unmatched", "/nowhere", 404)


def test_text_lines_show_the_request_id_or_a_dash() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    RequestContextFilter().filter(record)
    assert TextFormatter().format(record).endswith("INFO x [-]: hello you")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (TRACEPARENT, (TRACE_ID, SPAN_ID)),
        (TRACEPARENT.upper(), (TRACE_ID, SPAN_ID)),
        (None, None),
        ("", None),
        ("garbage", None),
        (f"00-{'0' * 32}-{SPAN_ID}-01", None),
        (f"00-{TRACE_ID}-{'0' * 16}-01", None),
        (f"00-{TRACE_ID[:-1]}-{SPAN_ID}-01", None),
    ],
)
def test_traceparent_headers(header: str | None, expected: tuple[str, str] | None) -> None:
    assert parse_traceparent(header) == expected
