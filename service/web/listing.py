"""Whole lists for pages, read through the API's own paginated service functions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from service.pagination import MAX_LIMIT, PageParams

T = TypeVar("T")

PAGE_CAP = 2_000
"""Pages list at most this many rows; an agency with more needs the API's filters."""


def every(fetch: Callable[[PageParams], tuple[Sequence[T], str | None]]) -> list[T]:
    """Every row a paginated service function returns, up to PAGE_CAP."""
    rows: list[T] = []
    cursor: str | None = None
    while len(rows) < PAGE_CAP:
        page, cursor = fetch(PageParams(limit=MAX_LIMIT, cursor=cursor))
        rows.extend(page)
        if cursor is None:
            break
    return rows[:PAGE_CAP]
