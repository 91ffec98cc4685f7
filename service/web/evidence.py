"""Evidence on the assessment pages: upload a file, accept a suggested answer, remove a file.

The vendor's invitation page has the same three actions (service/web/invite.py); both call the
evidence service functions the API calls.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from service.assessments import service as assessment_service
from service.assessments.models import Assessment
from service.auth.principal import Principal
from service.dependencies import DbSession
from service.errors import InvalidInput, ServiceError
from service.evidence import overview as evidence_overview
from service.evidence import service as evidence_service
from service.evidence import suggestions
from service.evidence.kinds import MAX_UPLOAD, EvidenceKind
from service.evidence.models import EvidenceFile
from service.web.auth import Editor, signed_in_router
from service.web.forms import Form, attempt, text
from service.web.pages import redirect

router = signed_in_router()


@dataclass(frozen=True)
class EvidenceUrls:
    upload: str
    accept: str
    delete: str | None


def context(
    session: Session, assessment: Assessment, base: str, *, editable: bool
) -> dict[str, object]:
    """What the evidence panel and the per-answer statuses need."""
    overview = evidence_overview.overview(session, assessment)
    return {
        "evidence": overview,
        "evidence_by_question": overview.by_question if overview.files else {},
        "evidence_urls": EvidenceUrls(
            upload=f"{base}/evidence",
            accept=f"{base}/evidence/accept",
            delete=f"{base}/evidence" if base.startswith("/assessments/") else None,
        ),
        "evidence_editable": editable,
        # the vendor's page names no one at the agency
        "evidence_public": base.startswith("/invite/"),
    }


def upload_from_form(
    session: Session, principal: Principal, assessment: Assessment, form: FormData
) -> EvidenceFile:
    """The upload form's file and kind, through the evidence service."""
    sent = form.get("file")
    if not isinstance(sent, UploadFile) or not sent.filename:
        raise InvalidInput(
            "Choose a file to upload.", errors=[{"field": "file", "message": "no file chosen"}]
        )
    chosen = text(form, "kind")
    if chosen and chosen not in EvidenceKind.__members__.values():
        raise InvalidInput(
            f"'{chosen}' is not a kind of evidence.",
            errors=[{"field": "kind", "message": "not a kind of evidence"}],
        )
    content = sent.file.read(MAX_UPLOAD + 1)
    upload = evidence_service.Upload(
        sent.filename, content, EvidenceKind(chosen) if chosen else None
    )
    return evidence_service.upload(session, principal, assessment, upload)


def uploaded_message(row: EvidenceFile) -> str:
    if row.parse_error:
        return f"{row.filename} is kept, but could not be read. {row.parse_error}"
    count = len(row.facts)
    return f"{row.filename} added: {count} fact{'s' if count != 1 else ''} found."


@router.post("/assessments/{assessment_id}/evidence")
def upload_assessment_evidence(
    assessment_id: uuid.UUID, request: Request, session: DbSession, user: Editor, form: Form
) -> Response:
    """Attach an evidence file to the assessment."""
    assessment = _locked(session, user.principal, assessment_id)
    done = attempt(session, lambda: upload_from_form(session, user.principal, assessment, form))
    message = (
        f"Not added: {done.detail}" if isinstance(done, ServiceError) else uploaded_message(done)
    )
    return redirect(session, user, f"/assessments/{assessment_id}#evidence", message)


@router.post("/assessments/{assessment_id}/evidence/accept")
def accept_assessment_evidence(
    assessment_id: uuid.UUID, request: Request, session: DbSession, user: Editor, form: Form
) -> Response:
    """Answer a question with the value its evidence suggests."""
    assessment = _locked(session, user.principal, assessment_id)
    question = text(form, "question")
    done = attempt(
        session, lambda: suggestions.accept(session, user.principal, assessment, question, None)
    )
    message = (
        f"Not changed: {done.detail}"
        if isinstance(done, ServiceError)
        else "Suggested answer saved."
    )
    anchor = "q-" + question.replace(".", "-") if question else "evidence"
    return redirect(session, user, f"/assessments/{assessment_id}#{anchor}", message)


@router.post("/assessments/{assessment_id}/evidence/{file_id}/delete")
def delete_assessment_evidence(
    assessment_id: uuid.UUID, file_id: uuid.UUID, session: DbSession, user: Editor
) -> Response:
    """Remove an evidence file from a draft."""
    assessment = _locked(session, user.principal, assessment_id)
    done = attempt(session, lambda: evidence_service.delete(session, assessment, file_id))
    message = (
        f"Not removed: {done.detail}"
        if isinstance(done, ServiceError)
        else "Evidence file removed."
    )
    return redirect(session, user, f"/assessments/{assessment_id}#evidence", message)


def _locked(session: Session, principal: Principal, assessment_id: uuid.UUID) -> Assessment:
    return assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id, lock=True
    )
