"""The error hierarchy, and the handlers that render every error as RFC 9457 problem+json.

    ServiceError (500)                     base: status, type slug and title live on the class
    ├── BadRequest (400)                   a malformed header or parameter
    ├── InvalidInput (422)                 carries `errors`: [{"field"|"question", "message"}]
    ├── Unauthenticated (401)
    ├── Forbidden (403)
    ├── NotFound (404)                     also for other organisations' objects
    ├── Conflict (409)                     the request clashes with the object's state
    ├── PreconditionFailed (412)           If-Match names a stale revision
    ├── Gone (410)                         a link that worked once and no longer does
    ├── PayloadTooLarge (413)
    ├── UnsupportedMediaType (415)         a JSON endpoint sent another media type
    ├── TooManyRequests (429)
    ├── RenderFailed (500)                 a report could not be rendered (time, pages, crash)
    └── Unavailable (503)                  a dependency (the database) is not ready

A request that waited `STACKVET_DB_POOL_TIMEOUT` seconds for a database connection (the pool is
busy), or found the database unreachable (an outage, a restart), is answered 503 with
`Retry-After`, never left hanging and never a 500.

Services raise these, never `HTTPException`. Anything else that escapes is a 500 with a log line
and the request id, and no internals in the body.

Browsers asking for a web page (not the API) get the same error as an HTML page instead: the
web app registers `app.state.html_error_page`, which declines API requests by returning None.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.config import get_settings
from service.http_semantics import allowed_methods, sent_other_than_json

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "/problems/"
"""Problem types are absolute URLs under the public URL; `GET /problems/{slug}` explains each."""


def problem_type(slug: str, public_url: str | None = None) -> str:
    """The absolute URL of the page that explains a problem type."""
    base = public_url if public_url is not None else get_settings().public_url
    return base.rstrip("/") + PROBLEM_BASE + slug


class ServiceError(Exception):
    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Internal server error"

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[dict[str, str]] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors)
        self.headers = headers or {}


class BadRequest(ServiceError):
    status = 400
    slug = "bad-request"
    title = "Malformed request"


class InvalidInput(ServiceError):
    status = 422
    slug = "invalid-input"
    title = "The request contains invalid values"


class Unauthenticated(ServiceError):
    status = 401
    slug = "unauthenticated"
    title = "Authentication required"


class Forbidden(ServiceError):
    status = 403
    slug = "forbidden"
    title = "Not allowed for this role"


class NotFound(ServiceError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(ServiceError):
    status = 409
    slug = "conflict"
    title = "Conflicts with the current state"


class PreconditionFailed(ServiceError):
    status = 412
    slug = "precondition-failed"
    title = "The resource has changed"


class Gone(ServiceError):
    status = 410
    slug = "gone"
    title = "No longer available"


class PayloadTooLarge(ServiceError):
    status = 413
    slug = "payload-too-large"
    title = "Request body too large"


class HeaderFieldsTooLarge(ServiceError):
    """Answered by the HTTP protocol itself (`service/http_protocol.py`), before any app."""

    status = 431
    slug = "header-fields-too-large"
    title = "Request header fields too large"


class UnsupportedMediaType(ServiceError):
    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


class TooManyRequests(ServiceError):
    status = 429
    slug = "too-many-requests"
    title = "Too many requests"


class RenderFailed(ServiceError):
    status = 500
    slug = "render-failed"
    title = "The report could not be rendered"


class Unavailable(ServiceError):
    status = 503
    slug = "unavailable"
    title = "Service unavailable"


_FRAMEWORK_ERRORS = (
    BadRequest,
    InvalidInput,
    Unauthenticated,
    Forbidden,
    NotFound,
    PayloadTooLarge,
)
_BY_STATUS: dict[int, type[ServiceError]] = {cls.status: cls for cls in _FRAMEWORK_ERRORS}


def problem_response(
    request: Request | None,
    *,
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: Sequence[dict[str, str]] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": problem_type(slug, _public_url(request)),
        "title": title,
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
        request_id = getattr(request.state, "request_id", None)
        if request_id:
            body["request_id"] = request_id
    if errors:
        body["errors"] = list(errors)
    return JSONResponse(
        jsonable_encoder(body), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


def _public_url(request: Request | None) -> str | None:
    settings = getattr(request.app.state, "settings", None) if request is not None else None
    return settings.public_url if settings is not None else None


def _service_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    if exc.status >= 500:
        logger.error("%s: %s", exc.slug, exc.detail)
    return problem_response(
        request,
        status=exc.status,
        slug=exc.slug,
        title=exc.title,
        detail=exc.detail,
        errors=exc.errors,
        headers=exc.headers,
    )


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    """Errors raised by the framework itself: unknown routes, wrong methods, unreadable bodies."""
    assert isinstance(exc, StarletteHTTPException)
    status = HTTPStatus(exc.status_code)
    known = _BY_STATUS.get(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) else status.description
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"There is no endpoint at {request.url.path}; the API is described at /docs."
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        allowed = allowed_methods(request.app.routes, request.url.path)
        headers["Allow"] = ", ".join(allowed)
        detail = (
            f"{request.method} is not supported on {request.url.path}; "
            f"it supports {', '.join(allowed)}."
        )
    return problem_response(
        request,
        status=exc.status_code,
        slug=known.slug if known else status.phrase.lower().replace(" ", "-"),
        title=known.title if known else status.phrase,
        detail=detail,
        headers=headers,
    )


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    media_type = sent_other_than_json(request, exc.errors())
    if media_type is not None:
        return problem_response(
            request,
            status=UnsupportedMediaType.status,
            slug=UnsupportedMediaType.slug,
            title=UnsupportedMediaType.title,
            detail=f"This endpoint takes a JSON body (Content-Type: application/json), "
            f"not {media_type}.",
            headers={"Accept-Post": "application/json"} if request.method == "POST" else None,
        )
    errors = [_describe(err) for err in exc.errors()]
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:3])
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return problem_response(
        request,
        status=422,
        slug=InvalidInput.slug,
        title=InvalidInput.title,
        detail=f"{summary}{more}",
        errors=errors,
    )


def _describe(err: Any) -> dict[str, str]:
    """Turn a pydantic error into {"field", "message"} a person can act on."""
    loc = [str(part) for part in err.get("loc", ())]
    where, path = (
        (loc[0], loc[1:])
        if loc and loc[0] in {"body", "query", "path", "header"}
        else (
            "body",
            loc,
        )
    )
    field = ".".join(path) or where
    kind = err.get("type", "")
    message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    if kind == "json_invalid":
        field, message = "body", f"the body is not valid JSON ({err.get('ctx', {}).get('error')})"
    elif kind == "missing":
        message = f"'{path[-1] if path else where}' is required in the {where}"
    elif kind == "extra_forbidden":
        message = f"unknown field '{path[-1] if path else field}'"
    return {"field": field, "message": message}


POOL_RETRY_AFTER_SECONDS = 2


def _pool_exhausted(request: Request, exc: Exception) -> JSONResponse:
    logger.warning("no database connection free in time: %s", exc)
    return problem_response(
        request,
        status=503,
        slug=Unavailable.slug,
        title=Unavailable.title,
        detail="The service is busy: every database connection is in use. Try again shortly.",
        headers={"Retry-After": str(POOL_RETRY_AFTER_SECONDS)},
    )


DATABASE_RETRY_AFTER_SECONDS = 5


def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """The database is unreachable or dropped the connection (an outage, a restart, a
    failover): 503 and Retry-After, not a 500. Other database errors are ours: a 500."""
    assert isinstance(exc, DBAPIError)
    if not (isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated):
        return _unhandled(request, exc)
    logger.error("database unavailable: %s", str(exc.orig or exc).strip().splitlines()[0])
    return problem_response(
        request,
        status=503,
        slug=Unavailable.slug,
        title=Unavailable.title,
        detail="The database is not reachable right now; nothing was changed. Try again in "
        f"{DATABASE_RETRY_AFTER_SECONDS} seconds.",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    request_id = getattr(request.state, "request_id", "-")
    logger.exception("unhandled error (request %s)", request_id, exc_info=exc)
    return problem_response(
        request,
        status=500,
        slug=ServiceError.slug,
        title=ServiceError.title,
        detail=f"Something went wrong on our side. Quote request id {request_id} to support.",
    )


HtmlErrorPage = Callable[[Request, JSONResponse], Response | None]
"""Turns a problem response into an HTML page for a browser, or returns None to keep it."""


def _for_browsers(
    handler: Callable[[Request, Exception], JSONResponse],
) -> Callable[[Request, Exception], Response]:
    def handle(request: Request, exc: Exception) -> Response:
        problem = handler(request, exc)
        page: HtmlErrorPage | None = getattr(request.app.state, "html_error_page", None)
        return (page(request, problem) if page else None) or problem

    return handle


unhandled_error = _for_browsers(_unhandled)
"""The 500 response for an exception nothing else handled (see `middleware.UnhandledErrors`)."""


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, _for_browsers(_service_error))
    app.add_exception_handler(StarletteHTTPException, _for_browsers(_http_error))
    app.add_exception_handler(RequestValidationError, _for_browsers(_validation_error))
    app.add_exception_handler(PoolTimeout, _for_browsers(_pool_exhausted))
    app.add_exception_handler(DBAPIError, _for_browsers(_database_error))
    app.add_exception_handler(Exception, unhandled_error)
