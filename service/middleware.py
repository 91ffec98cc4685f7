"""ASGI middleware: a request id on every request and response, a request body limit, and
500s answered as ordinary responses.

Both are plain ASGI (not `BaseHTTPMiddleware`) so they neither buffer responses nor break
streaming, and the body limit also holds for chunked uploads that send no Content-Length.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import PROBLEM_JSON, PayloadTooLarge, problem_type, unhandled_error
from service.observability import logs

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "x-request-id"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


class RequestIdMiddleware:
    """Use the caller's X-Request-ID when it is sane, or make one; echo it in the response,
    with the time the server spent before answering (`Server-Timing: app;dur=<ms>`). Log
    lines of the request carry the id, and the trace ids of a W3C `traceparent` header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _header(scope, REQUEST_ID_HEADER)
        request_id = given if given and _SAFE_REQUEST_ID.match(given) else secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id
        logs.bind_request(request_id, _header(scope, "traceparent"))
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed = (time.perf_counter() - started) * 1000
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                headers.append((b"server-timing", f"app;dur={elapsed:.1f}".encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_id)


class BodyLimitMiddleware:
    """Refuse request bodies over `max_bytes` with a 413 problem, before the app reads them."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, "content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # An HTTPException passes through FastAPI's body parsing to the handlers.
                    raise HTTPException(413, detail=self._detail())
            return message

        await self.app(scope, limited_receive, send)

    def _detail(self) -> str:
        return f"The request body is larger than the {self.max_bytes // 1024} KiB limit."

    async def _refuse(self, scope: Scope, send: Send) -> None:
        body = {
            "type": problem_type(PayloadTooLarge.slug, _public_url(scope)),
            "title": PayloadTooLarge.title,
            "status": 413,
            "detail": self._detail(),
            "instance": scope.get("path", ""),
            "request_id": scope.get("state", {}).get("request_id"),
        }
        payload = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(payload)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


class UnhandledErrors:
    """Answer an exception nothing handled with the 500 problem, here, inside the middleware.

    Left to Starlette's outermost error middleware, the 500 skipped every middleware (no
    request id header), and the exception then reached uvicorn, which closes the connection
    under a client that may already be sending its next request on it. Answered here, the
    500 is a complete response on a connection that stays usable.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started:  # too late for a clean answer; uvicorn closes the connection
                raise
            response = unhandled_error(Request(scope, receive), exc)
            await response(scope, receive, send)


def _header(scope: Scope, name: str) -> str | None:
    wanted = name.encode()
    for key, value in scope.get("headers", []):
        if key.lower() == wanted:
            return str(value.decode("latin-1"))
    return None


def _public_url(scope: Scope) -> str | None:
    app = scope.get("app")
    settings = getattr(getattr(app, "state", None), "settings", None)
    return settings.public_url if settings is not None else None
