"""Client endpoints."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Response, status

from service.api_types import ExternalIdPath
from service.auth.dependencies import DirectoryEditor, Reader
from service.clients import service as client_service
from service.clients.schemas import ClientCreate, ClientRead, ClientUpdate, ClientUpsert
from service.dependencies import CatalogDep, DbSession
from service.openapi import errors
from service.pagination import Page, PageQuery
from service.routing import api_router

router = api_router("/api/v1/clients", "Clients")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ClientRead,
    responses=errors(401, 403, 409, 422),
)
def create_client(
    body: ClientCreate,
    response: Response,
    session: DbSession,
    catalog: CatalogDep,
    principal: DirectoryEditor,
) -> ClientRead:
    """Create a client, optionally with its environment profile."""
    client = client_service.create_client(session, catalog, principal.organisation_id, body)
    response.headers["Location"] = f"/api/v1/clients/{client.id}"
    return client_service.to_read(client)


@router.get("", response_model=Page[ClientRead], responses=errors(401, 403, 422))
def list_clients(
    session: DbSession,
    principal: Reader,
    page: PageQuery,
    external_id: Annotated[str | None, Query(description="Exact CRM id.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Part of the name.")] = None,
) -> Page[ClientRead]:
    """List clients, oldest change first, with cursor pagination."""
    rows, next_cursor = client_service.list_clients(
        session, principal.organisation_id, page, external_id=external_id, search=q
    )
    return page.page([client_service.to_read(r) for r in rows], next_cursor)


@router.put(
    "/by-external-id/{external_id:path}",
    response_model=ClientRead,
    responses={201: {"model": ClientRead, "description": "Created"}, **errors(401, 403, 422)},
)
def upsert_client_by_external_id(
    external_id: ExternalIdPath,
    body: ClientUpsert,
    response: Response,
    session: DbSession,
    catalog: CatalogDep,
    principal: DirectoryEditor,
) -> ClientRead:
    """Create (201) or replace (200) the client with this CRM id, environment included."""
    client, created = client_service.upsert_client(
        session, catalog, principal.organisation_id, external_id, body
    )
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    response.headers["Location"] = f"/api/v1/clients/{client.id}"
    return client_service.to_read(client)


@router.get(
    "/by-external-id/{external_id:path}", response_model=ClientRead, responses=errors(401, 403, 404)
)
def get_client_by_external_id(
    external_id: ExternalIdPath, session: DbSession, principal: Reader
) -> ClientRead:
    """Read the client with this CRM id."""
    return client_service.to_read(
        client_service.get_by_external_id(session, principal.organisation_id, external_id)
    )


@router.get("/{client_id}", response_model=ClientRead, responses=errors(401, 403, 404))
def get_client(client_id: uuid.UUID, session: DbSession, principal: Reader) -> ClientRead:
    """Read one client and its environment profile."""
    return client_service.to_read(
        client_service.get_client(session, principal.organisation_id, client_id)
    )


@router.patch("/{client_id}", response_model=ClientRead, responses=errors(401, 403, 404, 409, 422))
def update_client(
    client_id: uuid.UUID,
    body: ClientUpdate,
    session: DbSession,
    catalog: CatalogDep,
    principal: DirectoryEditor,
) -> ClientRead:
    """Change a client; environment answers are merged and null clears one."""
    client = client_service.get_client(session, principal.organisation_id, client_id)
    updated = client_service.update_client(session, catalog, client, body)
    return client_service.to_read(updated)
