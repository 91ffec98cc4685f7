"""Optional OpenTelemetry tracing: off by default; when on, requests continue the caller's trace."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from service.config import Settings
from service.main import create_app
from service.observability import tracing
from service.questionnaires.catalog import Catalog
from service.scoring.library import Library

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


def test_tracing_is_off_by_default(settings: Settings, app: FastAPI) -> None:
    assert settings.tracing == "disabled"
    assert not getattr(app, "_is_instrumented_by_opentelemetry", False)


def test_requests_become_spans_of_the_callers_trace(
    settings: Settings, catalog: Catalog, library: Library, app: FastAPI
) -> None:
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    traced = create_app(
        settings.model_copy(update={"tracing": "enabled"}),
        catalog=catalog,
        library=library,
        engine=app.state.engine,
    )
    response = TestClient(traced).get(
        "/api/v1/questionnaires", headers={"traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01"}
    )
    assert response.status_code in {200, 401}
    spans = exporter.get_finished_spans()
    assert spans, "the request was traced"
    assert {f"{span.context.trace_id:032x}" for span in spans} == {TRACE_ID}


def test_a_missing_extra_stops_start_up_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tracing, "_installed", lambda module: "sdk" not in module)
    with pytest.raises(tracing.TracingUnavailable, match=r"pip install 'stackvet\[otel\]'"):
        tracing.install(FastAPI())
