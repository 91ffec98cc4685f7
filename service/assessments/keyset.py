"""Keyset pages over (sort column, id) in either direction, with NULLs kept last.

A page link names the row it continues from ("after" it for the next page, "before" it for
the previous one) and the sort it was made for; a link that does not decode, or was made for
another sort, is refused with `BadCursor` so the page can start again at the top. Unlike an
offset, a keyset page costs the same at row 50 and at row 99,950: the database walks an index
from the named row.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, false, literal, or_, tuple_
from sqlalchemy.orm import InstrumentedAttribute

Value = str | int | date | datetime | None
AnySelect = Select[*tuple[Any, ...]]
"""A query of any columns."""
Kind = Literal["text", "int", "date", "datetime"]
MAX_CURSOR = 800


class BadCursor(ValueError):
    """A page link that is not one of ours, or was made for another sort."""


@dataclass(frozen=True)
class Order:
    """Rows by `column` (ascending unless `descending`), then by id the same way; NULLs last."""

    column: ColumnElement[Any] | InstrumentedAttribute[Any]
    row_id: InstrumentedAttribute[uuid.UUID]
    kind: Kind
    descending: bool = False
    nullable: bool = False

    def apply(self, query: AnySelect, *, backwards: bool = False) -> AnySelect:
        """`query` ordered this way (or exactly the other way round, `backwards`)."""
        descending = self.descending != backwards
        column = self.column.desc() if descending else self.column.asc()
        if self.nullable:
            column = column.nulls_first() if backwards else column.nulls_last()
        return query.order_by(column, self.row_id.desc() if descending else self.row_id.asc())

    def beyond(self, key: Key, *, backwards: bool = False) -> ColumnElement[bool]:
        """Rows after `key` in this order (before it, `backwards`)."""
        descending = self.descending != backwards
        nulls_after = self.nullable and not backwards
        nulls_before = self.nullable and backwards
        if key.value is None:
            later_id = self.row_id < key.row_id if descending else self.row_id > key.row_id
            rest = self.column.is_not(None) if nulls_before else false()
            return or_(and_(self.column.is_(None), later_id), rest)
        pair = tuple_(self.column, self.row_id)
        bound = tuple_(literal(key.value, self.column.type), literal(key.row_id, self.row_id.type))
        later = pair < bound if descending else pair > bound
        if nulls_after:
            return or_(later, self.column.is_(None))
        return and_(later, self.column.is_not(None)) if self.nullable else later


@dataclass(frozen=True)
class Key:
    value: Value
    row_id: uuid.UUID


@dataclass(frozen=True)
class Cursor:
    """Continue `after` (or before) `key`, for the sort named `sort`."""

    sort: str
    key: Key
    after: bool = True

    def encode(self) -> str:
        value = self.key.value
        shown = value.isoformat() if isinstance(value, date | datetime) else value
        raw = json.dumps([self.sort, "a" if self.after else "b", shown, str(self.key.row_id)])
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(token: str, sort: str, kind: Kind) -> Cursor:
    """The cursor `token` names, or BadCursor when it is not one made for `sort`."""
    try:
        if len(token) > MAX_CURSOR or not token.isascii():
            raise BadCursor("not a page link of this site")
        parts = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(parts, list) or len(parts) != 4:
            raise BadCursor("not a page link of this site")
        made_for, way, value, row_id = parts
        if made_for != sort or way not in ("a", "b"):
            raise BadCursor("a page link made for another order")
        return Cursor(sort, Key(_value(value, kind), uuid.UUID(row_id)), after=way == "a")
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as exc:
        raise BadCursor(str(exc)) from exc


def _value(raw: object, kind: Kind) -> Value:
    if raw is None:
        return None
    if kind == "int" and isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        if kind == "text":
            return raw
        if kind == "date":
            return date.fromisoformat(raw)
        if kind == "datetime":
            moment = datetime.fromisoformat(raw)
            if moment.tzinfo is None:
                raise BadCursor("a time without its zone")
            return moment
    raise BadCursor(f"a {kind} was expected")


@dataclass(frozen=True)
class Window:
    """One page of rows and the cursors of the pages either side (None: there is none)."""

    rows: Sequence[Any]
    previous: str | None
    next: str | None


def window(
    rows: Sequence[Any], cursor: Cursor | None, limit: int, key_of: Any, sort: str
) -> Window:
    """Turn `limit + 1` rows fetched from `cursor` into a page with its neighbours' cursors.

    `rows` come in page order when going forwards and in reverse order when going backwards.
    """
    backwards = cursor is not None and not cursor.after
    more = len(rows) > limit
    page = list(rows[:limit])
    if backwards:
        page.reverse()
    if not page:
        return Window(page, None, None)
    has_previous = more if backwards else cursor is not None
    has_next = True if backwards else more
    return Window(
        page,
        Cursor(sort, key_of(page[0]), after=False).encode() if has_previous else None,
        Cursor(sort, key_of(page[-1])).encode() if has_next else None,
    )
