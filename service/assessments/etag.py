"""ETag / If-Match for assessments: the ETag is the quoted revision number, e.g. "7"."""

from __future__ import annotations

from service.errors import BadRequest

MAX_DIGITS = 9
"""Revisions fit a 32-bit column with room to spare; longer tags are not ours."""


def etag(revision: int) -> str:
    return f'"{revision}"'


def parse_if_match(header: str | None) -> frozenset[int] | None:
    """The revisions an If-Match header accepts; None when absent or `*` (no precondition)."""
    if header is None or header.strip() == "*":
        return None
    revisions: set[int] = set()
    for part in header.split(","):
        tag = part.strip().removeprefix("W/").strip('"')
        # isdigit() alone takes "²" and other Unicode digits that int() refuses.
        if not (tag.isascii() and tag.isdigit() and len(tag) <= MAX_DIGITS):
            raise BadRequest(
                f'If-Match must be an ETag from this API, such as "7"; got {header!r}.',
                errors=[{"field": "header.If-Match", "message": "not an ETag of this API"}],
            )
        revisions.add(int(tag))
    return frozenset(revisions)
