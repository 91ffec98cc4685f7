"""Assessment list pages (the API list, incremental sync, the web's per-vendor and per-client
lists, spreadsheet exports): one statement of plain columns, no ORM entities.

A page is read with Core (`select` of the columns a summary shows, joined to its vendor,
client, questionnaire version and latest score), so no answers are decoded and no entity is
built. The statement is built once per `Shape` (which filters are given), every value a named
parameter, and on PostgreSQL runs as SQL text with no per-row type processing
(`service/plain_rows.py`). `fields` turns a row into the `AssessmentSummary` fields, in the
model's order; the API encodes those straight to JSON (`page_json`: the same bytes pydantic
writes for a validated `Page[AssessmentSummary]`, without building and validating seven
models a row), the web and exports validate them into `AssessmentSummary` (`summaries`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import ColumnElement, Row, bindparam, false, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from service.assessments.keyset import AnySelect
from service.assessments.models import Assessment, AssessmentStatus
from service.assessments.schemas import AssessmentSummary
from service.catalog.models import QuestionnaireVersion
from service.clients.models import Client
from service.pagination import PageParams, contains, fetch_rows, windowed
from service.plain_rows import PlainStatement
from service.scores.models import ScoreRecord
from service.tombstones.rules import visible
from service.vendors.models import Vendor

SummaryRow = Row[*tuple[Any, ...]]
"""One list row: the columns of `_summaries`, by their labels."""


def _summaries() -> AnySelect:
    """What a list row shows, in one statement: its own summary columns (progress is stored,
    so the answers stay in the database), the vendor's and client's names, the questionnaire's
    slug, version and hash, the latest score's figures (many-to-one joins: one row each)."""
    return (
        select(
            Assessment.id,
            Assessment.title,
            Assessment.status,
            Assessment.external_id,
            Vendor.id.label("vendor_id"),
            Vendor.name.label("vendor_name"),
            Vendor.external_id.label("vendor_external_id"),
            Client.id.label("client_id"),
            Client.name.label("client_name"),
            Client.external_id.label("client_external_id"),
            QuestionnaireVersion.slug,
            QuestionnaireVersion.version.label("questionnaire_version"),
            QuestionnaireVersion.content_hash,
            Assessment.revision,
            Assessment.progress_answered,
            Assessment.progress_unknown,
            Assessment.progress_visible,
            Assessment.progress_required_missing,
            ScoreRecord.id.label("score_id"),
            ScoreRecord.sequence,
            ScoreRecord.technical_currency,
            ScoreRecord.currency_band,
            ScoreRecord.integration_risk,
            ScoreRecord.risk_band,
            ScoreRecord.recommendation,
            ScoreRecord.completeness,
            ScoreRecord.computed_at,
            Assessment.version,
            Assessment.series_id,
            Assessment.superseded_by_id,
            Assessment.created_at,
            Assessment.updated_at,
            Assessment.submitted_at,
            Assessment.due_on,
            Assessment.approved_at,
            Assessment.deleted_at,
        )
        .join(Vendor, Vendor.id == Assessment.vendor_id)
        .join(Client, Client.id == Assessment.client_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Assessment.questionnaire_id)
        .outerjoin(ScoreRecord, ScoreRecord.id == Assessment.latest_score_id)
    )


SUMMARIES = _summaries()
"""Built once (statements are immutable; `where` makes a copy): coercing 36 columns and four
joins cost about 0.4 ms a request."""


FILTERS: dict[str, InstrumentedAttribute[Any]] = {
    "vendor_id": Assessment.vendor_id,
    "client_id": Assessment.client_id,
    "status": Assessment.status,
    "external_id": Assessment.external_id,
}
"""The equality filters of a list, by parameter name."""


@dataclass(frozen=True)
class Shape:
    """What a list page's statement depends on, besides values: which filters it has."""

    filters: tuple[str, ...]
    """The `FILTERS` given, in their order."""
    all_versions: bool
    include_deleted: bool
    syncing: bool
    after_cursor: bool


@cache
def _filtered(shape: Shape) -> AnySelect:
    """`SUMMARIES` of one organisation (`organisation_id`) with the shape's filters, each a
    parameter of its name."""
    query = SUMMARIES.where(Assessment.organisation_id == bindparam("organisation_id"))
    if not shape.all_versions:
        query = query.where(Assessment.superseded_by_id.is_(None))
    query = visible(query, Assessment, include_deleted=shape.include_deleted, syncing=shape.syncing)
    for name in shape.filters:
        query = query.where(FILTERS[name] == bindparam(name))
    return query


def _windowed(query: AnySelect, shape: Shape) -> AnySelect:
    return windowed(
        query, Assessment.updated_at, Assessment.id, since=shape.syncing, after=shape.after_cursor
    )


@cache
def _page(shape: Shape) -> PlainStatement:
    """A page of the shape: built (and on PostgreSQL compiled) once per process."""
    return PlainStatement(_windowed(_filtered(shape), shape))


def list_assessments(
    session: Session,
    organisation_id: uuid.UUID,
    page: PageParams,
    *,
    vendor_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
    status: AssessmentStatus | None = None,
    external_id: str | None = None,
    search: str | None = None,
    all_versions: bool = False,
    include_deleted: bool = False,
) -> tuple[Sequence[SummaryRow], str | None]:
    """Current versions only, unless `all_versions` (earlier, superseded versions too);
    tombstones are included with `include_deleted`, and in incremental syncs.

    A row's `status` is the status's value (a string) on PostgreSQL (`PlainStatement`)."""
    given = {
        "vendor_id": vendor_id,
        "client_id": client_id,
        "status": None if status is None else AssessmentStatus(status).value,
        "external_id": external_id,
    }
    parameters: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    shape = Shape(
        filters=tuple(parameters),
        all_versions=all_versions,
        include_deleted=include_deleted,
        syncing=page.updated_since is not None,
        after_cursor=bool(page.cursor),
    )
    parameters["organisation_id"] = organisation_id
    if not search:
        return fetch_rows(session, _page(shape), parameters, page)
    query = _filtered(shape)
    matching = _matching(session, organisation_id, search)
    # a term under 3 characters has no trigram: its look-up would scan, as the page does
    if len(search) >= 3:
        matching = _found(session, query, matching, parameters)
    # values of its own, an IN list among them: run by SQLAlchemy (which caches its compiled
    # form by structure), not compiled here
    return fetch_rows(session, _windowed(query.where(matching), shape), parameters, page)


FOUND_LIMIT = 1000
"""Up to this many rows that `q` (with the other filters) keeps, the page takes their ids
(`_found`); beyond it the search stays a condition, and the list order's index finds a page
after a short scan."""


def _found(
    session: Session,
    query: AnySelect,
    matching: ColumnElement[bool],
    parameters: dict[str, Any],
) -> ColumnElement[bool]:
    """`matching`, or the ids of the few rows it keeps under the query's other filters.

    PostgreSQL estimates `title ILIKE '%term%'` from the title histogram: one of its 100 bounds
    that happens to contain the term makes it 1% of the rows (1,000 at 100,000, where a few
    match), and the page is then read down the list order's index, filtering every row for
    50 that are not there (343 ms). A list of ids is counted exactly, so the page is read by
    primary key, whatever the sample. Without an ORDER BY, the look-up itself is the trigram
    index (or the names' ids), never a walk of the order's index."""
    filtered = query.whereclause
    assert filtered is not None, "a list query is always filtered by organisation"
    lookup = select(Assessment.id).where(filtered, matching)
    ids = session.scalars(lookup.limit(FOUND_LIMIT + 1), parameters).all()
    if len(ids) > FOUND_LIMIT:
        return matching
    return Assessment.id.in_(ids) if ids else false()


NAMED_LIMIT = 100
"""Up to this many vendors (or clients) whose names match, `q` lists their ids (an index
lookup each, OR-ed with the title's trigram search); beyond it, a broad term, it filters by a
subquery instead, and the list order's index finds a page's rows after a short scan."""


def _matching(session: Session, organisation_id: uuid.UUID, search: str) -> ColumnElement[bool]:
    """The title, the vendor's name or the client's name contains `search` (any case, `%` and
    `_` literal). The names are looked up first, each by its own (trigram) index, so that the
    assessment query is an OR of index conditions rather than a join filtered row by row."""
    return or_(
        contains(Assessment.title, search),
        _named(session, Assessment.vendor_id, Vendor, organisation_id, search),
        _named(session, Assessment.client_id, Client, organisation_id, search),
    )


def _named(
    session: Session,
    column: InstrumentedAttribute[uuid.UUID],
    party: type[Vendor] | type[Client],
    organisation_id: uuid.UUID,
    search: str,
) -> ColumnElement[bool]:
    named = select(party.id).where(
        party.organisation_id == organisation_id, contains(party.name, search)
    )
    ids = session.scalars(named.limit(NAMED_LIMIT + 1)).all()
    if len(ids) > NAMED_LIMIT:
        return column.in_(named)
    return column.in_(ids) if ids else false()


SUMMARY_WIDTH = len(SUMMARIES.selected_columns)
"""How many columns of a row `fields` reads (a single read selects more after them)."""


def fields(row: Sequence[Any]) -> dict[str, Any]:
    """The `AssessmentSummary` fields of a list row, in the model's order (its computed
    `deleted` last), as pydantic would dump them in Python mode. The row is unpacked by
    position (the order of `_summaries`): reading 36 columns by name cost more than the rest."""
    (
        row_id, title, status, external_id,
        vendor_id, vendor_name, vendor_external_id,
        client_id, client_name, client_external_id,
        slug, questionnaire_version, content_hash,
        revision, answered, unknown, visible_count, required_missing,
        score_id, sequence, currency, currency_band, risk, risk_band,
        recommendation, completeness, computed_at,
        version, series_id, superseded_by_id,
        created_at, updated_at, submitted_at, due_on, approved_at, deleted_at,
    ) = row[:SUMMARY_WIDTH]  # fmt: skip
    score = None
    if score_id is not None:  # the `LatestScore` fields
        score = {
            "sequence": sequence,
            "technical_currency": {"score": currency, "band": currency_band},
            "integration_risk": {"score": risk, "band": risk_band},
            "recommendation": recommendation,
            "completeness": completeness,
            "computed_at": computed_at,
        }
    return {
        "id": row_id,
        "title": title,
        "status": status,
        "external_id": external_id,
        "vendor": {"id": vendor_id, "name": vendor_name, "external_id": vendor_external_id},
        "client": {"id": client_id, "name": client_name, "external_id": client_external_id},
        "questionnaire": {
            "slug": slug,
            "version": questionnaire_version,
            "content_hash": content_hash,
        },
        "revision": revision,
        "progress": {
            "answered": answered,
            "unknown": unknown,
            "visible": visible_count,
            "required_missing": required_missing,
            # as questionnaires.answers.Progress.percent
            "percent": 100 if visible_count == 0 else round(100 * answered / visible_count),
        },
        "score": score,
        "version": version,
        "series_id": series_id,
        "superseded_by_id": superseded_by_id,
        "created_at": created_at,
        "updated_at": updated_at,
        "submitted_at": submitted_at,
        "due_on": due_on,
        "approved_at": approved_at,
        "deleted_at": deleted_at,
        "deleted": deleted_at is not None,
    }


def summaries(rows: Sequence[SummaryRow]) -> list[AssessmentSummary]:
    """The rows as validated `AssessmentSummary` models (web pages, exports)."""
    return [AssessmentSummary.model_validate(fields(row)) for row in rows]


JSON = TypeAdapter(dict[str, Any])
"""Encodes fields as FastAPI writes the response model they are the fields of."""


def page_json(page: PageParams, rows: Sequence[SummaryRow], next_cursor: str | None) -> bytes:
    """The JSON of `page.page(summaries(rows), next_cursor)` as the API writes it (the same
    bytes: `fields` has the model's keys, order and values), without building the models."""
    return JSON.dump_json(
        {
            "items": [fields(row) for row in rows],
            "next_cursor": next_cursor,
            "next_updated_since": page.next_updated_since(),
        }
    )
