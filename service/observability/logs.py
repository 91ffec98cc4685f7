"""Log lines that carry their request: text for people, one JSON object per line for collectors.

`RequestIdMiddleware` binds the request id (and the W3C `traceparent` trace and span ids, when
the caller sent one) to a context variable; `RequestContextFilter` copies them onto every record
logged while that request is handled, in the event loop or in a threadpool worker (anyio runs
sync endpoints in a copy of the caller's context). The same logging setup is used by `stackvet`
commands and by every uvicorn worker process (`dict_config` is handed to uvicorn).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

ACCESS_LOGGER = "stackvet.access"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")
_ZERO_TRACE, _ZERO_SPAN = "0" * 32, "0" * 16
# Fields that code passes with `extra=` and that the JSON line keeps (the access line's).
EXTRA_FIELDS = ("method", "route", "path", "status", "duration_ms", "client")


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    trace_id: str | None = None
    span_id: str | None = None


_current: ContextVar[RequestContext | None] = ContextVar("stackvet_request", default=None)

SpanIds = Callable[[], tuple[str, str] | None]
_span_source: list[SpanIds] = []


def use_span_source(source: SpanIds) -> None:
    """Take trace and span ids from the active span (OpenTelemetry tracing, when on)."""
    _span_source[:] = [source]


def parse_traceparent(value: str | None) -> tuple[str, str] | None:
    """The trace id and parent span id of a valid W3C `traceparent` header, else None."""
    match = _TRACEPARENT.match(value.strip().lower()) if value else None
    if match is None or match[1] == _ZERO_TRACE or match[2] == _ZERO_SPAN:
        return None
    return match[1], match[2]


def bind_request(request_id: str, traceparent: str | None) -> None:
    """Bind a request to the current context. Not reset afterwards on purpose: each request
    runs in a task (and context) of its own, and the 500 handler, outside every middleware,
    still logs with the request id."""
    trace = parse_traceparent(traceparent)
    _current.set(RequestContext(request_id, *(trace or (None, None))))


def current_request() -> RequestContext | None:
    return _current.get()


class RequestContextFilter(logging.Filter):
    """Adds `request_id`, `trace_id` and `span_id` to every record (None outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _current.get()
        record.request_id = context.request_id if context else None
        active = _span_source[0]() if _span_source else None
        trace = active or ((context.trace_id, context.span_id) if context else None)
        record.trace_id, record.span_id = trace or (None, None)
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = "-"
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request's ids, extras."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "trace_id", "span_id", *EXTRA_FIELDS):
            value = getattr(record, key, None)
            if value is not None:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a line is logged (test runners swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def dict_config(log_format: str, level: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` for commands and for uvicorn (its `log_config`): one
    handler on the root logger; uvicorn's loggers propagate to it, and its access log is off
    (the `stackvet.access` line replaces it)."""
    formatter = JsonFormatter if log_format == "json" else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request": {"()": RequestContextFilter}},
        "formatters": {"stackvet": {"()": formatter}},
        "handlers": {
            "stderr": {
                "()": StderrHandler,
                "filters": ["request"],
                "formatter": "stackvet",
            }
        },
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {
            "uvicorn": {"level": level.upper(), "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level.upper(), "handlers": [], "propagate": True},
            "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
            "weasyprint.progress": {"level": "WARNING"},
        },
    }
