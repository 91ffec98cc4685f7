"""The Excel round-trip and the CSV/XLSX exports in the web app (signed-in pages).

Downloads and imports call the same service functions as the API; a refused import shows the
questionnaire page again with every cell to correct.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from service.assessments import service as assessment_service
from service.assessments.models import Assessment
from service.auth.principal import Principal
from service.dependencies import DbSession
from service.errors import InvalidInput, ServiceError
from service.spreadsheets import service as spreadsheet_service
from service.spreadsheets.layout import XLSX_MEDIA_TYPE
from service.spreadsheets.router import download, download_export
from service.web.assessment_pages import questionnaire_page
from service.web.auth import Editor, SignedIn, signed_in_router
from service.web.dashboard import parse_filters
from service.web.forms import Form, attempt
from service.web.pages import redirect
from service.web.workbook_panel import WorkbookPanel, panel_for

router = signed_in_router()

Text = Annotated[str, Query(max_length=200)]
UPLOAD_FIELD = "workbook"


def uploaded(form: Form) -> bytes | None:
    """The uploaded file's bytes (the body limit has already bounded them)."""
    file = form.get(UPLOAD_FIELD)
    if not isinstance(file, UploadFile):
        return None
    file.file.seek(0)
    return file.file.read()


def no_file_error() -> InvalidInput:
    message = "Choose the filled workbook (.xlsx) to upload."
    return InvalidInput(message, errors=[{"field": UPLOAD_FIELD, "message": message}])


@router.get("/assessments/{assessment_id}/questionnaire.xlsx")
def download_questionnaire_workbook(
    assessment_id: uuid.UUID, session: DbSession, user: SignedIn, blank: bool = False
) -> Response:
    """The questionnaire as an Excel workbook, with the current answers unless blank."""
    assessment = assessment_service.get_assessment(
        session, user.principal.organisation_id, assessment_id
    )
    content = spreadsheet_service.export_questionnaire(assessment, blank=blank)
    return download(content, XLSX_MEDIA_TYPE, spreadsheet_service.filename(assessment, blank=blank))


@router.post("/assessments/{assessment_id}/questionnaire.xlsx")
def upload_questionnaire_workbook(
    assessment_id: uuid.UUID, request: Request, session: DbSession, user: Editor, form: Form
) -> Response:
    """Import a filled workbook; every cell to correct is listed when it is refused."""
    assessment = assessment_service.get_assessment(
        session, user.principal.organisation_id, assessment_id, lock=True
    )
    content = uploaded(form)
    outcome = attempt(session, lambda: _import(session, user.principal, assessment, content))
    if isinstance(outcome, ServiceError):
        return _refused_page(request, session, user, assessment_id, outcome)
    count = len(outcome.changed)
    message = f"Imported the workbook: {count} answer{'s' if count != 1 else ''} changed."
    return redirect(session, user, f"/assessments/{assessment.id}", message)


def _import(
    session: Session, principal: Principal, assessment: Assessment, content: bytes | None
) -> spreadsheet_service.Imported:
    if not content:
        raise no_file_error()
    return spreadsheet_service.import_questionnaire(session, principal, assessment, content, None)


def _refused_page(
    request: Request,
    session: Session,
    user: Editor,
    assessment_id: uuid.UUID,
    error: ServiceError,
) -> Response:
    assessment = assessment_service.get_assessment(
        session, user.principal.organisation_id, assessment_id
    )
    base = panel_for(assessment, editable=True)
    workbook = WorkbookPanel.refused(base.download, base.upload, error)
    return questionnaire_page(
        request, session, user, assessment, status=error.status, workbook=workbook
    )


@router.get("/assessments.{fmt}")
def download_assessment_list(
    fmt: Literal["csv", "xlsx"],
    session: DbSession,
    user: SignedIn,
    q: Text = "",
    status: Text = "",
    client: Text = "",
    vendor: Text = "",
) -> Response:
    """The dashboard's list, with its filters, as CSV or XLSX."""
    filters = parse_filters(q, status, client, vendor)
    chosen = spreadsheet_service.ListFilters(
        vendor_id=filters.vendor_id,
        client_id=filters.client_id,
        status=filters.status,
        search=filters.q or None,
    )
    return download_export(
        spreadsheet_service.assessment_list(session, user.principal.organisation_id, chosen, fmt)
    )


@router.get("/assessments/{assessment_id}/findings.{fmt}")
def download_findings(
    assessment_id: uuid.UUID, fmt: Literal["csv", "xlsx"], session: DbSession, user: SignedIn
) -> Response:
    """The latest score's findings as CSV or XLSX."""
    return download_export(
        spreadsheet_service.findings(session, user.principal.organisation_id, assessment_id, fmt)
    )
