"""Versions: reopening an approved assessment starts the next version as a new row.

The approved version is published: its answers, scores, history, clarifications and report
(pinned, see service/reporting/service.py) stay exactly as they were, under the same URL. The
next version is a draft carrying every answer; both share `series_id`, and lists show only
the current version (`superseded_by_id IS NULL`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.assessments.history import record_history
from service.assessments.models import Assessment, AssessmentStatus, HistoryKind
from service.auth.principal import Principal
from service.webhooks import notify
from service.webhooks.events import EventType


def next_version(
    session: Session, principal: Principal, approved: Assessment, reason: str | None
) -> Assessment:
    """A draft copy of an approved version, one version number up."""
    successor = Assessment(
        id=uuid.uuid4(),
        series_id=approved.series_id,
        version=approved.version + 1,
        organisation_id=approved.organisation_id,
        vendor=approved.vendor,
        client=approved.client,
        questionnaire=approved.questionnaire,
        title=approved.title,
        external_id=None,
        status=AssessmentStatus.DRAFT,
        answers=dict(approved.answers),
        # Same answers, same questionnaire: the same stored progress.
        progress_answered=approved.progress_answered,
        progress_unknown=approved.progress_unknown,
        progress_visible=approved.progress_visible,
        progress_required_missing=approved.progress_required_missing,
        revision=1,
        conditions=[],
        latest_score=None,
    )
    # In three steps: the CRM id is unique among current versions, and the link is a key.
    session.add(successor)
    session.flush()
    # The earlier version's revision stays: its ETag and its report's key do not move.
    approved.superseded_by_id = successor.id
    session.flush()
    successor.external_id = approved.external_id
    record_history(
        session,
        approved,
        principal,
        HistoryKind.REOPENED,
        old=approved.status.value,
        new={"version": successor.version, "assessment_id": str(successor.id)},
        reason=reason,
    )
    record_history(
        session,
        successor,
        principal,
        HistoryKind.VERSION_CREATED,
        old={"version": approved.version, "assessment_id": str(approved.id)},
        new=AssessmentStatus.DRAFT.value,
        reason=reason,
    )
    session.flush()
    notify.transitioned(
        session, successor, EventType.ASSESSMENT_REOPENED, reason, previous=approved
    )
    return successor


def versions_of(session: Session, assessment: Assessment) -> Sequence[Assessment]:
    """Every version of the assessment's series, first to latest (ids, states, dates)."""
    query = (
        select(Assessment)
        .where(
            Assessment.series_id == assessment.series_id,
            Assessment.organisation_id == assessment.organisation_id,
        )
        .order_by(Assessment.version)
    )
    return session.scalars(query).all()
