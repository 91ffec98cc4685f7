"""Client endpoints."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Response, status

from service import bulk
from service.api_types import ExternalIdPath
from service.auth.dependencies import DirectoryEditor, Reader
from service.clients import bulk as client_bulk
from service.clients import service as client_service
from service.clients.models import Client
from service.clients.schemas import (
    ClientBulk,
    ClientBulkRead,
    ClientBulkResult,
    ClientCreate,
    ClientRead,
    ClientUpdate,
    ClientUpsert,
)
from service.dependencies import CatalogDep, DbSession
from service.openapi import errors
from service.pagination import Page, PageQuery
from service.representation_etags import IfMatchHeader, etag_of, parse_if_match, require_current_row
from service.routing import api_router
from service.tombstones import service as tombstones
from service.tombstones.params import Cascade, IncludeDeleted

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
    return _tagged(response, client)


@router.post("/bulk", response_model=ClientBulkRead, responses=errors(401, 403, 409, 422))
def bulk_upsert_clients(
    body: ClientBulk, session: DbSession, catalog: CatalogDep, principal: DirectoryEditor
) -> ClientBulkRead:
    """Create or replace up to 500 clients by CRM id in one transaction (all or nothing)."""
    done = client_bulk.upsert_clients(session, catalog, principal.organisation_id, body.items)
    return ClientBulkRead(
        **bulk.counts([outcome for _, outcome in done]).model_dump(),
        items=[ClientBulkResult(**client_service.to_read(c).__dict__, result=o) for c, o in done],
    )


@router.get("", response_model=Page[ClientRead], responses=errors(401, 403, 422))
def list_clients(
    session: DbSession,
    principal: Reader,
    page: PageQuery,
    external_id: Annotated[str | None, Query(description="Exact CRM id.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Part of the name.")] = None,
    include_deleted: IncludeDeleted = False,
) -> Page[ClientRead]:
    """List clients, oldest change first, with cursor pagination (deleted ones in syncs)."""
    rows, next_cursor = client_service.list_clients(
        session,
        principal.organisation_id,
        page,
        external_id=external_id,
        search=q,
        include_deleted=include_deleted,
    )
    return page.page([client_service.to_read(r) for r in rows], next_cursor)


@router.put(
    "/by-external-id/{external_id:path}",
    response_model=ClientRead,
    responses={
        201: {"model": ClientRead, "description": "Created"},
        **errors(401, 403, 409, 412, 422),
    },
)
def upsert_client_by_external_id(
    external_id: ExternalIdPath,
    body: ClientUpsert,
    response: Response,
    session: DbSession,
    catalog: CatalogDep,
    principal: DirectoryEditor,
    if_match: IfMatchHeader = None,
) -> ClientRead:
    """Create (201) or replace (200) the client with this CRM id, environment included;
    If-Match guards a replace."""
    expected = parse_if_match(if_match)
    if expected is not None:
        existing = client_service.find_by_external_id(
            session, principal.organisation_id, external_id
        )
        require_current_row(session, existing, expected, "client", client_service.to_read)
    client, created = client_service.upsert_client(
        session, catalog, principal.organisation_id, external_id, body
    )
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    response.headers["Location"] = f"/api/v1/clients/{client.id}"
    return _tagged(response, client)


@router.get(
    "/by-external-id/{external_id:path}", response_model=ClientRead, responses=errors(401, 403, 404)
)
def get_client_by_external_id(
    external_id: ExternalIdPath, response: Response, session: DbSession, principal: Reader
) -> ClientRead:
    """Read the client with this CRM id; the ETag header identifies this version of it."""
    client = client_service.get_by_external_id(session, principal.organisation_id, external_id)
    return _tagged(response, client)


@router.get("/{client_id}", response_model=ClientRead, responses=errors(401, 403, 404))
def get_client(
    client_id: uuid.UUID, response: Response, session: DbSession, principal: Reader
) -> ClientRead:
    """Read one client and its environment profile; the ETag header identifies this version."""
    client = client_service.get_client(session, principal.organisation_id, client_id)
    return _tagged(response, client)


@router.patch(
    "/{client_id}", response_model=ClientRead, responses=errors(401, 403, 404, 409, 412, 422)
)
def update_client(
    client_id: uuid.UUID,
    body: ClientUpdate,
    response: Response,
    session: DbSession,
    catalog: CatalogDep,
    principal: DirectoryEditor,
    if_match: IfMatchHeader = None,
) -> ClientRead:
    """Change a client; environment answers are merged and null clears one. If-Match guards
    against overwriting a change made since you read it (412)."""
    client = client_service.get_client(session, principal.organisation_id, client_id)
    require_current_row(session, client, parse_if_match(if_match), "client", client_service.to_read)
    updated = client_service.update_client(session, catalog, client, body)
    return _tagged(response, updated)


def _tagged(response: Response, client: Client) -> ClientRead:
    read = client_service.to_read(client)
    response.headers["ETag"] = etag_of(read)
    return read


@router.delete("/{client_id}", response_model=ClientRead, responses=errors(401, 403, 404, 409))
def delete_client(
    client_id: uuid.UUID, session: DbSession, principal: DirectoryEditor, cascade: Cascade = None
) -> ClientRead:
    """Delete a client (restorable for 30 days); 409 names its assessments unless cascaded."""
    client = client_service.get_client(
        session, principal.organisation_id, client_id, include_deleted=True
    )
    deleted = tombstones.delete_client(session, principal, client, cascade == "assessments")
    return client_service.to_read(deleted)


@router.post(
    "/{client_id}/restore", response_model=ClientRead, responses=errors(401, 403, 404, 409, 410)
)
def restore_client(
    client_id: uuid.UUID, session: DbSession, principal: DirectoryEditor
) -> ClientRead:
    """Undo a delete within 30 days, with the assessments its cascade deleted."""
    client = client_service.get_client(
        session, principal.organisation_id, client_id, include_deleted=True
    )
    return client_service.to_read(tombstones.restore_client(session, principal, client))
