"""The Excel round-trip on a vendor's invitation page: download (blank or current), upload.

The same rules as the rest of the invitation: the link's token opens its own assessment only,
every request is counted against the link's limits, an upload carries the link's CSRF token,
and the answers are imported with the vendor contact as the actor.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from service.dependencies import DbSession
from service.errors import ServiceError
from service.invitations import service as invitation_service
from service.spreadsheets import service as spreadsheet_service
from service.spreadsheets.layout import XLSX_MEDIA_TYPE
from service.spreadsheets.router import download
from service.web.forms import Form, attempt
from service.web.invite import Token, _guarded, _open_for_change, _page
from service.web.limits import Limits
from service.web.templating import secure
from service.web.workbook_panel import WorkbookPanel
from service.web.workbooks import no_file_error, uploaded

router = APIRouter(include_in_schema=False)


def invite_panel(token: str) -> WorkbookPanel:
    url = f"/invite/{token}/questionnaire.xlsx"
    return WorkbookPanel(download=url, upload=url)


@router.get("/invite/{token}/questionnaire.xlsx")
def download_invitation_workbook(
    token: Token, request: Request, session: DbSession, limits: Limits, blank: bool = False
) -> Response:
    """The questionnaire as a workbook, with the answers so far unless blank."""

    def action() -> Response:
        _, assessment = invitation_service.open_link(session, token)
        content = spreadsheet_service.export_questionnaire(assessment, blank=blank)
        name = spreadsheet_service.filename(assessment, blank=blank)
        return secure(download(content, XLSX_MEDIA_TYPE, name))

    return _guarded(request, session, limits, token, action)


@router.get("/invite/{token}/copy.xlsx")
def download_invitation_answers_workbook(
    token: Token, request: Request, session: DbSession, limits: Limits
) -> Response:
    """The vendor's copy of the answers submitted with this link, as a workbook.

    The same snapshot as the PDF copy; it is the questionnaire workbook with those answers,
    so after a request for changes the vendor can edit it and upload it again.
    """

    def action() -> Response:
        invitation, assessment = invitation_service.submitted_copy(session, token)
        assert invitation.submitted_at is not None
        answers = invitation.submitted_answers or assessment.answers
        content = spreadsheet_service.export_questionnaire(assessment, answers=answers)
        name = f"{assessment.vendor.name} answers {invitation.submitted_at:%Y-%m-%d}.xlsx"
        return secure(download(content, XLSX_MEDIA_TYPE, name))

    return _guarded(request, session, limits, token, action)


@router.post("/invite/{token}/questionnaire.xlsx")
def upload_invitation_workbook(
    token: Token, request: Request, session: DbSession, limits: Limits, form: Form
) -> Response:
    """Import the vendor's filled workbook into the draft, or list every cell to correct."""

    def action() -> Response:
        invitation, assessment = _open_for_change(request, session, token, form)
        principal = invitation_service.principal_for(invitation)
        content = uploaded(form)

        def run() -> spreadsheet_service.Imported:
            if not content:
                raise no_file_error()
            return spreadsheet_service.import_questionnaire(
                session, principal, assessment, content, None
            )

        outcome = attempt(session, run)
        if isinstance(outcome, ServiceError):
            panel = invite_panel(token)
            workbook = WorkbookPanel.refused(panel.download, panel.upload, outcome)
            return _page(request, session, token, status=outcome.status, workbook=workbook)
        url = f"/invite/{token}?imported={len(outcome.changed)}"
        return secure(RedirectResponse(url, status_code=303))

    return _guarded(request, session, limits, token, action)
