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
from service.representation_etags import IfMatchHeader, etag_of, parse_if_match, require_current_row
from service.routing import api_router
from service.tombstones import service as tombstones
from service.tombstones.params import Cascade, IncludeDeleted
from service.vendors import bulk as vendor_bulk
from service.vendors import service as vendor_service
from service.vendors.models import Vendor
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
    return _tagged(response, vendor)


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
    responses={
        201: {"model": VendorRead, "description": "Created"},
        **errors(401, 403, 409, 412, 422),
    },
)
def upsert_vendor_by_external_id(
    external_id: ExternalIdPath,
    body: VendorUpsert,
    response: Response,
    session: DbSession,
    principal: DirectoryEditor,
    if_match: IfMatchHeader = None,
) -> VendorRead:
    """Create (201) or replace (200) the vendor with this CRM id; If-Match guards a replace."""
    expected = parse_if_match(if_match)
    if expected is not None:
        existing = vendor_service.find_by_external_id(
            session, principal.organisation_id, external_id
        )
        require_current_row(session, existing, expected, "vendor", VendorRead.model_validate)
    vendor, created = vendor_service.upsert_vendor(
        session, principal.organisation_id, external_id, body
    )
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    response.headers["Location"] = f"/api/v1/vendors/{vendor.id}"
    return _tagged(response, vendor)


@router.get(
    "/by-external-id/{external_id:path}", response_model=VendorRead, responses=errors(401, 403, 404)
)
def get_vendor_by_external_id(
    external_id: ExternalIdPath, response: Response, session: DbSession, principal: Reader
) -> VendorRead:
    """Read the vendor with this CRM id; the ETag header identifies this version of it."""
    vendor = vendor_service.get_by_external_id(session, principal.organisation_id, external_id)
    return _tagged(response, vendor)


@router.get("/{vendor_id}", response_model=VendorRead, responses=errors(401, 403, 404))
def get_vendor(
    vendor_id: uuid.UUID, response: Response, session: DbSession, principal: Reader
) -> VendorRead:
    """Read one vendor; the ETag header identifies this version of it."""
    vendor = vendor_service.get_vendor(session, principal.organisation_id, vendor_id)
    return _tagged(response, vendor)


@router.patch(
    "/{vendor_id}", response_model=VendorRead, responses=errors(401, 403, 404, 409, 412, 422)
)
def update_vendor(
    vendor_id: uuid.UUID,
    body: VendorUpdate,
    response: Response,
    session: DbSession,
    principal: DirectoryEditor,
    if_match: IfMatchHeader = None,
) -> VendorRead:
    """Change a vendor; fields not sent are left as they are. If-Match guards against overwriting
    a change made since you read it (412)."""
    vendor = vendor_service.get_vendor(session, principal.organisation_id, vendor_id)
    require_current_row(
        session, vendor, parse_if_match(if_match), "vendor", VendorRead.model_validate
    )
    return _tagged(response, vendor_service.update_vendor(session, vendor, body))


def _tagged(response: Response, vendor: Vendor) -> VendorRead:
    read = VendorRead.model_validate(vendor)
    response.headers["ETag"] = etag_of(read)
    return read


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
