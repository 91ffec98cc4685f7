"""The rate-limit check every API route runs, and the middleware that adds its headers."""

from __future__ import annotations

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api_limits.service import Limiter
from service.auth.dependencies import CurrentPrincipal
from service.auth.principal import ActorType
from service.dependencies import DbSession

STATE_KEY = "rate_limit_headers"


def rate_limit(request: Request, session: DbSession, principal: CurrentPrincipal) -> None:
    """Count the request against its API key's and organisation's budgets."""
    limiter: Limiter | None = getattr(request.app.state, "api_limiter", None)
    if limiter is None:
        return
    key_id = principal.actor_id if principal.actor_type is ActorType.API_KEY else None
    headers = limiter.hit(session, key_id, principal.organisation_id)
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
