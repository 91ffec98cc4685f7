"""HTTP semantics every route gets without saying so: HEAD, conditional GET, `Allow`, 415.

- `HEAD` on any GET route answers the GET's status and headers without a body.
- A GET (or HEAD) whose `If-None-Match` names the response's `ETag` answers 304 with no body
  (routes that can tell before doing the work, such as report downloads, still answer 304
  themselves; this covers every other route that sets an ETag).
- A 405 names every method of the path in `Allow`, not only those of the first route matched.
- A JSON endpoint sent another media type answers 415 naming the expected one, not a 422 about
  the body's shape.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from fastapi import params
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.requests import Request
from starlette.routing import BaseRoute, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ALREADY_COMPRESSED = (
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "image/png",
    "image/jpeg",
)
"""Media types gzip would only slow down: their bytes are compressed already."""

_NOT_MODIFIED_KEEPS = {
    b"etag",
    b"cache-control",
    b"content-location",
    b"date",
    b"expires",
    b"vary",
    b"x-request-id",
    b"ratelimit",
    b"ratelimit-policy",
}
"""RFC 9110 §15.4.5: the fields a 304 carries (plus our request id and rate-limit fields)."""


class HeadAndConditionalMiddleware:
    """HEAD as a body-less GET, and 304 for a GET whose If-None-Match matches the ETag."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method")
        if scope["type"] != "http" or method not in {"GET", "HEAD"}:
            await self.app(scope, receive, send)
            return
        if method == "HEAD":
            scope = {**scope, "method": "GET"}
        wanted = _header(scope, b"if-none-match")
        state = _Exchange(send, head=method == "HEAD", if_none_match=wanted)
        await self.app(scope, receive, state.send)


class _Exchange:
    def __init__(self, send: Send, *, head: bool, if_none_match: str | None) -> None:
        self._send = send
        self._head = head
        self._if_none_match = if_none_match
        self._silent = head

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            message = self._start(message)
        elif message["type"] == "http.response.body" and self._silent:
            if message.get("more_body", False):
                return
            message = {"type": "http.response.body", "body": b""}
        await self._send(message)

    def _start(self, message: Message) -> Message:
        headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
        etag = next((value.decode("latin-1") for name, value in headers if name == b"etag"), None)
        status = message["status"]
        if status == 200 and etag and self._if_none_match and matches(self._if_none_match, etag):
            self._silent = True
            kept = [(name, value) for name, value in headers if name in _NOT_MODIFIED_KEEPS]
            return {**message, "status": 304, "headers": kept}
        return message


def matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison (RFC 9110 §13.1.2): `W/` is ignored on both sides; `*` matches any."""
    if if_none_match.strip() == "*":
        return True
    wanted = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag.strip().removeprefix("W/") in wanted


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def allowed_methods(routes: Sequence[BaseRoute], path: str) -> list[str]:
    """Every method some route serves at this path (HEAD wherever GET is), sorted."""
    methods: set[str] = set()
    for context in iter_route_contexts(routes):
        if context.methods and context.path and _pattern(context.path).fullmatch(path):
            methods |= set(context.methods)
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


@lru_cache(maxsize=1024)
def _pattern(route_path: str) -> re.Pattern[str]:
    regex, _, _ = compile_path(route_path)
    return regex


def expects_json(request: Request) -> bool:
    """The matched API route takes a JSON body (not a form, a file or raw bytes)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or route.body_field is None:
        return False
    info = route.body_field.field_info
    return isinstance(info, params.Body) and info.media_type == "application/json"


def sent_other_than_json(request: Request, errors: Sequence[object]) -> str | None:
    """The media type the client sent, when a JSON body failed because it was not JSON."""
    content_type = request.headers.get("content-type")
    if not content_type or not expects_json(request):
        return None
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        return None
    body_errors = [e for e in errors if isinstance(e, dict) and e.get("loc", ("",))[0] == "body"]
    return media_type if body_errors else None
