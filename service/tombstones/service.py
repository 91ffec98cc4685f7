"""Deleting and restoring vendors, clients and assessments (soft deletion).

A delete sets `deleted_at` and records the `.deleted` event in the same transaction; the row
stays as a tombstone that `include_deleted=true` lists and incremental syncs (`updated_since`)
return with `deleted: true`. A vendor or client with live assessments is refused (409 naming
them) unless the caller asks for the cascade; the assessments a cascade deleted carry the very
same `deleted_at`, so restoring their vendor or client restores exactly them. Restoring is
possible for `RESTORE_WINDOW` (30 days) after the delete.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from service.assessments import history as assessment_history
from service.assessments import service as assessment_service
from service.assessments.models import Assessment, HistoryKind
from service.auth.principal import Principal
from service.clients.models import Client
from service.db import utcnow
from service.errors import Conflict, Gone
from service.tombstones.rules import RESTORE_WINDOW
from service.vendors.models import Vendor
from service.webhooks import notify
from service.webhooks.events import EventType

LISTED_DEPENDANTS = 20


def delete_vendor(session: Session, principal: Principal, vendor: Vendor, cascade: bool) -> Vendor:
    """Idempotent: deleting a tombstone again changes nothing and sends no event."""
    if _lock(session, vendor) is not None:
        return vendor
    now = utcnow()
    _delete_dependants(
        session, principal, "vendor", Assessment.vendor_id == vendor.id, cascade, now
    )
    vendor.deleted_at = now
    session.flush()
    notify.vendor_changed(session, vendor, EventType.VENDOR_DELETED)
    return vendor


def delete_client(session: Session, principal: Principal, client: Client, cascade: bool) -> Client:
    if _lock(session, client) is not None:
        return client
    now = utcnow()
    _delete_dependants(
        session, principal, "client", Assessment.client_id == client.id, cascade, now
    )
    client.deleted_at = now
    session.flush()
    notify.client_changed(session, client, EventType.CLIENT_DELETED)
    return client


def delete_assessment(
    session: Session,
    principal: Principal,
    assessment: Assessment,
    expected: frozenset[int] | None,
    now: datetime | None = None,
) -> Assessment:
    if assessment.deleted_at is not None:
        return assessment
    assessment_service.check_revision(assessment, expected)
    assessment.deleted_at = now or utcnow()
    assessment_history.record_history(session, assessment, principal, HistoryKind.DELETED)
    session.flush()
    notify.assessment_changed(session, assessment, EventType.ASSESSMENT_DELETED)
    return assessment


def restore_vendor(session: Session, principal: Principal, vendor: Vendor) -> Vendor:
    deleted_at = _restorable(vendor, "vendor")
    vendor.deleted_at = None
    session.flush()
    notify.vendor_changed(session, vendor, EventType.VENDOR_UPDATED)
    _restore_cascaded(session, principal, Assessment.vendor_id == vendor.id, deleted_at)
    return vendor


def restore_client(session: Session, principal: Principal, client: Client) -> Client:
    deleted_at = _restorable(client, "client")
    client.deleted_at = None
    session.flush()
    notify.client_changed(session, client, EventType.CLIENT_UPDATED)
    _restore_cascaded(session, principal, Assessment.client_id == client.id, deleted_at)
    return client


def restore_assessment(
    session: Session, principal: Principal, assessment: Assessment
) -> Assessment:
    _restorable(assessment, "assessment")
    gone = [p for p in (assessment.vendor, assessment.client) if p.deleted_at is not None]
    if gone:
        noun = "vendor" if isinstance(gone[0], Vendor) else "client"
        raise Conflict(
            f"The assessment's {noun} {gone[0].id} is deleted: restore it first "
            f"(POST /api/v1/{noun}s/{gone[0].id}/restore), which also restores the "
            "assessments deleted with it."
        )
    _restore(session, principal, assessment)
    return assessment


def _lock(session: Session, row: Vendor | Client) -> datetime | None:
    """Lock the row (an assessment being created for it waits, then sees the tombstone) and
    read its deletion time afresh: a concurrent delete may have committed meanwhile."""
    model = type(row)
    row.deleted_at = session.scalar(
        select(model.deleted_at).where(model.id == row.id).with_for_update()
    )
    return row.deleted_at


def _restorable(row: Vendor | Client | Assessment, noun: str) -> datetime:
    if row.deleted_at is None:
        raise Conflict(f"The {noun} {row.id} is not deleted; there is nothing to restore.")
    if utcnow() - row.deleted_at > RESTORE_WINDOW:
        raise Gone(
            f"The {noun} {row.id} was deleted on {row.deleted_at.date().isoformat()}, more "
            f"than {RESTORE_WINDOW.days} days ago: it can no longer be restored."
        )
    return row.deleted_at


def _restore(session: Session, principal: Principal, assessment: Assessment) -> None:
    assessment.deleted_at = None
    assessment_history.record_history(session, assessment, principal, HistoryKind.RESTORED)
    session.flush()
    notify.assessment_changed(session, assessment, EventType.ASSESSMENT_RESTORED)


def _delete_dependants(
    session: Session, principal: Principal, noun: str, owned: Any, cascade: bool, now: datetime
) -> None:
    """Refuse while live assessments depend on the row, or delete them with it (`cascade`)."""
    dependants = _assessments(session, owned, Assessment.deleted_at.is_(None))
    if dependants and not cascade:
        raise _has_dependants(noun, dependants)
    for assessment in dependants:
        delete_assessment(session, principal, assessment, None, now)


def _restore_cascaded(
    session: Session, principal: Principal, owned: Any, deleted_at: datetime
) -> None:
    """The assessments deleted by the same cascade (same instant), whose other party lives."""
    for assessment in _assessments(session, owned, Assessment.deleted_at == deleted_at):
        if assessment.vendor.deleted_at is None and assessment.client.deleted_at is None:
            _restore(session, principal, assessment)


def _assessments(session: Session, *conditions: Any) -> Sequence[Assessment]:
    query = (
        select(Assessment)
        .where(*conditions)
        .options(selectinload(Assessment.vendor), selectinload(Assessment.client))
        .order_by(Assessment.created_at, Assessment.id)
        .with_for_update(of=Assessment)
    )
    return session.scalars(query).all()


def _has_dependants(noun: str, dependants: Sequence[Assessment]) -> Conflict:
    count = len(dependants)
    shown = dependants[:LISTED_DEPENDANTS]
    names = ", ".join(f"'{a.title}' ({a.id})" for a in shown[:3])
    more = f" and {count - 3} more" if count > 3 else ""
    return Conflict(
        f"This {noun} has {count} assessment{'s' if count > 1 else ''} that would be left "
        f"without it: {names}{more}. Delete them first, or send "
        f"cascade=assessments to delete them with the {noun} (restoring the {noun} restores "
        "them too).",
        errors=[
            {"field": "query.cascade", "message": f"assessment {a.id} ('{a.title}') depends on it"}
            for a in shown
        ],
    )
