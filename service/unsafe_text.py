"""Text that no store can keep: NUL characters and lone UTF-16 surrogates, refused up front.

PostgreSQL refuses NUL in text and a lone surrogate cannot be encoded as UTF-8, so either one
reaching the database was a 500. One app-wide dependency looks at every string the request
carries (path and query parameters, JSON bodies keys included, web forms) before any other
dependency or the endpoint runs, and answers 422 naming the field.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import Request

from service.errors import InvalidInput

_JSON = ("application/json", "application/merge-patch+json")
_FORM = ("application/x-www-form-urlencoded", "multipart/form-data")


def problem_with(text: str) -> str | None:
    """Why this text cannot be stored, or None when it can."""
    if "\x00" in text:
        return "contains a NUL character (\\u0000), which cannot be stored; remove it"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "contains a lone UTF-16 surrogate (not a character); send valid Unicode"
    return None


def _walk(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """(field, text) for every string in a decoded JSON value, object keys included."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            field = f"{where}.{key}" if where else str(key)
            yield field, key
            yield from _walk(item, field)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{where}.{index}" if where else str(index))


async def _strings(request: Request) -> Iterator[tuple[str, str]]:
    found: list[tuple[str, str]] = [(f"path.{k}", str(v)) for k, v in request.path_params.items()]
    for key, value in request.query_params.multi_items():
        found += [(f"query.{key}", key), (f"query.{key}", value)]
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type in _JSON or media_type.endswith("+json"):
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None  # not JSON: the body's own parsing answers 400 or 422
        found += list(_walk(body, ""))
    elif media_type in _FORM:
        for key, item in (await request.form()).multi_items():
            found += [(key, key)] + ([(key, item)] if isinstance(item, str) else [])
    return iter(found)


async def reject_unsafe_text(request: Request) -> None:
    """The app-wide dependency: 422 for the first field holding text that cannot be stored."""
    problems = [
        {"field": field, "message": message}
        for field, text in await _strings(request)
        if (message := problem_with(text)) is not None
    ]
    if problems:
        first = problems[0]
        raise InvalidInput(f"{first['field']}: {first['message']}.", errors=problems[:20])
