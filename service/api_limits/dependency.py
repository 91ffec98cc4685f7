"""The rate-limit check every API route runs, and the middleware that adds its headers."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Annotated

from fastapi import Header, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service import read_lane
from service.api_limits.service import Limiter, bearer_token
from service.auth import dependencies as auth_dependencies
from service.dependencies import DbSession, autocommit_first

STATE_KEY = "rate_limit_headers"


async def rate_limit(
    request: Request,
    session: DbSession,
    authorization: Annotated[str | None, Header()] = None,
) -> None:
    """Count the request against its API key's and organisation's budgets (`_counted`), in
    the read lane if the request took it (`service/read_lane.py`), else in the thread pool;
    its `RateLimit` fields go on the response."""
    limiter: Limiter | None = getattr(request.app.state, "api_limiter", None)
    if limiter is None:
        return
    count = functools.partial(_counted, request, limiter, session, authorization)
    headers = await read_lane.run(count)
    if headers is not None:
        request.scope.setdefault("state", {})[STATE_KEY] = headers


def _counted(
    request: Request, limiter: Limiter, session: Session, authorization: str | None
) -> dict[str, str] | None:
    """(In a worker thread, or a read lane greenlet.) Count the request against its API
    key's and organisation's budgets.

    On PostgreSQL apart from the request's transaction, in autocommit on the connection the
    request's unit of work then uses (`autocommit_first`): counted inside a request's
    transaction, each request of a burst with one key would hold its counter rows until the
    request ends, and on a connection of its own every request needed two pool checkouts. The
    lookup and the counts are one statement (`Limiter.hit_token`): no BEGIN and COMMIT round
    trips. A refused request's count is then kept, where a transaction rolled it back; no
    response can tell (`RateLimit` shows no less than 0 left, and an organisation over its
    budget stays over it for the rest of the window). SQLite has one writer at a time, so
    there the count joins the request's own transaction rather than queue behind it."""
    if session.get_bind().dialect.name == "sqlite":
        return _count(request, limiter, session, authorization)
    with autocommit_first(request) as first:
        if first is not None:
            return _count(request, limiter, first, authorization)
        with _own_session(request.app.state.session_factory) as own:
            return _count(request, limiter, own, authorization)


@contextmanager
def _own_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session in autocommit on the app's engine; in a transaction of its own when the
    factory is bound to a connection (tests: a savepoint of the test's transaction)."""
    bind = factory.kw.get("bind")
    if not isinstance(bind, Engine):
        with factory.begin() as own:
            yield own
        return
    with Session(bind=_autocommit(bind)) as own:
        yield own


@lru_cache(maxsize=8)
def _autocommit(engine: Engine) -> Engine:
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def _count(
    request: Request, limiter: Limiter, session: Session, authorization: str | None
) -> dict[str, str] | None:
    token = bearer_token(authorization)
    counted = limiter.hit_token(session, token) if token else None
    if token is None or counted is None:
        return None  # the route's own authentication answers; an unknown key is not counted
    key, headers = counted
    auth_dependencies.remember_key(request, token, key)
    return headers


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
