"""`GET /problems/{slug}`: what each problem type means and what to do about it."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from service.errors import NotFound

router = APIRouter(tags=["Problems"], include_in_schema=False)

PROBLEMS = {
    "bad-request": "A header or parameter is malformed. The detail names it; fix it and retry.",
    "invalid-input": (
        "The body or query has invalid values. `errors` lists each field (or question id, for "
        "answers) with a message; fix them all and retry."
    ),
    "unauthenticated": "Send a valid API key: `Authorization: Bearer <key>`.",
    "forbidden": "The API key's role does not allow this action. Use a key with a wider role.",
    "not-found": (
        "The object does not exist in your organisation (objects of other organisations are "
        "reported the same way)."
    ),
    "method-not-allowed": "The endpoint exists but not with this HTTP method; see /docs.",
    "conflict": "The request clashes with the object's state; the detail says how to resolve it.",
    "precondition-failed": (
        "If-Match named a revision that is no longer current. GET the object again, re-apply "
        "your change and retry with the new ETag."
    ),
    "gone": "The link or object existed once and no longer does (for example an expired link).",
    "payload-too-large": "The body is larger than the limit (1 MiB by default).",
    "too-many-requests": "Slow down; retry after the time given in Retry-After.",
    "unavailable": "The service cannot serve requests right now; see /readyz.",
    "render-failed": (
        "A report could not be rendered in time or within its page limit. Nothing was stored; "
        "retry, and quote the request_id to support if it persists."
    ),
    "internal-error": "An unexpected error. Quote the request_id to support.",
}


@router.get("/problems/{slug}", response_class=PlainTextResponse)
def get_problem_type(slug: str) -> str:
    """Explain one problem type."""
    if slug not in PROBLEMS:
        raise NotFound(f"There is no problem type '{slug}'.")
    return f"{slug}\n\n{PROBLEMS[slug]}\n"
