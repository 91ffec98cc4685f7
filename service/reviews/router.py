"""Review endpoints: start, request changes, approve; versions; clarification threads."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Body, Response, status

from service.assessments import service as assessment_service
from service.assessments import versions
from service.assessments.etag import etag, parse_if_match
from service.assessments.models import Assessment
from service.assessments.presenters import to_read
from service.assessments.router import IfMatch
from service.assessments.schemas import AssessmentRead
from service.auth.dependencies import AssessmentEditor, AssessmentReviewer, Reader
from service.dependencies import DbSession
from service.openapi import errors
from service.reviews import clarifications
from service.reviews import service as review_service
from service.reviews.presenters import to_thread, to_version
from service.reviews.schemas import (
    ApprovalRequest,
    ChangesRequest,
    ClarificationCreate,
    ClarificationRead,
    ClarificationReply,
    ClarificationResolve,
    TransitionRequest,
    VersionRead,
)
from service.routing import api_router

router = api_router("/api/v1/assessments", "Review")

_WRITE = errors(400, 401, 403, 404, 409, 412, 422)
"""403: wrong role, or approving answers you wrote; 409: wrong state or open requests."""


def _respond(response: Response, assessment: Assessment) -> AssessmentRead:
    response.headers["ETag"] = etag(assessment.revision)
    return to_read(assessment)


@router.post("/{assessment_id}/review", response_model=AssessmentRead, responses=_WRITE)
def start_assessment_review(
    assessment_id: uuid.UUID,
    response: Response,
    session: DbSession,
    principal: AssessmentReviewer,
    body: Annotated[
        TransitionRequest | None, Body(examples=[{"reason": "Picked up for review."}])
    ] = None,
    if_match: IfMatch = None,
) -> AssessmentRead:
    """Take a submitted assessment into review (submitted → in_review)."""
    assessment = assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id, lock=True
    )
    review_service.start_review(
        session, principal, assessment, parse_if_match(if_match), body.reason if body else None
    )
    return _respond(response, assessment)


@router.post("/{assessment_id}/request-changes", response_model=AssessmentRead, responses=_WRITE)
def request_assessment_changes(
    assessment_id: uuid.UUID,
    response: Response,
    session: DbSession,
    principal: AssessmentReviewer,
    body: Annotated[
        ChangesRequest | None,
        Body(
            examples=[
                {
                    "reason": "Two answers need detail.",
                    "requests": [{"question_id": "framework.version", "message": "CUDA?"}],
                }
            ]
        ),
    ] = None,
    if_match: IfMatch = None,
) -> AssessmentRead:
    """Send it back to the respondent for the questions with open clarification requests."""
    data = body or ChangesRequest()
    assessment = assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id, lock=True
    )
    review_service.request_changes(
        session,
        principal,
        assessment,
        parse_if_match(if_match),
        data.reason,
        [review_service.NewRequest(r.question_id, r.message) for r in data.requests],
    )
    return _respond(response, assessment)


@router.post("/{assessment_id}/approve", response_model=AssessmentRead, responses=_WRITE)
def approve_assessment(
    assessment_id: uuid.UUID,
    response: Response,
    session: DbSession,
    principal: AssessmentReviewer,
    body: Annotated[
        ApprovalRequest | None,
        Body(examples=[{"conditions": ["Pin the serving image by digest before go-live."]}]),
    ] = None,
    if_match: IfMatch = None,
) -> AssessmentRead:
    """Approve (optionally with conditions) and publish the report; 409 names open requests,
    403 when you wrote any of the answers."""
    data = body or ApprovalRequest()
    assessment = assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id, lock=True
    )
    review_service.approve(
        session, principal, assessment, parse_if_match(if_match), data.conditions, data.reason
    )
    return _respond(response, assessment)


@router.get(
    "/{assessment_id}/versions", response_model=list[VersionRead], responses=errors(401, 403, 404)
)
def list_assessment_versions(
    assessment_id: uuid.UUID, session: DbSession, principal: Reader
) -> list[VersionRead]:
    """Every version of this assessment, first to latest, with its report's URL."""
    assessment = assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id
    )
    return [to_version(row) for row in versions.versions_of(session, assessment)]


@router.get(
    "/{assessment_id}/clarifications",
    response_model=list[ClarificationRead],
    responses=errors(401, 403, 404),
)
def list_clarifications(
    assessment_id: uuid.UUID, session: DbSession, principal: Reader
) -> list[ClarificationRead]:
    """This version's clarification threads, open ones first, each with every message."""
    assessment = assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id
    )
    questions = assessment_service.questionnaire_for(assessment).questions
    return [to_thread(t, questions) for t in clarifications.threads(session, assessment)]


@router.post(
    "/{assessment_id}/clarifications",
    status_code=status.HTTP_201_CREATED,
    response_model=ClarificationRead,
    responses=errors(400, 401, 403, 404, 409, 422),
)
def create_clarification(
    assessment_id: uuid.UUID,
    body: ClarificationCreate,
    session: DbSession,
    principal: AssessmentReviewer,
) -> ClarificationRead:
    """Ask the respondent about one question (a follow-up when its thread exists)."""
    assessment = assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id, lock=True
    )
    thread = clarifications.ask(session, principal, assessment, body.question_id, body.message)
    return to_thread(thread, assessment_service.questionnaire_for(assessment).questions)


@router.post(
    "/{assessment_id}/clarifications/{clarification_id}/replies",
    response_model=ClarificationRead,
    responses=errors(400, 401, 403, 404, 409, 422),
)
def reply_to_clarification(
    assessment_id: uuid.UUID,
    clarification_id: uuid.UUID,
    body: ClarificationReply,
    session: DbSession,
    principal: AssessmentEditor,
) -> ClarificationRead:
    """Answer a request: a reply, a changed answer (drafts and changes requested), or both."""
    assessment = assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id, lock=True
    )
    thread = clarifications.get_thread(session, assessment, clarification_id)
    if "answer" in body.model_fields_set:
        clarifications.reply(session, principal, assessment, thread, body.message, body.answer)
    else:
        clarifications.reply(session, principal, assessment, thread, body.message)
    return to_thread(thread, assessment_service.questionnaire_for(assessment).questions)


@router.post(
    "/{assessment_id}/clarifications/{clarification_id}/resolve",
    response_model=ClarificationRead,
    responses=errors(400, 401, 403, 404, 409, 422),
)
def resolve_clarification(
    assessment_id: uuid.UUID,
    clarification_id: uuid.UUID,
    session: DbSession,
    principal: AssessmentReviewer,
    body: Annotated[
        ClarificationResolve | None, Body(examples=[{"message": "Thanks, that settles it."}])
    ] = None,
) -> ClarificationRead:
    """Accept the reply, or withdraw the request; resolving twice is harmless."""
    assessment = assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id, lock=True
    )
    thread = clarifications.get_thread(session, assessment, clarification_id)
    clarifications.resolve(session, principal, assessment, thread, body.message if body else None)
    return to_thread(thread, assessment_service.questionnaire_for(assessment).questions)
