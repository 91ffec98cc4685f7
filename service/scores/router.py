"""Score endpoints: the latest score, its history, and what-if scoring."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Path, Response

from service.assessments import service as assessment_service
from service.auth.dependencies import Reader
from service.dependencies import DbSession, LibraryDep, reads_only
from service.openapi import errors
from service.routing import api_router
from service.scores import bodies, what_if
from service.scores import service as score_service
from service.scores.schemas import ScoreRead, ScoreSummary, WhatIf

ScoreSequence = Annotated[int, Path(ge=1, le=2**31 - 1, description="1 is the first score.")]
"""Bounded to the column: a 400-digit sequence would overflow the database's integer."""

router = api_router("/api/v1/assessments", "Scores")


@router.get("/{assessment_id}/score", response_model=ScoreRead, responses=errors(401, 403, 404))
@reads_only  # the score pointer, then (unless its body is kept) the record and its inputs
def get_assessment_score(
    assessment_id: uuid.UUID, session: DbSession, principal: Reader
) -> Response:
    """The latest score, with findings, top reasons, improvement paths and provenance."""
    body = bodies.latest_score_body(session, principal.organisation_id, assessment_id)
    return Response(body, media_type="application/json")


@router.get(
    "/{assessment_id}/scores", response_model=list[ScoreSummary], responses=errors(401, 403, 404)
)
def list_assessment_scores(
    assessment_id: uuid.UUID, session: DbSession, principal: Reader
) -> list[ScoreSummary]:
    """Every score the assessment has had, newest first; none is ever overwritten."""
    assessment = assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id
    )
    return [score_service.summarise(r) for r in score_service.score_history(session, assessment)]


@router.get(
    "/{assessment_id}/scores/{sequence}",
    response_model=ScoreRead,
    responses=errors(401, 403, 404),
)
def get_assessment_score_version(
    assessment_id: uuid.UUID, sequence: ScoreSequence, session: DbSession, principal: Reader
) -> ScoreRead:
    """One past score, explained exactly as it was computed."""
    assessment = assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id
    )
    return score_service.read_score(score_service.score_number(session, assessment, sequence))


@router.post(
    "/{assessment_id}/what-if",
    response_model=ScoreRead,
    responses=errors(401, 403, 404, 409, 422),
)
def score_what_if(
    assessment_id: uuid.UUID,
    body: WhatIf,
    session: DbSession,
    library: LibraryDep,
    principal: Reader,
) -> ScoreRead:
    """The score the assessment would get with these answers changed. Nothing is stored.

    Evidence counts as in the stored score (a contradicted answer is scored with its
    evidenced value) except for the answers changed here, which are taken as given."""
    assessment = assessment_service.get_assessment(
        session, principal.organisation_id, assessment_id
    )
    return what_if.what_if(session, library, assessment, body.answers)
