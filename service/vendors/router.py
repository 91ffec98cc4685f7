"""Vendor endpoints."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Response, status

from service import bulk
from service.api_types import ExternalIdPath
from service.auth.dependencies import DirectoryEditor, Reader
from service.dependencies import DbSession
from service.openapi import errors
from service.pagination import Page, PageQuery
from service.routing import api_router
from service.tombstones import service as tombstones
from service.tombstones.params import Cascade, IncludeDeleted
from service.vendors import bulk as vendor_bulk
from service.vendors import service as vendor_service
from service.vendors.schemas import (
    VendorBulk,
    VendorBulkRead,
    VendorBulkResult,
    VendorCreate,
    VendorRead,
    VendorUpdate,
    VendorUpsert,
)

router = api_router("/api/v1/vendors", "Vendors")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=VendorRead,
    responses=errors(401, 403, 409, 422),
)
def create_vendor(
    body: VendorCreate, response: Response, session: DbSession, principal: DirectoryEditor
) -> VendorRead:
    """Create a vendor."""
    vendor = vendor_service.create_vendor(session, principal.organisation_id, body)
    response.headers["Location"] = f"/api/v1/vendors/{vendor.id}"
    return VendorRead.model_validate(vendor)


@router.post("/bulk", response_model=VendorBulkRead, responses=errors(401, 403, 409, 422))
def bulk_upsert_vendors(
    body: VendorBulk, session: DbSession, principal: DirectoryEditor
) -> VendorBulkRead:
    """Create or replace up to 500 vendors by CRM id in one transaction (all or nothing)."""
    done = vendor_bulk.upsert_vendors(session, principal.organisation_id, body.items)
    return VendorBulkRead(
        **bulk.counts([outcome for _, outcome in done]).model_dump(),
        items=[
            VendorBulkResult(**VendorRead.model_validate(v).__dict__, result=o) for v, o in done
        ],
    )


@router.get("", response_model=Page[VendorRead], responses=errors(401, 403, 422))
def list_vendors(
    session: DbSession,
    principal: Reader,
    page: PageQuery,
    external_id: Annotated[str | None, Query(description="Exact CRM id.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Part of the name.")] = None,
    include_deleted: IncludeDeleted = False,
) -> Page[VendorRead]:
    """List vendors, oldest change first, with cursor pagination (deleted ones in syncs)."""
    rows, next_cursor = vendor_service.list_vendors(
        session,
        principal.organisation_id,
        page,
        external_id=external_id,
        search=q,
        include_deleted=include_deleted,
    )
    return page.page([VendorRead.model_validate(r) for r in rows], next_cursor)


@router.put(
    "/by-external-id/{external_id:path}",
    response_model=VendorRead,
    responses={201: {"model": VendorRead, "description": "Created"}, **errors(401, 403, 409, 422)},
)
def upsert_vendor_by_external_id(
    external_id: ExternalIdPath,
    body: VendorUpsert,
    response: Response,
    session: DbSession,
    principal: DirectoryEditor,
) -> VendorRead:
    """Create (201) or replace (200) the vendor with this CRM id."""
    vendor, created = vendor_service.upsert_vendor(
        session, principal.organisation_id, external_id, body
    )
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    response.headers["Location"] = f"/api/v1/vendors/{vendor.id}"
    return VendorRead.model_validate(vendor)


@router.get(
    "/by-external-id/{external_id:path}", response_model=VendorRead, responses=errors(401, 403, 404)
)
def get_vendor_by_external_id(
    external_id: ExternalIdPath, session: DbSession, principal: Reader
) -> VendorRead:
    """Read the vendor with this CRM id."""
    return VendorRead.model_validate(
        vendor_service.get_by_external_id(session, principal.organisation_id, external_id)
    )


@router.get("/{vendor_id}", response_model=VendorRead, responses=errors(401, 403, 404))
def get_vendor(vendor_id: uuid.UUID, session: DbSession, principal: Reader) -> VendorRead:
    """Read one vendor."""
    return VendorRead.model_validate(
        vendor_service.get_vendor(session, principal.organisation_id, vendor_id)
    )


@router.patch("/{vendor_id}", response_model=VendorRead, responses=errors(401, 403, 404, 409, 422))
def update_vendor(
    vendor_id: uuid.UUID, body: VendorUpdate, session: DbSession, principal: DirectoryEditor
) -> VendorRead:
    """Change a vendor; fields not sent are left as they are."""
    vendor = vendor_service.get_vendor(session, principal.organisation_id, vendor_id)
    return VendorRead.model_validate(vendor_service.update_vendor(session, vendor, body))


@router.delete("/{vendor_id}", response_model=VendorRead, responses=errors(401, 403, 404, 409))
def delete_vendor(
    vendor_id: uuid.UUID, session: DbSession, principal: DirectoryEditor, cascade: Cascade = None
) -> VendorRead:
    """Delete a vendor (restorable for 30 days); 409 names its assessments unless cascaded."""
    vendor = vendor_service.get_vendor(
        session, principal.organisation_id, vendor_id, include_deleted=True
    )
    deleted = tombstones.delete_vendor(session, principal, vendor, cascade == "assessments")
    return VendorRead.model_validate(deleted)


@router.post(
    "/{vendor_id}/restore", response_model=VendorRead, responses=errors(401, 403, 404, 409, 410)
)
def restore_vendor(
    vendor_id: uuid.UUID, session: DbSession, principal: DirectoryEditor
) -> VendorRead:
    """Undo a delete within 30 days, with the assessments its cascade deleted."""
    vendor = vendor_service.get_vendor(
        session, principal.organisation_id, vendor_id, include_deleted=True
    )
    return VendorRead.model_validate(tombstones.restore_vendor(session, principal, vendor))
