"""The comparison pages' queries: clients with how many scored vendors each has (one GROUP BY
for a page of clients), a client's scored assessments with names and scores only (to choose
from), and the chosen few loaded in full.

What counts as comparable is what `service.assessments.service.scored_for_client` returns
(current versions, scored, not being answered, not deleted); these queries read the same rows
without loading every relation of every one.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, selectinload, undefer_group

from service.assessments.keyset import AnySelect, Cursor, Key, Order, Window, window
from service.assessments.models import EDITABLE, Assessment
from service.clients.models import Client
from service.pagination import contains
from service.reporting.selection import MAX_COMPARED
from service.scores.models import DETAIL, ScoreRecord
from service.vendors.models import Vendor

CLIENTS_PAGE = 50
CLIENT_ORDER = Order(Client.name, Client.id, "text")
CLIENT_SORT = "name"


def comparable(organisation_id: uuid.UUID) -> list[ColumnElement[bool]]:
    return [
        Assessment.organisation_id == organisation_id,
        Assessment.latest_score_id.is_not(None),
        Assessment.status.not_in(EDITABLE),
        Assessment.superseded_by_id.is_(None),
        Assessment.deleted_at.is_(None),
    ]


@dataclass(frozen=True)
class ClientRow:
    id: uuid.UUID
    name: str
    vendors: int = 0
    """Vendors with a scored current assessment for this client."""


def clients_page(
    session: Session, organisation_id: uuid.UUID, search: str, cursor: Cursor | None
) -> Window:
    """A page of clients by name (whose name contains `search`), each with its vendor count."""
    query: AnySelect = select(Client.id, Client.name).where(
        Client.organisation_id == organisation_id, Client.deleted_at.is_(None)
    )
    if search:
        query = query.where(contains(Client.name, search))
    rows = [ClientRow(*r) for r in CLIENT_ORDER.fetch(session, query, cursor, CLIENTS_PAGE + 1)]
    found = window(rows, cursor, CLIENTS_PAGE, lambda r: Key(r.name, r.id), CLIENT_SORT)
    counts = vendor_counts(session, organisation_id, [r.id for r in found.rows])
    rows = [ClientRow(r.id, r.name, counts.get(r.id, 0)) for r in found.rows]
    return Window(rows, found.previous, found.next)


def vendor_counts(
    session: Session, organisation_id: uuid.UUID, client_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Scored vendors per client, for these clients: one GROUP BY query."""
    if not client_ids:
        return {}
    query = (
        select(Assessment.client_id, func.count(Assessment.vendor_id.distinct()))
        .where(*comparable(organisation_id), Assessment.client_id.in_(client_ids))
        .group_by(Assessment.client_id)
    )
    return dict(session.execute(query).all())


@dataclass(frozen=True)
class Choice:
    """One scored assessment a comparison could show: names and scores only."""

    id: uuid.UUID
    title: str
    vendor_id: uuid.UUID
    vendor_name: str
    submitted_at: datetime | None
    created_at: datetime
    technical_currency: int
    currency_band: str
    integration_risk: int
    risk_band: str
    recommendation: str

    @property
    def when(self) -> tuple[datetime, str]:
        return (self.submitted_at or self.created_at, str(self.id))


def choices(session: Session, organisation_id: uuid.UUID, client_id: uuid.UUID) -> list[Choice]:
    """The client's scored assessments, vendors by name, each vendor's latest first."""
    query = (
        select(
            Assessment.id,
            Assessment.title,
            Assessment.vendor_id,
            Vendor.name,
            Assessment.submitted_at,
            Assessment.created_at,
            ScoreRecord.technical_currency,
            ScoreRecord.currency_band,
            ScoreRecord.integration_risk,
            ScoreRecord.risk_band,
            ScoreRecord.recommendation,
        )
        .join(Vendor, Vendor.id == Assessment.vendor_id)
        .join(ScoreRecord, ScoreRecord.id == Assessment.latest_score_id)
        .where(*comparable(organisation_id), Assessment.client_id == client_id)
    )
    found = [Choice(*row) for row in session.execute(query)]
    latest_first = sorted(found, key=lambda c: c.when, reverse=True)
    return sorted(latest_first, key=lambda c: c.vendor_name.casefold())


def default_choice(found: Sequence[Choice]) -> list[uuid.UUID]:
    """The latest scored assessment of each vendor, most recent first, at most MAX_COMPARED
    (the rule of `service.reporting.selection.default_selection`, on these light rows)."""
    latest: dict[uuid.UUID, Choice] = {}
    for choice in sorted(found, key=lambda c: c.when, reverse=True):
        latest.setdefault(choice.vendor_id, choice)
    return [c.id for c in list(latest.values())[:MAX_COMPARED]]


def vendors_available(found: Sequence[Choice]) -> int:
    return len({c.vendor_id for c in found})


def compared(
    session: Session, organisation_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> list[Assessment]:
    """The chosen assessments with their vendor's name and questionnaire (for the columns)."""
    query = (
        select(Assessment)
        .options(
            selectinload(Assessment.vendor).load_only(Vendor.name),
            selectinload(Assessment.questionnaire),
        )
        .where(*comparable(organisation_id), Assessment.id.in_(ids))
    )
    return list(session.scalars(query))


def latest_scores(session: Session, chosen: Sequence[Assessment]) -> dict[uuid.UUID, ScoreRecord]:
    """The latest score of each chosen assessment, by score id, with its details and the rows
    naming its inputs: one query for all (and one per kind of input), not a set per column."""
    ids = [a.latest_score_id for a in chosen if a.latest_score_id is not None]
    query = (
        select(ScoreRecord)
        .options(
            undefer_group(DETAIL),
            selectinload(ScoreRecord.questionnaire),
            selectinload(ScoreRecord.environment_questionnaire),
            selectinload(ScoreRecord.rule_pack),
            selectinload(ScoreRecord.knowledge),
        )
        .where(ScoreRecord.id.in_(ids))
    )
    return {record.id: record for record in session.scalars(query)}
