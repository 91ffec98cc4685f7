"""E-mails that follow the review workflow, queued in the caller's transaction.

The review workflow (service/assessments) calls these at each transition; the mail domain
decides who receives what and writes the messages to its durable outbox. Until the outbox
lands these record nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from service.assessments.models import Assessment


@dataclass(frozen=True)
class ClarificationNotice:
    """One open clarification request, as the respondent reads it in an e-mail."""

    question_id: str
    question_label: str
    request: str


def assessment_submitted(session: Session, assessment: Assessment, actor_label: str) -> None:
    """The respondent submitted (or resubmitted): tell the organisation's reviewers."""


def changes_requested(
    session: Session,
    assessment: Assessment,
    requests: Sequence[ClarificationNotice],
    reason: str | None,
) -> None:
    """A reviewer sent the assessment back: tell the respondent which questions to revisit."""


def assessment_approved(
    session: Session, assessment: Assessment, conditions: Sequence[str], actor_label: str
) -> None:
    """A reviewer approved (with optional conditions): tell the respondent and the owner."""
