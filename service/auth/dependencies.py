"""Authentication and authorisation as FastAPI dependencies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.auth import service as auth_service
from service.auth.permissions import Permission
from service.auth.principal import Principal
from service.dependencies import DbSession
from service.errors import Forbidden

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key created with `stackvet keys create` or `POST /api/v1/api-keys`.",
)


def current_principal(
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
) -> Principal:
    return auth_service.authenticate(session, credentials.credentials if credentials else None)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(permission: Permission) -> Callable[[Principal], Principal]:
    def check(principal: CurrentPrincipal) -> Principal:
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
    Permission.MANAGE_KEYS: "manage API keys",
    Permission.MANAGE_WEBHOOKS: "manage webhooks",
}

Reader = Annotated[Principal, Depends(require(Permission.READ))]
DirectoryEditor = Annotated[Principal, Depends(require(Permission.EDIT_DIRECTORY))]
AssessmentEditor = Annotated[Principal, Depends(require(Permission.EDIT_ASSESSMENTS))]
AssessmentReopener = Annotated[Principal, Depends(require(Permission.REOPEN_ASSESSMENTS))]
KeyManager = Annotated[Principal, Depends(require(Permission.MANAGE_KEYS))]
WebhookManager = Annotated[Principal, Depends(require(Permission.MANAGE_WEBHOOKS))]
