"""Error pages for browsers: the problem the API would send, rendered as HTML.

Registered as `app.state.html_error_page` (see service/errors.py). API paths, and requests that
do not ask for HTML (the autosave script asks for JSON), keep their problem+json.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Match

from service.web.templating import render, secure

API_PREFIXES = ("/api/", "/problems/", "/healthz", "/readyz", "/docs", "/redoc", "/openapi.json")
KEPT_HEADERS = ("retry-after", "allow")

_HEADINGS = {
    403: "You cannot do this",
    404: "Page not found",
    409: "That cannot be done right now",
    410: "This link no longer works",
    422: "Some values need attention",
    429: "Please slow down",
    500: "Something went wrong",
}


def wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith(API_PREFIXES):
        return False
    return "text/html" in request.headers.get("accept", "")


def html_error_page(request: Request, problem: JSONResponse) -> Response | None:
    if not wants_html(request):
        return None
    if problem.status_code == 401 and not request.url.path.startswith("/invite/"):
        return secure(RedirectResponse(sign_in_path(request), status_code=303))
    if problem.status_code == 405 and request.method == "GET":
        # A form's address opened directly (bookmark, history): show the form's page instead.
        return secure(RedirectResponse(page_above(request), status_code=303))
    return error_page(request, problem.status_code, _detail(problem), problem.headers)


def error_page(request: Request, status: int, detail: str, headers: object = None) -> Response:
    kept = {}
    if hasattr(headers, "get"):
        kept = {name: headers.get(name) for name in KEPT_HEADERS if headers.get(name)}
    public = request.url.path.startswith("/invite/")
    return render(
        request,
        "error.html",
        {
            "status": status,
            "heading": _HEADINGS.get(status, "Something went wrong"),
            "detail": detail,
            "public": public,
        },
        status=status,
        headers=kept,
    )


def page_above(request: Request) -> str:
    """The nearest page (a GET route) above a POST-only address, such as a draft's page above
    its /submit; the home page when there is none."""
    path = request.url.path.rstrip("/")
    while path.count("/") > 1:
        path = path.rsplit("/", 1)[0]
        scope = {"type": "http", "path": path, "method": "GET", "root_path": ""}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
            return path
    return "/"


def sign_in_path(request: Request) -> str:
    target = request.url.path
    if request.method == "GET" and request.url.query:
        target += "?" + request.url.query
    return "/sign-in?next=" + quote(target, safe="")


def _detail(problem: JSONResponse) -> str:
    body = json.loads(bytes(problem.body))
    return str(body.get("detail", ""))
