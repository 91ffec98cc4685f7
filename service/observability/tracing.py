"""Optional OpenTelemetry tracing (`pip install 'stackvet[otel]'`, STACKVET_TRACING=enabled).

Spans of every request (continuing the caller's `traceparent`) are exported over OTLP/HTTP to
wherever the standard `OTEL_EXPORTER_OTLP_ENDPOINT` and `OTEL_SERVICE_NAME` variables say; log
lines then carry the ids of the active span. Off by default: without the setting none of
this is imported.
"""

from __future__ import annotations

import importlib.util

from fastapi import FastAPI

from service.observability import logs

REQUIRED = (
    "opentelemetry.sdk",
    "opentelemetry.exporter.otlp.proto.http",
    "opentelemetry.instrumentation.fastapi",
)


class TracingUnavailable(RuntimeError):
    """Raised at start-up, never during a request."""


def install(app: FastAPI) -> None:
    """Trace the app's requests; fail start-up plainly when the extra is not installed."""
    missing = [name for name in REQUIRED if not _installed(name)]
    if missing:
        raise TracingUnavailable(
            f"STACKVET_TRACING=enabled needs {', '.join(missing)}: "
            "pip install 'stackvet[otel]', or set STACKVET_TRACING=disabled."
        )
    from opentelemetry import trace  # noqa: PLC0415 - the optional extra, loaded only here
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: PLC0415
        OTLPSpanExporter,
    )
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor  # noqa: PLC0415
    from opentelemetry.sdk.trace import TracerProvider  # noqa: PLC0415
    from opentelemetry.sdk.trace.export import BatchSpanProcessor  # noqa: PLC0415

    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")
    logs.use_span_source(_span_ids)


def _span_ids() -> tuple[str, str] | None:
    from opentelemetry import trace  # noqa: PLC0415 - only called once tracing is installed

    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return f"{context.trace_id:032x}", f"{context.span_id:016x}"


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False
