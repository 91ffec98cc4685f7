"""The rate-limit check every API route runs, and the middleware that adds its headers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api_limits.service import Limiter, key_of

STATE_KEY = "rate_limit_headers"


def rate_limit(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    """Count the request against its API key's and organisation's budgets.

    In a short transaction of its own, before the request's unit of work takes a connection:
    counting inside it held a second pool connection per request (a burst of 50 ran the pool
    dry and answered 503s) or, on SQLite, the write lock for the whole request."""
    limiter: Limiter | None = getattr(request.app.state, "api_limiter", None)
    if limiter is None:
        return
    factory: sessionmaker[Session] = request.app.state.session_factory
    with factory.begin() as session:
        caller = key_of(session, authorization)
        if caller is None:
            return  # the route's own authentication answers; an unknown key is not counted
        headers = limiter.hit(session, *caller)
    request.scope.setdefault("state", {})[STATE_KEY] = headers


class RateLimitHeadersMiddleware:
    """Adds the counted request's `RateLimit` fields to its response, whatever the status
    (a 429 carries them already, in the problem response)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_limits(message: Message) -> None:
            headers = scope.get("state", {}).get(STATE_KEY)
            if message["type"] == "http.response.start" and headers:
                extra = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_limits)
