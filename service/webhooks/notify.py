"""What happens when an assessment is submitted, scored, re-scored, upgraded or its report is
ready: events in the outbox, and the report pre-rendering job, in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from service.assessments.models import Assessment
from service.config import get_settings
from service.jobs import service as job_service
from service.scores.models import ScoreRecord
from service.webhooks.events import EventType, assessment_data
from service.webhooks.service import record_event


def submitted_and_scored(session: Session, assessment: Assessment, record: ScoreRecord) -> None:
    public_url = get_settings().public_url
    record_event(
        session,
        assessment.organisation_id,
        EventType.ASSESSMENT_SUBMITTED,
        assessment_data(assessment, None, public_url),
    )
    record_event(
        session,
        assessment.organisation_id,
        EventType.ASSESSMENT_SCORED,
        assessment_data(assessment, record, public_url),
    )
    job_service.enqueue(
        session,
        job_service.PRERENDER_REPORT,
        {
            "organisation_id": str(assessment.organisation_id),
            "assessment_id": str(assessment.id),
            "score_id": str(record.id),
        },
    )


def rescored(session: Session, assessment: Assessment, record: ScoreRecord) -> None:
    record_event(
        session,
        assessment.organisation_id,
        EventType.ASSESSMENT_RESCORED,
        assessment_data(assessment, record, get_settings().public_url),
    )


def upgraded(session: Session, assessment: Assessment, upgrade: dict[str, Any]) -> None:
    """`upgrade`: the versions it moved between and the question ids of dropped answers."""
    data = assessment_data(assessment, None, get_settings().public_url)
    record_event(
        session,
        assessment.organisation_id,
        EventType.ASSESSMENT_UPGRADED,
        {**data, "upgrade": upgrade},
    )


def report_ready(session: Session, assessment: Assessment, record: ScoreRecord) -> None:
    record_event(
        session,
        assessment.organisation_id,
        EventType.REPORT_READY,
        assessment_data(assessment, record, get_settings().public_url),
    )
