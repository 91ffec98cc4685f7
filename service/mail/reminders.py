"""Reminders before and after due dates, queued by the worker (see service.mail.schedule).

Each reminder has a dedupe key (assessment, due date, schedule day) that is unique in the
outbox, so it is queued once however many workers look at the same moment, and a changed due
date starts a fresh schedule.
"""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.assessments.models import Assessment, AssessmentStatus
from service.mail import notifications, outbox, recipients
from service.mail.schedule import Schedule

logger = logging.getLogger(__name__)

ANSWERING_STATES = tuple(
    status for status in AssessmentStatus if status.value in {"draft", "changes_requested"}
)
"""States in which the respondent still owes answers (`changes_requested` comes with the
review workflow)."""


def queue_due(session: Session, schedule: Schedule, today: date) -> int:
    """Queue the reminders due by `today`; returns how many were queued."""
    query = (
        select(Assessment)
        .where(
            Assessment.due_on.is_not(None),
            Assessment.deleted_at.is_(None),
            Assessment.status.in_(ANSWERING_STATES),
        )
        .order_by(Assessment.due_on, Assessment.id)
    )
    return sum(
        _remind(session, schedule, assessment, today) for assessment in session.scalars(query)
    )


def _remind(session: Session, schedule: Schedule, assessment: Assessment, today: date) -> bool:
    assert assessment.due_on is not None
    respondent = recipients.respondent(session, assessment)
    if respondent is None:
        return False
    invitation = respondent.via_invitation
    started = (invitation.created_at if invitation else assessment.created_at).date()
    offset = schedule.due_today(assessment.due_on, started, today)
    if offset is None:
        return False
    key = f"reminder:{assessment.id}:{assessment.due_on.isoformat()}:{offset:+d}"
    if outbox.exists(session, key):
        return False
    try:
        with session.begin_nested():
            notifications.reminder(
                session, assessment, respondent, due=assessment.due_on, today=today, dedupe_key=key
            )
    except IntegrityError:
        logger.info("reminder %s was queued by another worker", key)
        return False
    return True
