"""API key management (admin) and the caller's own identity."""

from __future__ import annotations

import uuid

from fastapi import status

from service.auth import service as auth_service
from service.auth.dependencies import CurrentPrincipal, KeyManager
from service.auth.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead, Me
from service.dependencies import DbSession
from service.openapi import errors
from service.routing import api_router

router = api_router("/api/v1", "API keys")


@router.get("/me", response_model=Me, responses=errors(401))
def get_me(session: DbSession, principal: CurrentPrincipal) -> Me:
    """Who the API key belongs to and what role it has."""
    organisation = auth_service.get_organisation(session, principal.organisation_id)
    return Me(
        organisation_id=organisation.id,
        organisation_name=organisation.name,
        role=principal.role,
        actor=principal.label,
    )


@router.post(
    "/api-keys",
    status_code=status.HTTP_201_CREATED,
    response_model=ApiKeyCreated,
    responses=errors(401, 403, 422),
)
def create_api_key(body: ApiKeyCreate, session: DbSession, principal: KeyManager) -> ApiKeyCreated:
    """Create an API key; the response carries the key itself, once."""
    organisation = auth_service.get_organisation(session, principal.organisation_id)
    created = auth_service.create_key(session, organisation, body.role, body.name)
    return ApiKeyCreated.model_validate(
        {**ApiKeyRead.model_validate(created.key).model_dump(), "token": created.token}
    )


@router.get("/api-keys", response_model=list[ApiKeyRead], responses=errors(401, 403))
def list_api_keys(session: DbSession, principal: KeyManager) -> list[ApiKeyRead]:
    """List the organisation's API keys (never the keys themselves)."""
    keys = auth_service.list_keys(session, principal.organisation_id)
    return [ApiKeyRead.model_validate(key) for key in keys]


@router.delete("/api-keys/{key_id}", response_model=ApiKeyRead, responses=errors(401, 403, 404))
def revoke_api_key(key_id: uuid.UUID, session: DbSession, principal: KeyManager) -> ApiKeyRead:
    """Revoke an API key; it stops working at once. Revoking twice is harmless."""
    key = auth_service.get_key(session, principal.organisation_id, key_id)
    return ApiKeyRead.model_validate(auth_service.revoke_key(session, key))
