"""One access log line and the request metrics for every HTTP request.

Plain ASGI, inside `RequestIdMiddleware` (so the line carries the request id). The route is the
template the request matched (`/api/v1/assessments/{assessment_id}`), never the raw path, so the
metrics keep a bounded number of series; a path that matched nothing counts as `unmatched`.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.observability import metrics
from service.observability.logs import ACCESS_LOGGER

access_log = logging.getLogger(ACCESS_LOGGER)


class AccessMiddleware:
    def __init__(self, app: ASGIApp, *, record_metrics: bool = True) -> None:
        self.app = app
        self.record_metrics = record_metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless a response starts: an exception escaped to the 500 handler

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            self._done(scope, status, time.perf_counter() - started)

    def _done(self, scope: Scope, status: int, seconds: float) -> None:
        method, route = scope["method"], route_template(scope)
        if self.record_metrics:
            labels = (method, route, str(status))
            metrics.HTTP_REQUESTS.labels(*labels).inc()
            metrics.HTTP_SECONDS.labels(*labels).observe(seconds)
        duration_ms = round(seconds * 1000, 1)
        access_log.info(
            "%s %s %s %.1fms",
            method,
            scope.get("path", ""),
            status,
            duration_ms,
            extra={
                "method": method,
                "route": route,
                "path": scope.get("path", ""),
                "status": status,
                "duration_ms": duration_ms,
                "client": (scope.get("client") or ("-",))[0],
            },
        )


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else metrics.UNMATCHED_ROUTE
