"""The `Idempotency-Key` header on POST requests, as a router dependency and a route class.

The guard runs before anything else of the request touches the database: it claims the key
in a short transaction of its own (SQLite allows one writer at a time, so it must not wait on
its own request). The route class keeps the response object, and the unit of work stores it
with the effect (`service.dependencies.get_session`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from service.auth.models import ApiKey
from service.auth.permissions import Permission, Role, allows
from service.auth.tokens import hash_token
from service.idempotency import service as idempotency
from service.idempotency.service import ReplayResponse

__all__ = ["ApiRoute", "ReplayResponse", "abandon", "finish", "idempotency_guard", "replay"]

CLAIM = "idempotency_claim"
RESPONSE = "captured_response"
NOT_IDEMPOTENT_PATHS = frozenset(
    {"/api/v1/api-keys", "/api/v1/webhooks", "/api/v1/webhooks/{webhook_id}/rotate-secret"}
)
"""Route paths whose responses carry a secret meant to be shown once: never stored for replay
(a stored copy would hand the secret to anyone who can guess or reuse the key)."""


async def idempotency_guard(request: Request) -> None:
    raw = request.headers.get(idempotency.HEADER)
    route = request.scope.get("route")
    template = getattr(route, "path", request.url.path)
    if request.method != "POST" or raw is None or template in NOT_IDEMPOTENT_PATHS:
        return
    key = idempotency.check_key(raw)
    body = await _body_of(request)
    fingerprint = idempotency.request_hash(
        request.method, request.url.path, request.url.query, body
    )
    factory: sessionmaker[Session] = request.app.state.session_factory
    needed = required_permissions(route.dependant) if isinstance(route, APIRoute) else frozenset()
    claimed = await run_in_threadpool(
        _claim, factory, request.headers.get("authorization"), needed, key, fingerprint, request
    )
    if claimed is not None:
        setattr(request.state, CLAIM, claimed)


async def _body_of(request: Request) -> bytes:
    """The raw body; for a multipart upload FastAPI has already parsed (its stream is spent),
    the form's fields and files in order, which identify the request just as well."""
    try:
        return await request.body()
    except RuntimeError:
        form = await request.form()  # the parsed form, kept by the request
        parts: list[bytes] = []
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                content = await value.read()
                await value.seek(0)
                parts.append(f"{name}={value.filename}:".encode() + content)
            else:
                parts.append(f"{name}={value}".encode())
        return b"\x00".join(parts)


def required_permissions(dependant: Dependant) -> frozenset[Permission]:
    """Every permission the route's dependencies demand (`auth.dependencies.require` marks
    them): a route may load its object as a reader and act as an editor."""
    found: set[Permission] = set()
    for sub in dependant.dependencies:
        permission = getattr(sub.call, "permission", None)
        if isinstance(permission, Permission):
            found.add(permission)
        found |= required_permissions(sub)
    return frozenset(found)


def _claim(
    factory: sessionmaker[Session],
    authorization: str | None,
    needed: frozenset[Permission],
    key: str,
    fingerprint: str,
    request: Request,
) -> uuid.UUID | None:
    """Claim the key, or replay, but only for a caller the route itself would let in.

    An unknown key or a role without the route's permission gets no claim and no replay: the
    route's own dependencies then answer 401 or 403, exactly as without the header.
    """
    caller = _caller(factory, authorization)
    if caller is None:
        return None
    organisation_id, role = caller
    if not all(allows(role, permission) for permission in needed):
        return None
    return idempotency.claim(
        factory, organisation_id, key, fingerprint, request.method, request.url.path
    )


def _caller(
    factory: sessionmaker[Session], authorization: str | None
) -> tuple[uuid.UUID, Role] | None:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    with factory() as session:
        query = select(ApiKey.organisation_id, ApiKey.role).where(
            ApiKey.token_hash == hash_token(token.strip()), ApiKey.revoked_at.is_(None)
        )
        row = session.execute(query).first()
    return (row[0], Role(row[1])) if row is not None else None


class ApiRoute(APIRoute):
    """Keeps the response on the request, for the unit of work to store with the effect."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def keep_response(request: Request) -> Response:
            response = await handler(request)
            setattr(request.state, RESPONSE, response)
            return response

        return keep_response


def finish(request: Request, session: Session) -> None:
    """Store the response with the effect (called just before the request's commit)."""
    claim_id = getattr(request.state, CLAIM, None)
    response = getattr(request.state, RESPONSE, None)
    if claim_id is None or response is None:
        return
    headers = {k.lower(): v for k, v in response.headers.items()}
    idempotency.complete(session, claim_id, response.status_code, headers, bytes(response.body))


def abandon(request: Request) -> None:
    """Free the key when the request failed, so that the client can retry."""
    claim_id = getattr(request.state, CLAIM, None)
    if claim_id is not None:
        idempotency.release(request.app.state.session_factory, claim_id)


def replay(request: Request, exc: Exception) -> Response:
    """Answer a retried POST with the first request's stored response."""
    assert isinstance(exc, ReplayResponse)
    stored = exc.replay
    headers = {**stored.headers, "idempotent-replayed": "true"}
    media_type = headers.pop("content-type", None)
    return Response(stored.body, status_code=stored.status, headers=headers, media_type=media_type)
