"""Report downloads: the assessment report and the vendor comparison, as PDF or HTML preview."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import Header, Query, Request, Response

from service.auth.dependencies import Reader
from service.dependencies import DbSession, LibraryDep
from service.openapi import errors
from service.reporting import service as report_service
from service.reporting.delivery import download
from service.reporting.documents import ascii_filename
from service.routing import api_router

router = api_router("/api/v1", "Reports")

PREVIEW_POLICY = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; font-src 'self'; img-src 'self' data:"
)
_FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"application/pdf": {}, "text/html": {}},
        "description": "The report; `ETag` identifies these exact bytes.",
    },
    304: {"description": "Not modified: the If-None-Match ETag is still current."},
}


def _respond(
    report: report_service.Report, if_none_match: str | None, disposition: str
) -> Response:
    headers = {
        "ETag": report.etag,
        "Cache-Control": "private, no-cache",
        "Content-Disposition": (
            f'{disposition}; filename="{ascii_filename(report.filename)}"; '
            f"filename*=UTF-8''{quote(report.filename)}"
        ),
        "X-Content-Type-Options": "nosniff",
    }
    if report.media_type.startswith("text/html"):
        headers["Content-Security-Policy"] = PREVIEW_POLICY
    if if_none_match and report.etag in {tag.strip() for tag in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(report.content, media_type=report.media_type, headers=headers)


IfNoneMatch = Annotated[str | None, Header(description="ETag of a copy you already have.")]


@router.get(
    "/assessments/{assessment_id}/report.{fmt}",
    response_class=Response,
    responses={**_FILES, **errors(401, 403, 404, 409, 503)},
)
async def get_assessment_report(
    request: Request,
    assessment_id: uuid.UUID,
    fmt: Literal["pdf", "html"],
    session: DbSession,
    library: LibraryDep,
    principal: Reader,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """The scored assessment as a client-ready PDF report (or its HTML preview)."""
    report = await download(
        request,
        principal.organisation_id,
        lambda admit: report_service.prepare_assessment_report(
            session, library, principal.organisation_id, assessment_id, fmt, admit
        ),
    )
    return _respond(report, if_none_match, "attachment" if fmt == "pdf" else "inline")


@router.get(
    "/clients/{client_id}/comparison.{fmt}",
    response_class=Response,
    responses={**_FILES, **errors(401, 403, 404, 409, 422, 503)},
)
async def get_client_comparison(
    request: Request,
    client_id: uuid.UUID,
    fmt: Literal["pdf", "html"],
    session: DbSession,
    library: LibraryDep,
    principal: Reader,
    assessment_id: Annotated[
        list[uuid.UUID] | None,
        Query(description="Compare only these assessments (repeat the parameter)."),
    ] = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """The client's scored vendors side by side, ranked, as PDF (or HTML preview)."""
    report = await download(
        request,
        principal.organisation_id,
        lambda admit: report_service.prepare_comparison_report(
            session, library, principal.organisation_id, client_id, assessment_id, fmt, admit
        ),
    )
    return _respond(report, if_none_match, "attachment" if fmt == "pdf" else "inline")
