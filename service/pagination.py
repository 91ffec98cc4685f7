"""Cursor pagination in (updated_at, id) order, shared by every list endpoint.

The cursor is an opaque token naming the last row of the previous page and the moment the
first page was read. Pages only include rows last changed up to that moment, so a pass
through the pages neither skips nor repeats a row, even while rows change: a row changed
during the pass is left for the next incremental sync, which starts from `next_updated_since`
(a few seconds before the pass began, so that a transaction still committing then is not
missed; a sync may see a row twice across passes, never miss one).
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Generic, Protocol, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Integer, Select, bindparam, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from service.api_types import AwareDateTime
from service.db import utcnow
from service.errors import InvalidInput
from service.plain_rows import PlainStatement

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

T = TypeVar("T")
Row = TypeVar("Row", bound="Paginated")


class Paginated(Protocol):
    id: Any
    updated_at: Any


SYNC_OVERLAP = timedelta(seconds=5)
MAX_CURSOR_LENGTH = 400
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )
    next_updated_since: datetime | None = Field(
        default=None,
        description="Pass as `updated_since` in your next incremental sync, once this pass "
        "through the pages is finished.",
    )


@dataclass(frozen=True)
class PageParams:
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    updated_since: datetime | None = None
    until: datetime | None = None
    """Only rows changed up to this moment (the first page's time); now when None."""

    def page(self, items: list[T], next_cursor: str | None) -> Page[T]:
        return Page(
            items=items, next_cursor=next_cursor, next_updated_since=self.next_updated_since()
        )

    def next_updated_since(self) -> datetime:
        """Where the next incremental sync starts: a little before this pass began."""
        return (self.until or utcnow()) - SYNC_OVERLAP


# async: plain computation, so it runs on the event loop instead of hopping to the thread
# pool and back (a sync dependency's cost on every list request).
async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page.")] = None,
    updated_since: Annotated[
        AwareDateTime | None,
        Query(description="Only records changed at or after this time (ISO 8601 with zone)."),
    ] = None,
) -> PageParams:
    until = decode_cursor(cursor)[2] if cursor else utcnow()
    if updated_since is not None:
        updated_since = _since(updated_since)
    return PageParams(limit=limit, cursor=cursor, updated_since=updated_since, until=until)


def _since(moment: datetime) -> datetime:
    try:
        return in_range(moment)
    except (ValueError, OverflowError) as exc:
        raise InvalidInput(
            f"updated_since: {exc}; pass the next_updated_since of your last sync.",
            errors=[{"field": "query.updated_since", "message": str(exc)}],
        ) from exc


PageQuery = Annotated[PageParams, Depends(page_params)]


def contains(column: InstrumentedAttribute[str], text: str) -> ColumnElement[bool]:
    """Case-insensitive substring match, with LIKE wildcards in `text` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def encode_cursor(updated_at: datetime, row_id: uuid.UUID, until: datetime) -> str:
    raw = json.dumps([updated_at.isoformat(), str(row_id), until.isoformat()]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID, datetime]:
    try:
        if len(cursor) > MAX_CURSOR_LENGTH or not cursor.isascii():
            raise ValueError("not a cursor of this API")
        padded = cursor + "=" * (-len(cursor) % 4)
        parts = json.loads(base64.urlsafe_b64decode(padded))
        if not (
            isinstance(parts, list) and len(parts) == 3 and all(isinstance(p, str) for p in parts)
        ):
            raise ValueError("not a cursor of this API")
        stamp, row_id, until = parts
        return (
            in_range(datetime.fromisoformat(stamp)),
            uuid.UUID(row_id),
            in_range(datetime.fromisoformat(until)),
        )
    except (ValueError, TypeError, OverflowError, binascii.Error) as exc:
        raise InvalidInput(
            "The cursor is not valid; pass the next_cursor value of a previous page unchanged.",
            errors=[{"field": "query.cursor", "message": "not a cursor issued by this API"}],
        ) from exc


def in_range(moment: datetime) -> datetime:
    """The moment in UTC, if it has a time zone and lies between 1970 and 9000."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("include a time zone, e.g. 2026-11-24T09:00:00Z")
    utc = moment.astimezone(UTC)  # may raise OverflowError near year 1 or 9999
    if not EARLIEST <= utc <= LATEST:
        raise ValueError("must lie between 1970 and 9000")
    return utc


def fetch_page(
    session: Session,
    query: Select[Row],
    updated_at: InstrumentedAttribute[datetime],
    id_column: InstrumentedAttribute[uuid.UUID],
    page: PageParams,
) -> tuple[Sequence[Row], str | None]:
    """One page of `query` (of entities) in (updated_at, id) order, and the next page's cursor."""
    paged = windowed(
        query,
        updated_at,
        id_column,
        since=page.updated_since is not None,
        after=bool(page.cursor),
    )
    parameters = window_parameters(page)
    rows = session.scalars(paged, parameters).all()
    return _cut(rows, page.limit, parameters["until"])


def fetch_rows(
    session: Session,
    statement: PlainStatement | Select[Any],
    parameters: dict[str, Any],
    page: PageParams,
) -> tuple[Sequence[Any], str | None]:
    """Like `fetch_page` for a `windowed` statement of plain columns, `updated_at` and `id`
    among them: its `parameters` with the page's `window_parameters` beside them."""
    window = window_parameters(page)
    values = parameters | window
    if isinstance(statement, PlainStatement):
        rows = statement.rows(session, values)
    else:
        rows = session.execute(statement, values).all()
    return _cut(rows, page.limit, window["until"])


def windowed(
    query: Select[Any],
    updated_at: InstrumentedAttribute[datetime],
    id_column: InstrumentedAttribute[uuid.UUID],
    *,
    since: bool,
    after: bool,
) -> Select[Any]:
    """`query` limited to a page's window: changed up to `until`, at or after `updated_since`
    (`since`), after the cursor's row (`after`), ordered, `limit` rows (one too many). The
    values are named parameters (`window_parameters`), so one statement serves every page of
    its shape.

    The cursor condition is a row comparison, `(updated_at, id) > (stamp, id)`, with
    `updated_at >= stamp` beside it: both are ranges of the (organisation, updated_at, id)
    index, so a page deep into a sync starts where the cursor points. Written as `updated_at >
    stamp OR (updated_at = stamp AND id > id)` PostgreSQL could not use it as an index bound:
    page n of a sync scanned and discarded the n - 1 pages before it."""
    query = query.where(updated_at <= bindparam("until", type_=updated_at.type))
    if since:
        query = query.where(updated_at >= bindparam("updated_since", type_=updated_at.type))
    if after:
        stamp = bindparam("after_stamp", type_=updated_at.type)
        after_id = bindparam("after_id", type_=id_column.type)
        query = query.where(
            updated_at >= stamp, tuple_(updated_at, id_column) > tuple_(stamp, after_id)
        )
    return query.order_by(updated_at, id_column).limit(bindparam("limit", type_=Integer()))


def window_parameters(page: PageParams) -> dict[str, Any]:
    """The values of a `windowed` statement's parameters for `page`."""
    parameters: dict[str, Any] = {"until": page.until or utcnow(), "limit": page.limit + 1}
    if page.updated_since is not None:
        parameters["updated_since"] = page.updated_since
    if page.cursor:
        parameters["after_stamp"], parameters["after_id"], _ = decode_cursor(page.cursor)
    return parameters


def _cut(rows: Sequence[Any], limit: int, until: datetime) -> tuple[Sequence[Any], str | None]:
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor(last.updated_at, last.id, until)
