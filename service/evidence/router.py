"""Evidence endpoints: upload, list (with the status of every answer), download, delete."""

from __future__ import annotations

import re
import uuid
from typing import Annotated

from fastapi import Body, File, Form, Header, Path, Response, UploadFile, status

from service.assessments import service as assessment_service
from service.assessments.etag import etag, parse_if_match
from service.assessments.presenters import to_read
from service.assessments.schemas import AssessmentRead
from service.auth.dependencies import AssessmentEditor, Reader
from service.dependencies import AppSettings, DbSession
from service.errors import Conflict
from service.evidence import hub, suggestions
from service.evidence import overview as evidence_overview
from service.evidence import service as evidence_service
from service.evidence.kinds import MAX_UPLOAD, EvidenceKind
from service.evidence.schemas import EvidenceFileRead, EvidenceOverviewRead, HubLookupRequest
from service.openapi import errors
from service.routing import api_router

router = api_router("/api/v1/assessments", "Evidence")

EVIDENCE_UPLOADS = re.compile(
    r"^/(api/v1/assessments|assessments|invite)/[^/]+/evidence(/upload)?$"
)
"""Where evidence files are uploaded (API, web app, invitation): bodies up to MAX_UPLOAD."""

IfMatch = Annotated[
    str | None,
    Header(description='The ETag of the revision you read, e.g. "7"; a stale one gets 412.'),
]
QuestionId = Annotated[str, Path(max_length=100, pattern=r"^[a-z0-9_.]+$")]


@router.post(
    "/{assessment_id}/evidence",
    status_code=status.HTTP_201_CREATED,
    response_model=EvidenceFileRead,
    responses=errors(400, 401, 403, 404, 409, 413, 422),
)
def upload_evidence(
    assessment_id: uuid.UUID,
    file: Annotated[UploadFile, File(description="The artefact, as the vendor ships it.")],
    session: DbSession,
    principal: AssessmentEditor,
    kind: Annotated[
        EvidenceKind | None,
        Form(description="Overrides the kind detected from the file's name and content."),
    ] = None,
) -> EvidenceFileRead:
    """Attach an evidence file; one that cannot be read is kept with its parse error."""
    assessment = assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id, lock=True
    )
    content = file.file.read(MAX_UPLOAD + 1)
    upload = evidence_service.Upload(file.filename or "evidence", content, kind)
    row = evidence_service.upload(session, principal, assessment, upload)
    return EvidenceFileRead.of(row, applies=bool(evidence_service.applying([row], assessment)))


@router.get(
    "/{assessment_id}/evidence",
    response_model=EvidenceOverviewRead,
    responses=errors(401, 403, 404),
)
def list_evidence(
    assessment_id: uuid.UUID, session: DbSession, principal: Reader
) -> EvidenceOverviewRead:
    """The files, and each answer's status: declared, evidenced, contradicted or suggested."""
    assessment = assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id
    )
    return EvidenceOverviewRead.of(evidence_overview.overview(session, assessment))


@router.get(
    "/{assessment_id}/evidence/{file_id}/content",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}, **errors(401, 403, 404)},
)
def download_evidence(
    assessment_id: uuid.UUID, file_id: uuid.UUID, session: DbSession, principal: Reader
) -> Response:
    """The file exactly as uploaded (its SHA-256 is in the listing)."""
    assessment = assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id
    )
    row = evidence_service.get_file(session, assessment, file_id)
    return Response(
        row.content,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{row.filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.delete(
    "/{assessment_id}/evidence/{file_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=errors(401, 403, 404, 409),
)
def delete_evidence(
    assessment_id: uuid.UUID, file_id: uuid.UUID, session: DbSession, principal: AssessmentEditor
) -> Response:
    """Remove an evidence file from a draft (a submitted assessment keeps its evidence)."""
    assessment = assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id, lock=True
    )
    evidence_service.delete(session, assessment, file_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{assessment_id}/evidence/suggestions/{question_id}/accept",
    response_model=AssessmentRead,
    responses=errors(400, 401, 403, 404, 409, 412, 422),
)
def accept_evidence_suggestion(
    assessment_id: uuid.UUID,
    question_id: QuestionId,
    response: Response,
    session: DbSession,
    principal: AssessmentEditor,
    if_match: IfMatch = None,
) -> AssessmentRead:
    """Answer an unknown question with the value its evidence suggests (recorded in history)."""
    assessment = assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id, lock=True
    )
    suggestions.accept(session, principal, assessment, question_id, parse_if_match(if_match))
    response.headers["ETag"] = etag(assessment.revision)
    return to_read(assessment)


@router.post(
    "/{assessment_id}/evidence/hub",
    status_code=status.HTTP_201_CREATED,
    response_model=list[EvidenceFileRead],
    responses=errors(401, 403, 404, 409, 422, 503),
)
def fetch_hub_evidence(
    assessment_id: uuid.UUID,
    session: DbSession,
    settings: AppSettings,
    principal: AssessmentEditor,
    body: Annotated[
        HubLookupRequest | None, Body(examples=[{"repo_id": "Qwen/Qwen2.5-7B-Instruct"}])
    ] = None,
) -> list[EvidenceFileRead]:
    """Fetch a Hub model's card, config.json and file list as evidence (only when
    STACKVET_HF_HUB_LOOKUP=true; off by default)."""
    assessment = assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id, lock=True
    )
    if not settings.hf_hub_lookup:
        raise Conflict(
            "The Hugging Face look-up is off: an administrator can enable it with "
            "STACKVET_HF_HUB_LOOKUP=true. Until then, upload the model card and config.json."
        )
    rows = hub.fetch(session, principal, assessment, body.repo_id if body else None)
    return [EvidenceFileRead.of(row) for row in rows]
