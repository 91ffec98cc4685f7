"""Spreadsheet endpoints: the questionnaire workbook (download, upload) and CSV/XLSX exports."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import Depends, Header, Query, Request, Response

from service.assessments import service as assessment_service
from service.assessments.etag import etag, parse_if_match
from service.assessments.models import AssessmentStatus
from service.assessments.presenters import to_read
from service.auth.dependencies import AssessmentEditor, Reader
from service.dependencies import DbSession
from service.errors import InvalidInput
from service.openapi import errors
from service.reporting.documents import ascii_filename
from service.routing import api_router
from service.spreadsheets import service as spreadsheet_service
from service.spreadsheets.layout import XLSX_MEDIA_TYPE
from service.spreadsheets.reading import MAX_WORKBOOK_BYTES
from service.spreadsheets.schemas import WorkbookImportRead
from service.spreadsheets.tables import Export

router = api_router("/api/v1", "Spreadsheets")

_BINARY = {"schema": {"type": "string", "format": "binary"}}
_WORKBOOK: dict[int | str, dict[str, Any]] = {
    200: {"content": {XLSX_MEDIA_TYPE: _BINARY}, "description": "The workbook (.xlsx)."}
}
_TABLE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/csv": _BINARY, XLSX_MEDIA_TYPE: _BINARY},
        "description": "CSV (UTF-8, formula-safe) or a one-sheet workbook, by the extension.",
    }
}
_UPLOAD = {
    "requestBody": {
        "required": True,
        "description": (
            "The workbook downloaded from GET …/questionnaire.xlsx, filled in, as the raw request "
            f"body (curl --data-binary @file.xlsx); at most {MAX_WORKBOOK_BYTES // 1024} KiB. "
            "Sent as application/octet-stream it is read the same way."
        ),
        "content": {XLSX_MEDIA_TYPE: _BINARY, "application/octet-stream": _BINARY},
    }
}
IfMatch = Annotated[
    str | None,
    Header(description='The ETag of the revision you read, e.g. "7"; a stale one gets 412.'),
]
Format = Literal["csv", "xlsx"]


async def workbook_body(request: Request) -> bytes:
    """The raw request body; a form upload is refused with what to send instead."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type.startswith("multipart/") or media_type.endswith("x-www-form-urlencoded"):
        message = (
            "Send the workbook itself as the request body (curl --data-binary @file.xlsx -H "
            f"'Content-Type: {XLSX_MEDIA_TYPE}'), not as a form."
        )
        raise InvalidInput(message, errors=[{"field": "body", "message": message}])
    return await request.body()


WorkbookBody = Annotated[bytes, Depends(workbook_body)]


def download(content: bytes, media_type: str, filename: str) -> Response:
    headers = {
        "Content-Disposition": (
            f'attachment; filename="{ascii_filename(filename)}"; '
            f"filename*=UTF-8''{quote(filename)}"
        ),
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(content, media_type=media_type, headers=headers)


def download_export(export: Export) -> Response:
    return download(export.content, export.media_type, export.filename)


@router.get(
    "/assessments/{assessment_id}/questionnaire.xlsx",
    response_class=Response,
    responses={**_WORKBOOK, **errors(401, 403, 404)},
)
def get_questionnaire_workbook(
    assessment_id: uuid.UUID,
    session: DbSession,
    principal: Reader,
    blank: Annotated[bool, Query(description="Leave the answers out.")] = False,
) -> Response:
    """The assessment's questionnaire as an Excel workbook: a sheet per section, dropdowns."""
    assessment = assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id
    )
    content = spreadsheet_service.export_questionnaire(assessment, blank=blank)
    name = spreadsheet_service.filename(assessment, blank=blank)
    response = download(content, XLSX_MEDIA_TYPE, name)
    response.headers["ETag"] = etag(assessment.revision)
    return response


@router.post(
    "/assessments/{assessment_id}/questionnaire.xlsx",
    response_model=WorkbookImportRead,
    responses=errors(400, 401, 403, 404, 409, 412, 413, 422),
    openapi_extra=_UPLOAD,
)
def import_questionnaire_workbook(
    assessment_id: uuid.UUID,
    content: WorkbookBody,
    response: Response,
    session: DbSession,
    principal: AssessmentEditor,
    if_match: IfMatch = None,
) -> WorkbookImportRead:
    """Import a filled workbook into the draft: all cells valid, or nothing saved (422 lists
    every bad cell by sheet, row and question id)."""
    assessment = assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id, lock=True
    )
    done = spreadsheet_service.import_questionnaire(
        session, principal, assessment, content, parse_if_match(if_match)
    )
    response.headers["ETag"] = etag(assessment.revision)
    return WorkbookImportRead(
        changed=done.changed,
        unchanged=done.unchanged,
        not_in_workbook=done.not_in_workbook,
        assessment=to_read(assessment),
    )


@router.get(
    "/assessments/{assessment_id}/findings.{fmt}",
    response_class=Response,
    responses={**_TABLE, **errors(401, 403, 404)},
)
def get_assessment_findings_export(
    assessment_id: uuid.UUID, fmt: Format, session: DbSession, principal: Reader
) -> Response:
    """The latest score's findings, most severe first, as CSV or XLSX."""
    return download_export(
        spreadsheet_service.findings(session, principal.organisation_id, assessment_id, fmt)
    )


@router.get(
    "/assessments.{fmt}", response_class=Response, responses={**_TABLE, **errors(401, 403, 422)}
)
def get_assessments_export(
    fmt: Format,
    session: DbSession,
    principal: Reader,
    vendor_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
    status: AssessmentStatus | None = None,
    external_id: Annotated[str | None, Query(description="Exact CRM id.")] = None,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Part of the title, the vendor's or the client's name."),
    ] = None,
) -> Response:
    """The assessment list with the list endpoint's filters, as CSV or XLSX (up to 10,000)."""
    filters = spreadsheet_service.ListFilters(vendor_id, client_id, status, external_id, q)
    return download_export(
        spreadsheet_service.assessment_list(session, principal.organisation_id, filters, fmt)
    )
