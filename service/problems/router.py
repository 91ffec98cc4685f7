"""`GET /problems/{slug}`: a page that says what each problem type means and what to do.

Problem `type` fields are absolute URLs of these pages, so a person reading an error in a log
or a CRM can open the link; `GET /problems` lists every type.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from service.errors import NotFound, ServiceError
from service.web.templating import render

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
    "header-fields-too-large": (
        "The request line and headers together exceed 16 KiB. Send fewer or shorter headers "
        "(a large cookie or token is the usual cause); the connection is closed."
    ),
    "unsupported-media-type": (
        "The endpoint takes a JSON body: send it with `Content-Type: application/json`. Uploads "
        "(files) go to the endpoints that document `multipart/form-data`."
    ),
    "too-many-requests": "Slow down; retry after the time given in Retry-After.",
    "unavailable": "The service cannot serve requests right now; see /readyz.",
    "render-failed": (
        "A report could not be rendered in time or within its page limit. Nothing was stored; "
        "retry, and quote the request_id to support if it persists."
    ),
    "internal-error": "An unexpected error. Quote the request_id to support.",
}


def problem_types() -> dict[str, type[ServiceError]]:
    """Every problem type the service answers with, by slug (the error hierarchy's leaves)."""
    found: dict[str, type[ServiceError]] = {ServiceError.slug: ServiceError}
    pending = list(ServiceError.__subclasses__())
    while pending:
        cls = pending.pop()
        found.setdefault(cls.slug, cls)
        pending.extend(cls.__subclasses__())
    return found


@router.get("/problems", response_class=HTMLResponse)
def list_problem_types(request: Request) -> HTMLResponse:
    """Every problem type, with what it means."""
    types = sorted(problem_types().items(), key=lambda item: (item[1].status, item[0]))
    rows = [(slug, cls, PROBLEMS.get(slug, "")) for slug, cls in types]
    return render(request, "problems/index.html", {"rows": rows})


@router.get("/problems/{slug}", response_class=HTMLResponse)
def get_problem_type(request: Request, slug: str) -> HTMLResponse:
    """Explain one problem type."""
    cls = problem_types().get(slug)
    if cls is None or slug not in PROBLEMS:
        raise NotFound(f"There is no problem type '{slug}'; GET /problems lists them all.")
    context = {"slug": slug, "cls": cls, "explanation": PROBLEMS[slug]}
    return render(request, "problems/type.html", context)
