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

from sqlalchemy import ColumnElement, Select, literal, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

Value = str | int | date | datetime | None
AnySelect = Select[*tuple[Any, ...]]
"""A query of any columns."""
Kind = Literal["text", "int", "date", "datetime"]
MAX_CURSOR = 800


class BadCursor(ValueError):
    """A page link that is not one of ours, or was made for another sort."""


@dataclass(frozen=True)
class Order:
    """Rows by `column` (ascending unless `descending`), then by id the same way; rows without
    a value come last either way, by id."""

    column: ColumnElement[Any] | InstrumentedAttribute[Any]
    row_id: InstrumentedAttribute[uuid.UUID]
    kind: Kind
    descending: bool = False
    nullable: bool = False

    def fetch(
        self, session: Session, query: AnySelect, cursor: Cursor | None, limit: int
    ) -> list[Any]:
        """Up to `limit` rows of `query` after the cursor's row (before it, backwards, nearest
        first). Rows with a value and rows without one are read by separate queries, each a
        plain range of an index, so a deep page costs what the first one does."""
        backwards = cursor is not None and not cursor.after
        rows: list[Any] = []
        for condition, order_by in self._segments(cursor.key if cursor else None, backwards):
            wanted = limit - len(rows)
            if wanted <= 0:
                break
            rows.extend(session.execute(query.where(*condition).order_by(*order_by).limit(wanted)))
        return rows

    def _segments(
        self, key: Key | None, backwards: bool
    ) -> list[tuple[list[ColumnElement[bool]], list[Any]]]:
        descending = self.descending != backwards
        by_value = [self._by(self.column, descending), self._by(self.row_id, descending)]
        by_id = [self._by(self.row_id, descending)]
        valued: list[ColumnElement[bool]] = [self.column.is_not(None)] if self.nullable else []
        if key is not None and key.value is not None:
            valued += self._after(key, descending)
        if not self.nullable:
            return [(valued, by_value)]
        empty: list[ColumnElement[bool]] = [self.column.is_(None)]
        if key is not None and key.value is None:
            empty.append(self.row_id < key.row_id if descending else self.row_id > key.row_id)
        if backwards:
            if key is not None and key.value is not None:
                return [(valued, by_value)]
            return [(empty, by_id), (valued, by_value)]
        if key is not None and key.value is None:
            return [(empty, by_id)]
        return [(valued, by_value), (empty, by_id)]

    def _after(self, key: Key, descending: bool) -> list[ColumnElement[bool]]:
        value = literal(key.value, self.column.type)
        pair = tuple_(self.column, self.row_id)
        bound = tuple_(value, literal(key.row_id, self.row_id.type))
        if descending:
            return [self.column <= value, pair < bound]
        return [self.column >= value, pair > bound]

    @staticmethod
    def _by(column: Any, descending: bool) -> Any:
        return column.desc() if descending else column.asc()


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
