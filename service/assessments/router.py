"""Assessment endpoints: lifecycle, answers and history."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Body, Header, Query, Response, status

from service.assessments import history as assessment_history
from service.assessments import listing, reading
from service.assessments import service as assessment_service
from service.assessments import upgrade as upgrade_service
from service.assessments.etag import etag, parse_if_match
from service.assessments.models import Assessment, AssessmentStatus
from service.assessments.presenters import to_history, to_read
from service.assessments.schemas import (
    AnswersPatch,
    AssessmentCreate,
    AssessmentRead,
    AssessmentSummary,
    AssessmentUpdate,
    AssessmentUpgradeRead,
    AssessmentUpgradeRequest,
    DroppedAnswerRead,
    HistoryEntry,
    ReopenRequest,
)
from service.auth.dependencies import AssessmentEditor, AssessmentReopener, Reader
from service.catalog.schemas import QuestionnaireRef
from service.dependencies import CatalogDep, DbSession, LibraryDep, reads_only
from service.openapi import errors
from service.pagination import Page, PageQuery
from service.routing import api_router
from service.tombstones import service as tombstones
from service.tombstones.params import IncludeDeleted

router = api_router("/api/v1/assessments", "Assessments")

IfMatch = Annotated[
    str | None,
    Header(description='The ETag of the revision you read, e.g. "7"; a stale one gets 412.'),
]


def _respond(response: Response, assessment: Assessment) -> AssessmentRead:
    response.headers["ETag"] = etag(assessment.revision)
    return to_read(assessment)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=AssessmentRead,
    responses=errors(401, 403, 404, 409, 422),
)
def create_assessment(
    body: AssessmentCreate,
    response: Response,
    session: DbSession,
    catalog: CatalogDep,
    principal: AssessmentEditor,
) -> AssessmentRead:
    """Start a draft assessment of a vendor for a client, optionally with first answers."""
    assessment = assessment_service.create_assessment(session, catalog, principal, body)
    response.headers["Location"] = f"/api/v1/assessments/{assessment.id}"
    return _respond(response, assessment)


@router.get("", response_model=Page[AssessmentSummary], responses=errors(401, 403, 422))
@reads_only  # one statement (after the `q` name lookups, which need not share its snapshot)
def list_assessments(
    session: DbSession,
    principal: Reader,
    page: PageQuery,
    vendor_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
    status: AssessmentStatus | None = None,
    external_id: Annotated[str | None, Query(description="Exact CRM id.")] = None,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Part of the title, the vendor's or the client's name."),
    ] = None,
    all_versions: Annotated[
        bool, Query(description="Include earlier (superseded) versions; default: current only.")
    ] = False,
    include_deleted: IncludeDeleted = False,
) -> Response:
    """List assessments (current versions), oldest change first, with filters and cursors."""
    rows, next_cursor = listing.list_assessments(
        session,
        principal.organisation_id,
        page,
        vendor_id=vendor_id,
        client_id=client_id,
        status=status,
        external_id=external_id,
        search=q,
        all_versions=all_versions,
        include_deleted=include_deleted,
    )
    # The page's JSON as FastAPI would write it from the response model, without validating
    # every row twice (listing.page_json); the model still documents it.
    return Response(listing.page_json(page, rows, next_cursor), media_type="application/json")


@router.get("/{assessment_id}", response_model=AssessmentRead, responses=errors(401, 403, 404))
@reads_only
def get_assessment(assessment_id: uuid.UUID, session: DbSession, principal: Reader) -> Response:
    """Read one assessment with its answers; the ETag header carries the revision."""
    read = reading.read_assessment(session, principal.organisation_id, assessment_id)
    headers = {"ETag": etag(read["revision"])}
    return Response(reading.encode(read), media_type="application/json", headers=headers)


@router.patch(
    "/{assessment_id}",
    response_model=AssessmentRead,
    responses=errors(400, 401, 403, 404, 409, 412, 422),
)
def update_assessment(
    assessment_id: uuid.UUID,
    body: AssessmentUpdate,
    response: Response,
    session: DbSession,
    principal: AssessmentEditor,
    if_match: IfMatch = None,
) -> AssessmentRead:
    """Change the title or external id."""
    assessment = assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id, lock=True
    )
    assessment_service.update_assessment(session, assessment, body, parse_if_match(if_match))
    return _respond(response, assessment)


@router.patch(
    "/{assessment_id}/answers",
    response_model=AssessmentRead,
    responses=errors(400, 401, 403, 404, 409, 412, 422),
)
def update_answers(
    assessment_id: uuid.UUID,
    body: AnswersPatch,
    response: Response,
    session: DbSession,
    principal: AssessmentEditor,
    if_match: IfMatch = None,
) -> AssessmentRead:
    """Merge answers into a draft; null clears an answer. Every bad answer is listed at once."""
    assessment = assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id, lock=True
    )
    assessment_service.update_answers(
        session, principal, assessment, body.answers, parse_if_match(if_match)
    )
    return _respond(response, assessment)


@router.post(
    "/{assessment_id}/submit",
    response_model=AssessmentRead,
    responses=errors(400, 401, 403, 404, 409, 412, 422),
)
def submit_assessment(
    assessment_id: uuid.UUID,
    response: Response,
    session: DbSession,
    library: LibraryDep,
    principal: AssessmentEditor,
    if_match: IfMatch = None,
) -> AssessmentRead:
    """Lock the answers for review and compute the preview score (agency only); also resubmits
    after changes were requested. 422 lists every required question still unanswered."""
    assessment = assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id, lock=True
    )
    assessment_service.submit(session, library, principal, assessment, parse_if_match(if_match))
    return _respond(response, assessment)


@router.post(
    "/{assessment_id}/reopen",
    response_model=AssessmentRead,
    responses=errors(400, 401, 403, 404, 409, 412),
)
def reopen_assessment(
    assessment_id: uuid.UUID,
    response: Response,
    session: DbSession,
    principal: AssessmentReopener,
    body: Annotated[
        ReopenRequest | None, Body(examples=[{"reason": "New serving stack in 2027."}])
    ] = None,
    if_match: IfMatch = None,
) -> AssessmentRead:
    """Return a submitted assessment to draft; an approved one starts its next version (a new
    assessment, returned, with `Location`), leaving the approved one and its report as they
    were."""
    assessment = assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id, lock=True
    )
    reopened = assessment_service.reopen(
        session, principal, assessment, parse_if_match(if_match), body.reason if body else None
    )
    if reopened.id != assessment.id:
        response.headers["Location"] = f"/api/v1/assessments/{reopened.id}"
    return _respond(response, reopened)


@router.post(
    "/{assessment_id}/upgrade",
    response_model=AssessmentUpgradeRead,
    responses=errors(400, 401, 403, 404, 409, 412, 422),
)
def upgrade_assessment(
    assessment_id: uuid.UUID,
    response: Response,
    session: DbSession,
    catalog: CatalogDep,
    principal: AssessmentEditor,
    body: Annotated[AssessmentUpgradeRequest | None, Body(examples=[{"to": "2.0"}])] = None,
    if_match: IfMatch = None,
) -> AssessmentUpgradeRead:
    """Move a draft to a newer questionnaire version, keeping every answer still valid."""
    assessment = assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id, lock=True
    )
    done = upgrade_service.upgrade(
        session,
        catalog,
        principal,
        assessment,
        body.to if body else None,
        parse_if_match(if_match),
    )
    return AssessmentUpgradeRead(
        from_=done.previous,
        to=QuestionnaireRef.of(assessment.questionnaire),
        kept=list(done.carried.kept),
        dropped=[DroppedAnswerRead(**vars(d)) for d in done.carried.dropped],
        assessment=_respond(response, assessment),
    )


@router.get(
    "/{assessment_id}/history",
    response_model=list[HistoryEntry],
    responses=errors(401, 403, 404),
)
def get_assessment_history(
    assessment_id: uuid.UUID, session: DbSession, principal: Reader
) -> list[HistoryEntry]:
    """Every answer change and lifecycle step: who, when, old and new value."""
    assessment = assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id
    )
    return [to_history(entry) for entry in assessment_history.history(session, assessment)]


@router.delete(
    "/{assessment_id}", response_model=AssessmentRead, responses=errors(400, 401, 403, 404, 412)
)
def delete_assessment(
    assessment_id: uuid.UUID,
    response: Response,
    session: DbSession,
    principal: AssessmentEditor,
    if_match: IfMatch = None,
) -> AssessmentRead:
    """Delete an assessment (restorable for 30 days); its scores and history are kept."""
    assessment = assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id, lock=True, include_deleted=True
    )
    tombstones.delete_assessment(session, principal, assessment, parse_if_match(if_match))
    return _respond(response, assessment)


@router.post(
    "/{assessment_id}/restore",
    response_model=AssessmentRead,
    responses=errors(401, 403, 404, 409, 410),
)
def restore_assessment(
    assessment_id: uuid.UUID, response: Response, session: DbSession, principal: AssessmentEditor
) -> AssessmentRead:
    """Undo a delete within 30 days (its vendor and client must not be deleted)."""
    assessment = assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id, lock=True, include_deleted=True
    )
    return _respond(response, tombstones.restore_assessment(session, principal, assessment))
