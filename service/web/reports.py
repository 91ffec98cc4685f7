"""PDF downloads for signed-in users: the assessment report and the vendor comparison."""

from __future__ import annotations

import re
import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import Query, Request
from fastapi.responses import Response

from service.dependencies import DbSession, LibraryDep
from service.reporting import service as reporting_service
from service.reporting.delivery import download
from service.web.auth import SignedIn, signed_in_router

router = signed_in_router()


@router.get("/assessments/{assessment_id}/report.pdf")
async def download_report(
    assessment_id: uuid.UUID,
    request: Request,
    session: DbSession,
    library: LibraryDep,
    user: SignedIn,
) -> Response:
    """The scored assessment's PDF report."""
    organisation_id = user.principal.organisation_id
    report = await download(
        request,
        organisation_id,
        lambda admit: reporting_service.prepare_assessment_report(
            session, library, organisation_id, assessment_id, "pdf", admit
        ),
    )
    return _download(request, report)


@router.get("/compare/{client_id}/comparison.pdf")
async def download_comparison(
    client_id: uuid.UUID,
    request: Request,
    session: DbSession,
    library: LibraryDep,
    user: SignedIn,
    assessment_id: Annotated[list[uuid.UUID] | None, Query()] = None,
) -> Response:
    """The client's vendors side by side, as a PDF (optionally a chosen subset)."""
    organisation_id = user.principal.organisation_id
    report = await download(
        request,
        organisation_id,
        lambda admit: reporting_service.prepare_comparison_report(
            session, library, organisation_id, client_id, assessment_id or None, "pdf", admit
        ),
    )
    return _download(request, report)


def _download(request: Request, report: reporting_service.Report) -> Response:
    plain = re.sub(r"[^A-Za-z0-9._ -]", "_", report.filename)
    headers = {
        "ETag": report.etag,
        "Cache-Control": "private, no-cache",
        "Content-Disposition": (
            f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(report.filename)}"
        ),
        "X-Content-Type-Options": "nosniff",
    }
    if report.etag in {t.strip() for t in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(report.content, media_type=report.media_type, headers=headers)
