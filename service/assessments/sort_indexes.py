"""Indexes for the dashboard's sorts and counts, and for finding clients and vendors by name
(migrations 0016 and 0017). Each sort reads a keyset page as one range of an index; the
counts read one covering index and not the rows. Partial on current, not deleted
assessments: what the dashboard lists.

Declared here, next to the queries that need them (service/assessments/overview.py,
compare_choices.py), and imported by service/models.py so that Alembic sees them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Index, text

from service.assessments.models import Assessment
from service.clients.models import Client
from service.vendors.models import Vendor

LISTED = text("superseded_by_id IS NULL AND deleted_at IS NULL")
NOT_DELETED = text("deleted_at IS NULL")


def _listed(name: str, *columns: Any) -> Index:
    return Index(name, *columns, sqlite_where=LISTED, postgresql_where=LISTED)


def _named(name: str, *columns: Any) -> Index:
    return Index(name, *columns, sqlite_where=NOT_DELETED, postgresql_where=NOT_DELETED)


INDEXES = (
    _listed(
        "ix_assessments_listed_title", Assessment.organisation_id, Assessment.title, Assessment.id
    ),
    _listed(
        "ix_assessments_listed_status", Assessment.organisation_id, Assessment.status, Assessment.id
    ),
    _listed(
        "ix_assessments_listed_due", Assessment.organisation_id, Assessment.due_on, Assessment.id
    ),
    _listed(
        "ix_assessments_listed_counts",
        Assessment.organisation_id,
        Assessment.status,
        Assessment.due_on,
        Assessment.latest_score_id,
    ),
    _listed(
        "ix_assessments_listed_currency",
        Assessment.organisation_id,
        Assessment.latest_technical_currency,
        Assessment.id,
    ),
    _listed(
        "ix_assessments_listed_risk",
        Assessment.organisation_id,
        Assessment.latest_integration_risk,
        Assessment.id,
    ),
    _named("ix_vendors_name", Vendor.organisation_id, Vendor.name, Vendor.id),
    _named("ix_clients_name", Client.organisation_id, Client.name, Client.id),
)
