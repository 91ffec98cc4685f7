"""The dashboard's queries: one keyset page of 50 rows, the counts by SQL aggregates, and the
client and vendor names the filters take.

A row selects only what the dashboard shows (title, vendor and client names, status, due date,
change time, version, the latest score's two scores, bands and recommendation), never the
answers, the questionnaire definition or the score's details; drafts on the page get their
percentage answered from the stored progress counts (migration 0015) in one small query.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from service.assessments.keyset import AnySelect, Cursor, Key, Order, Window, window
from service.assessments.models import Assessment, AssessmentStatus
from service.clients.models import Client
from service.pagination import contains
from service.questionnaires.answers import Progress
from service.scores.models import ScoreRecord
from service.vendors.models import Vendor

PAGE_SIZE = 50
ANSWERING = (AssessmentStatus.DRAFT, AssessmentStatus.CHANGES_REQUESTED)
"""States in which the respondent still owes answers, so a due date matters."""
TO_REVIEW = (AssessmentStatus.SUBMITTED, AssessmentStatus.IN_REVIEW)
DUE_SOON = timedelta(days=7)


class Sort(StrEnum):
    UPDATED = "updated"
    TITLE = "title"
    VENDOR = "vendor"
    CLIENT = "client"
    STATUS = "status"
    DUE = "due"
    CURRENCY = "currency"
    RISK = "risk"


NEWEST_FIRST = frozenset({Sort.UPDATED, Sort.CURRENCY, Sort.RISK})
"""Sorts whose first click shows the largest value first: the latest change, the most current
stack, the highest integration risk. Unscored assessments come last either way.

The scores are sorted by their copies on the assessment row (migration 0017): ordering by a
column of the joined score record would sort every assessment (430 ms at 100,000)."""


def order_for(sort: Sort, descending: bool) -> Order:
    column, kind, nullable = _SORT_COLUMNS[sort]
    return Order(column, Assessment.id, kind, descending=descending, nullable=nullable)


_SORT_COLUMNS: dict[Sort, tuple[Any, Any, bool]] = {
    Sort.UPDATED: (Assessment.updated_at, "datetime", False),
    Sort.TITLE: (Assessment.title, "text", False),
    Sort.VENDOR: (Vendor.name, "text", False),
    Sort.CLIENT: (Client.name, "text", False),
    Sort.STATUS: (Assessment.status, "text", False),
    Sort.DUE: (Assessment.due_on, "date", True),
    Sort.CURRENCY: (Assessment.latest_technical_currency, "int", True),
    Sort.RISK: (Assessment.latest_integration_risk, "int", True),
}


@dataclass(frozen=True)
class Criteria:
    """Which assessments the dashboard shows; `nothing` when a filter names no one."""

    q: str = ""
    status: AssessmentStatus | None = None
    client_id: uuid.UUID | None = None
    vendor_id: uuid.UUID | None = None
    nothing: bool = False
    titled: tuple[uuid.UUID, ...] | None = None
    """The ids `q` found (`searched`), when few enough; then they stand for the title search."""


@dataclass(frozen=True)
class Row:
    id: uuid.UUID
    title: str
    vendor_name: str
    client_name: str
    status: AssessmentStatus
    due_on: date | None
    updated_at: datetime
    version: int
    technical_currency: int | None
    currency_band: str | None
    integration_risk: int | None
    risk_band: str | None
    recommendation: str | None
    percent: int | None = None
    """How much of a draft is answered."""


_ROW_COLUMNS = (
    Assessment.id,
    Assessment.title,
    Vendor.name,
    Client.name,
    Assessment.status,
    Assessment.due_on,
    Assessment.updated_at,
    Assessment.version,
    Assessment.latest_technical_currency,
    ScoreRecord.currency_band,
    Assessment.latest_integration_risk,
    ScoreRecord.risk_band,
    ScoreRecord.recommendation,
)


def page_of(
    session: Session,
    organisation_id: uuid.UUID,
    criteria: Criteria,
    sort: Sort,
    descending: bool,
    cursor: Cursor | None,
) -> Window:
    """One page of at most PAGE_SIZE rows from `cursor`, with the neighbouring pages' links."""
    order = order_for(sort, descending)
    query = _filtered(select(*_ROW_COLUMNS), organisation_id, criteria)
    party = _BANDED.get(sort)
    if party is None:
        found_rows = order.fetch(session, query, cursor, PAGE_SIZE + 1)
    else:
        found_rows = _by_name_bands(session, organisation_id, query, order, cursor, party)
    rows = [Row(*r) for r in found_rows]

    def key_of(row: Row) -> Key:
        return Key(getattr(row, _KEY_FIELDS[sort]), row.id)

    found = window(rows, cursor, PAGE_SIZE, key_of, sort.value)
    return replace(found, rows=_with_progress(session, found.rows))


_BANDED: dict[Sort, tuple[type[Client] | type[Vendor], int]] = {
    Sort.VENDOR: (Vendor, 100),
    Sort.CLIENT: (Client, 20),
}
"""Sorts by a joined name, read a band of names at a time: (the table, names per band)."""


def _by_name_bands(
    session: Session,
    organisation_id: uuid.UUID,
    query: AnySelect,
    order: Order,
    cursor: Cursor | None,
    party: tuple[type[Client] | type[Vendor], int],
) -> list[Any]:
    """PostgreSQL sorts every row to order by a joined name (the join breaks the index order).
    So: the name some `band` names after the cursor's (one index read of the clients or
    vendors), then the page's rows among those names only (an index read of their
    assessments and a small sort), and the next band while the page is not full."""
    model, band = party
    descending = order.descending != (cursor is not None and not cursor.after)
    start = cursor.key.value if cursor is not None else None
    rows: list[Any] = []
    first = True
    while len(rows) <= PAGE_SIZE:
        edge = _name_edge(session, organisation_id, model, start, descending, first, band)
        banded = query
        if not first:
            banded = banded.where(model.name < start if descending else model.name > start)
        if edge is not None:
            banded = banded.where(model.name >= edge if descending else model.name <= edge)
        wanted = PAGE_SIZE + 1 - len(rows)
        if first:
            rows.extend(order.fetch(session, banded, cursor, wanted))
        else:  # the rest of the band, in the direction of travel
            onwards = replace(order, descending=descending)
            rows.extend(onwards.fetch(session, banded, None, wanted))
        if edge is None:
            break
        start, first = edge, False
    return rows


def _name_edge(
    session: Session,
    organisation_id: uuid.UUID,
    model: type[Client] | type[Vendor],
    start: object,
    descending: bool,
    inclusive: bool,
    band: int,
) -> str | None:
    """The `band`-th name from `start` in this direction; None when fewer names are left."""
    query = select(model.name).where(
        model.organisation_id == organisation_id, model.deleted_at.is_(None)
    )
    if isinstance(start, str):
        if descending:
            query = query.where(model.name <= start if inclusive else model.name < start)
        else:
            query = query.where(model.name >= start if inclusive else model.name > start)
    ordered = model.name.desc() if descending else model.name.asc()
    return session.scalar(query.order_by(ordered).offset(band - 1).limit(1))


_KEY_FIELDS = {
    Sort.UPDATED: "updated_at",
    Sort.TITLE: "title",
    Sort.VENDOR: "vendor_name",
    Sort.CLIENT: "client_name",
    Sort.STATUS: "status",
    Sort.DUE: "due_on",
    Sort.CURRENCY: "technical_currency",
    Sort.RISK: "integration_risk",
}


def _filtered(query: AnySelect, organisation_id: uuid.UUID, criteria: Criteria) -> AnySelect:
    query = (
        query.select_from(Assessment)
        .join(Vendor, Vendor.id == Assessment.vendor_id)
        .join(Client, Client.id == Assessment.client_id)
        .outerjoin(ScoreRecord, ScoreRecord.id == Assessment.latest_score_id)
    )
    return query.where(*_conditions(organisation_id, criteria))


def _conditions(organisation_id: uuid.UUID, criteria: Criteria) -> list[ColumnElement[bool]]:
    conditions = [
        Assessment.organisation_id == organisation_id,
        Assessment.superseded_by_id.is_(None),
        Assessment.deleted_at.is_(None),
    ]
    if criteria.nothing:
        conditions.append(Assessment.id.is_(None))
    if criteria.titled is not None:
        conditions.append(Assessment.id.in_(criteria.titled))
    elif criteria.q:
        conditions.append(contains(Assessment.title, criteria.q))
    if criteria.status is not None:
        conditions.append(Assessment.status == criteria.status)
    if criteria.client_id is not None:
        conditions.append(Assessment.client_id == criteria.client_id)
    if criteria.vendor_id is not None:
        conditions.append(Assessment.vendor_id == criteria.vendor_id)
    return conditions


TITLED_LIMIT = 1000
"""Up to this many rows whose title contains `q`, the page and the counts take their ids
(`searched`); beyond it the title search stays a condition, and the sort's index finds a page
after a short scan (1,001 matches in 100,000 rows: about 5,000 rows read for 50)."""


def searched(session: Session, organisation_id: uuid.UUID, criteria: Criteria) -> Criteria:
    """`criteria` with the rows `q` finds looked up first, when there are few of them.

    PostgreSQL estimates `title ILIKE '%term%'` from the title histogram, so one of its 100
    bounds that happens to contain the term makes it 1% of the rows (1,000 at 100,000, when
    22 match), and the page is then read down the sort's index, filtering every row for the
    50 that are not there (790 ms). A list of ids is counted exactly, so the page is read by
    primary key and sorted, whatever the sample. Without an ORDER BY, the look-up itself is
    the trigram index, or at worst one pass over the rows, never a sort's index walk."""
    if not criteria.q or criteria.nothing:
        return criteria
    query = select(Assessment.id).where(*_conditions(organisation_id, criteria))
    found = session.scalars(query.limit(TITLED_LIMIT + 1)).all()
    if len(found) > TITLED_LIMIT:
        return criteria
    return replace(criteria, titled=tuple(found))


def _with_progress(session: Session, rows: Sequence[Row]) -> list[Row]:
    """Rows with each draft's percentage answered, from the stored progress counts (one small
    query; no answers or questionnaire definitions are read)."""
    drafts = [r.id for r in rows if r.status is AssessmentStatus.DRAFT]
    if not drafts:
        return list(rows)
    query = select(
        Assessment.id,
        Assessment.progress_answered,
        Assessment.progress_unknown,
        Assessment.progress_visible,
        Assessment.progress_required_missing,
    ).where(Assessment.id.in_(drafts))
    percent = {row_id: Progress(*counts).percent for row_id, *counts in session.execute(query)}
    return [replace(r, percent=percent.get(r.id)) if r.id in percent else r for r in rows]


@dataclass(frozen=True)
class Counts:
    total: int
    overdue: int
    due_soon: int
    draft: int
    to_review: int
    scored: int
    recommended: int


def counts(session: Session, organisation_id: uuid.UUID, criteria: Criteria, today: date) -> Counts:
    """The summary above the list, for the rows the filters keep: one aggregate query.

    It reads only the assessments' own columns (a covering index of migration 0016); whether
    the latest score recommends is a lookup in the hashed set of the organisation's
    recommending scores, not a join of every row to its score."""
    answering = Assessment.status.in_(ANSWERING)
    recommending = select(ScoreRecord.id).where(
        ScoreRecord.organisation_id == organisation_id,
        ScoreRecord.recommendation == "recommended",
    )
    query = select(
        func.count(),
        func.count().filter(answering, Assessment.due_on < today),
        func.count().filter(answering, Assessment.due_on.between(today, today + DUE_SOON)),
        func.count().filter(Assessment.status == AssessmentStatus.DRAFT),
        func.count().filter(Assessment.status.in_(TO_REVIEW)),
        func.count(Assessment.latest_score_id),
        func.count().filter(Assessment.latest_score_id.in_(recommending.scalar_subquery())),
    ).where(*_conditions(organisation_id, criteria))
    return Counts(*session.execute(query).one())


@dataclass(frozen=True)
class Party:
    id: uuid.UUID
    name: str


def party(
    session: Session,
    organisation_id: uuid.UUID,
    model: type[Client] | type[Vendor],
    row_id: uuid.UUID,
) -> Party | None:
    query = select(model.id, model.name).where(
        model.organisation_id == organisation_id, model.id == row_id, model.deleted_at.is_(None)
    )
    found = session.execute(query).one_or_none()
    return Party(*found) if found else None


def parties_named(
    session: Session,
    organisation_id: uuid.UUID,
    model: type[Client] | type[Vendor],
    text: str,
    limit: int,
) -> list[Party]:
    """Up to `limit` clients (or vendors) whose name contains `text`, an exact name first."""
    exact = func.lower(model.name) == text.casefold()
    query = (
        select(model.id, model.name)
        .where(model.organisation_id == organisation_id, model.deleted_at.is_(None))
        .where(contains(model.name, text))
        .order_by(exact.desc(), model.name, model.id)
        .limit(limit)
    )
    return [Party(*row) for row in session.execute(query)]


def party_count(
    session: Session, organisation_id: uuid.UUID, model: type[Client] | type[Vendor]
) -> int:
    query = select(func.count()).where(
        model.organisation_id == organisation_id, model.deleted_at.is_(None)
    )
    return session.scalar(query.select_from(model)) or 0
