"""Authentication and authorisation as FastAPI dependencies."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service import read_lane
from service.auth import service as auth_service
from service.auth import usage
from service.auth.models import ApiKey
from service.auth.permissions import Permission
from service.auth.principal import Principal
from service.db import utcnow
from service.dependencies import DbSession, after_unit_of_work
from service.errors import Forbidden

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key created with `stackvet keys create` or `POST /api/v1/api-keys`.",
)


_REMEMBERED = "api_key"


def remember_key(request: Request, token: str, key: auth_service.LiveKey) -> None:
    """Keep the live key a dependency that ran first (the rate-limit check) read for `token`,
    so that authentication does not read it again in the same request."""
    setattr(request.state, _REMEMBERED, (token, key))


async def current_principal(
    request: Request,
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
) -> Principal:
    token = credentials.credentials if credentials else None
    remembered: tuple[str, auth_service.LiveKey] | None = getattr(request.state, _REMEMBERED, None)
    if remembered is not None and token is not None and remembered[0] == token:
        key: auth_service.LiveKey | ApiKey = remembered[1]
    else:
        key = await read_lane.run(auth_service.find_key, session, token)  # where the route runs
    key_id, last_used_at = key.id, key.last_used_at
    if usage.is_stale(last_used_at, utcnow()):  # else no task: each is a thread-pool hop
        after_unit_of_work(request, lambda factory: usage.refresh(factory, key_id, last_used_at))
    return auth_service.principal_for_key(key)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(permission: Permission) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    # Async: a pure check need not hop to the thread pool and back.
    async def check(principal: CurrentPrincipal) -> Principal:
        if not principal.can(permission):
            raise Forbidden(
                f"The '{principal.role}' role cannot {_ACTIONS[permission]}.",
            )
        return principal

    check.permission = permission  # type: ignore[attr-defined]  # read by the idempotency guard
    return check


_ACTIONS = {
    Permission.READ: "read this organisation's data",
    Permission.EDIT_DIRECTORY: "create or change vendors and clients",
    Permission.EDIT_ASSESSMENTS: "create, answer or submit assessments",
    Permission.REOPEN_ASSESSMENTS: "reopen assessments",
    Permission.REVIEW_ASSESSMENTS: "review, clarify, send back or approve assessments",
    Permission.MANAGE_KEYS: "manage API keys",
    Permission.MANAGE_WEBHOOKS: "manage webhooks",
    Permission.MANAGE_USERS: "manage people",
    Permission.MANAGE_BRANDING: "change the organisation's report branding (admins do)",
}

Reader = Annotated[Principal, Depends(require(Permission.READ))]
DirectoryEditor = Annotated[Principal, Depends(require(Permission.EDIT_DIRECTORY))]
AssessmentEditor = Annotated[Principal, Depends(require(Permission.EDIT_ASSESSMENTS))]
AssessmentReopener = Annotated[Principal, Depends(require(Permission.REOPEN_ASSESSMENTS))]
AssessmentReviewer = Annotated[Principal, Depends(require(Permission.REVIEW_ASSESSMENTS))]
KeyManager = Annotated[Principal, Depends(require(Permission.MANAGE_KEYS))]
WebhookManager = Annotated[Principal, Depends(require(Permission.MANAGE_WEBHOOKS))]
BrandingManager = Annotated[Principal, Depends(require(Permission.MANAGE_BRANDING))]
