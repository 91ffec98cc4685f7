"""Bulk upsert of vendors by external id: one request, one transaction, all or nothing.

Reads every existing vendor of the batch in one query and the organisation's webhook
endpoints once, then writes in one flush: the cost per vendor is a row and its event, not a
request, an authentication and a transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import bulk
from service.errors import Conflict
from service.vendors.models import Vendor
from service.vendors.schemas import VendorBulkItem
from service.webhooks import notify
from service.webhooks.events import EventType
from service.webhooks.service import active_endpoints


def upsert_vendors(
    session: Session, organisation_id: uuid.UUID, items: Sequence[VendorBulkItem]
) -> list[tuple[Vendor, bulk.Outcome]]:
    bulk.refuse_duplicates(items)
    existing = _existing(session, organisation_id, [i.external_id for i in items])
    _refuse_tombstones(items, existing)
    done: list[tuple[Vendor, bulk.Outcome]] = []
    for item in items:
        vendor = existing.get(item.external_id)
        if vendor is None:
            vendor = Vendor(organisation_id=organisation_id, **item.model_dump())
            session.add(vendor)
            done.append((vendor, "created"))
            continue
        for field, value in item.model_dump(exclude={"external_id"}).items():
            setattr(vendor, field, value)
        done.append((vendor, "updated" if session.is_modified(vendor) else "unchanged"))
    session.flush()
    endpoints = active_endpoints(session, organisation_id)
    for vendor, outcome in done:
        if outcome != "unchanged":
            kind = EventType.VENDOR_CREATED if outcome == "created" else EventType.VENDOR_UPDATED
            notify.vendor_changed(session, vendor, kind, endpoints)
    session.flush()
    return done


def _existing(
    session: Session, organisation_id: uuid.UUID, external_ids: list[str]
) -> dict[str, Vendor]:
    query = select(Vendor).where(
        Vendor.organisation_id == organisation_id, Vendor.external_id.in_(external_ids)
    )
    return {v.external_id: v for v in session.scalars(query) if v.external_id is not None}


def _refuse_tombstones(items: Sequence[VendorBulkItem], existing: dict[str, Vendor]) -> None:
    errors = [
        {
            "field": f"body.items.{index}.external_id",
            "message": f"belongs to vendor {found.id}, deleted; restore it or use another id",
        }
        for index, item in enumerate(items)
        if (found := existing.get(item.external_id)) is not None and found.deleted_at is not None
    ]
    if errors:
        raise Conflict(
            f"{len(errors)} item(s) name deleted vendors; nothing was written. Restore them "
            "(POST /api/v1/vendors/{id}/restore) or send other external ids.",
            errors=errors,
        )
