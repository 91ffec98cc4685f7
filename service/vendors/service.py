"""Vendor records: create, read, list, change."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import external_ids
from service.errors import Conflict, NotFound
from service.pagination import PageParams, contains, fetch_page
from service.tombstones.rules import deleted_detail, live_or_gone, visible
from service.vendors.models import Vendor
from service.vendors.schemas import VendorCreate, VendorUpdate, VendorUpsert
from service.webhooks import notify
from service.webhooks.events import EventType


def create_vendor(session: Session, organisation_id: uuid.UUID, data: VendorCreate) -> Vendor:
    external_ids.ensure_free(session, Vendor, organisation_id, data.external_id)
    vendor = Vendor(organisation_id=organisation_id, **data.model_dump())
    session.add(vendor)
    session.flush()
    notify.vendor_changed(session, vendor, EventType.VENDOR_CREATED)
    return vendor


def upsert_vendor(
    session: Session, organisation_id: uuid.UUID, external_id: str, data: VendorUpsert
) -> tuple[Vendor, bool]:
    """Create or replace the vendor with this CRM id; says whether it was created."""
    vendor = find_by_external_id(session, organisation_id, external_id)
    if vendor is None:
        create = VendorCreate(**data.model_dump(), external_id=external_id)
        return create_vendor(session, organisation_id, create), True
    refuse_tombstone(vendor)
    for field, value in data.model_dump().items():
        setattr(vendor, field, value)
    _changed(session, vendor)
    return vendor, False


def refuse_tombstone(vendor: Vendor) -> None:
    """A CRM id whose vendor was deleted is not silently brought back by an upsert."""
    if vendor.deleted_at is not None:
        raise Conflict(
            deleted_detail("vendor", vendor.id, vendor.deleted_at)
            + " Restore it first to keep its history, or use another external_id.",
            errors=[{"field": "path.external_id", "message": "belongs to a deleted vendor"}],
        )


def _changed(session: Session, vendor: Vendor) -> None:
    """Flush, and tell the CRM when something really changed (a same-value PUT is silent)."""
    if session.is_modified(vendor):
        session.flush()
        notify.vendor_changed(session, vendor, EventType.VENDOR_UPDATED)


def find_by_external_id(
    session: Session, organisation_id: uuid.UUID, external_id: str
) -> Vendor | None:
    query = select(Vendor).where(
        Vendor.organisation_id == organisation_id, Vendor.external_id == external_id
    )
    return session.scalar(query)


def get_by_external_id(session: Session, organisation_id: uuid.UUID, external_id: str) -> Vendor:
    vendor = find_by_external_id(session, organisation_id, external_id)
    if vendor is None:
        raise NotFound(f"There is no vendor with external_id '{external_id}'.")
    found: Vendor = live_or_gone(vendor, "vendor", vendor.id)
    return found


def get_vendor(
    session: Session,
    organisation_id: uuid.UUID,
    vendor_id: uuid.UUID,
    *,
    include_deleted: bool = False,
) -> Vendor:
    vendor = session.get(Vendor, vendor_id)
    if vendor is not None and vendor.organisation_id != organisation_id:
        vendor = None
    found: Vendor = live_or_gone(vendor, "vendor", vendor_id, include_deleted)
    return found


def update_vendor(session: Session, vendor: Vendor, data: VendorUpdate) -> Vendor:
    changes = data.model_dump(exclude_unset=True)
    if "external_id" in changes:
        external_ids.ensure_free(
            session, Vendor, vendor.organisation_id, changes["external_id"], current_id=vendor.id
        )
    for field, value in changes.items():
        setattr(vendor, field, value)
    _changed(session, vendor)
    return vendor


def list_vendors(
    session: Session,
    organisation_id: uuid.UUID,
    page: PageParams,
    *,
    external_id: str | None = None,
    search: str | None = None,
    include_deleted: bool = False,
) -> tuple[Sequence[Vendor], str | None]:
    """Tombstones are included with `include_deleted`, and in incremental syncs."""
    query = select(Vendor).where(Vendor.organisation_id == organisation_id)
    syncing = page.updated_since is not None
    query = visible(query, Vendor, include_deleted=include_deleted, syncing=syncing)
    if external_id is not None:
        query = query.where(Vendor.external_id == external_id)
    if search:
        query = query.where(contains(Vendor.name, search))
    return fetch_page(session, query, Vendor.updated_at, Vendor.id, page)
