"""Review transitions: start the review, request changes, approve.

    draft ──submit──► submitted ──start──► in_review ──approve──► approved ──reopen──► v2 draft
      ▲                  │  ▲                  │                     (v1 stays as it was)
      └──reopen──────────┘  └──resubmit── changes_requested ◄──request changes──┘

A reviewer may act on a submitted assessment directly (starting the review only tells
colleagues someone is on it). Approval needs every clarification answered, and is refused to
anyone who wrote one of the answers it approves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.assessments import history as assessment_history
from service.assessments import service as assessment_service
from service.assessments.models import (
    Assessment,
    AssessmentHistory,
    AssessmentStatus,
    HistoryKind,
)
from service.auth.principal import ActorType, Principal
from service.db import utcnow
from service.errors import Conflict, Forbidden, InvalidInput
from service.mail import notifications
from service.reviews import clarifications
from service.reviews.models import MessageKind
from service.scores import service as score_service
from service.webhooks import notify
from service.webhooks.events import EventType

REVIEWABLE = frozenset({AssessmentStatus.SUBMITTED, AssessmentStatus.IN_REVIEW})
MAX_CONDITIONS = 20
CONDITION_LIMIT = 1000


@dataclass(frozen=True)
class NewRequest:
    question_id: str
    message: str


def start_review(
    session: Session,
    principal: Principal,
    assessment: Assessment,
    expected: frozenset[int] | None,
    reason: str | None = None,
) -> Assessment:
    assessment_service.check_revision(assessment, expected)
    _require(assessment, {AssessmentStatus.SUBMITTED}, "start a review")
    _move(session, principal, assessment, AssessmentStatus.IN_REVIEW, reason)
    return assessment


def request_changes(
    session: Session,
    principal: Principal,
    assessment: Assessment,
    expected: frozenset[int] | None,
    reason: str | None = None,
    requests: Sequence[NewRequest] = (),
) -> Assessment:
    """Back to the respondent, for the questions with open clarification requests."""
    assessment_service.check_revision(assessment, expected)
    _require(assessment, REVIEWABLE, "be sent back")
    for request in requests:
        clarifications.ask(session, principal, assessment, request.question_id, request.message)
    open_now = clarifications.open_threads(session, assessment)
    if not open_now:
        raise InvalidInput(
            "Name at least one question to revisit: add a clarification request (here in "
            "`requests`, or with POST .../clarifications) before requesting changes.",
            errors=[{"field": "body.requests", "message": "no open clarification request"}],
        )
    _move(session, principal, assessment, AssessmentStatus.CHANGES_REQUESTED, reason)
    questions = assessment_service.questionnaire_for(assessment).questions
    notices = [
        notifications.ClarificationNotice(
            question_id=t.question_id,
            question_label=questions[t.question_id].label,
            request=next(
                m.body or "" for m in reversed(t.messages) if m.kind is MessageKind.REQUEST
            ),
        )
        for t in open_now
    ]
    notify.transitioned(
        session,
        assessment,
        EventType.ASSESSMENT_CHANGES_REQUESTED,
        reason,
        extra={"requests": [{"question_id": n.question_id, "request": n.request} for n in notices]},
    )
    notifications.changes_requested(session, assessment, notices, reason)
    return assessment


def approve(
    session: Session,
    principal: Principal,
    assessment: Assessment,
    expected: frozenset[int] | None,
    conditions: Sequence[str] = (),
    reason: str | None = None,
) -> Assessment:
    assessment_service.check_revision(assessment, expected)
    _require(assessment, REVIEWABLE, "be approved")
    _refuse_own_answers(session, principal, assessment)
    _refuse_open_requests(session, assessment)
    cleaned = clean_conditions(conditions)
    clarifications.accept_answered(session, principal, assessment)
    assessment.approved_at, assessment.approved_by = utcnow(), principal.label
    assessment.conditions = cleaned
    _move(session, principal, assessment, AssessmentStatus.APPROVED, reason)
    notify.approved(session, assessment, score_service.latest_score(session, assessment), reason)
    notifications.assessment_approved(session, assessment, cleaned, principal.label)
    return assessment


def clean_conditions(conditions: Sequence[str]) -> list[str]:
    cleaned = [c.strip() for c in conditions if c.strip()]
    problems = [
        {"field": f"body.conditions.{i}", "message": f"at most {CONDITION_LIMIT} characters"}
        for i, c in enumerate(cleaned)
        if len(c) > CONDITION_LIMIT
    ]
    if len(cleaned) > MAX_CONDITIONS:
        problems.append({"field": "body.conditions", "message": f"at most {MAX_CONDITIONS}"})
    if problems:
        raise InvalidInput(
            f"Conditions are up to {MAX_CONDITIONS} items of up to {CONDITION_LIMIT} "
            "characters each; shorten or merge them.",
            errors=problems,
        )
    return cleaned


def _require(
    assessment: Assessment,
    allowed: frozenset[AssessmentStatus] | set[AssessmentStatus],
    action: str,
) -> None:
    if assessment.superseded_by_id is not None or assessment.status not in allowed:
        state = str(assessment.status).replace("_", " ")
        wanted = " or ".join(sorted(s.value.replace("_", " ") for s in allowed))
        raise Conflict(
            f"The assessment is {state} (version {assessment.version}), so it cannot {action}: "
            f"that needs it {wanted}."
        )


def _move(
    session: Session,
    principal: Principal,
    assessment: Assessment,
    to: AssessmentStatus,
    reason: str | None,
) -> None:
    previous = assessment.status
    assessment.status = to
    assessment.revision += 1
    assessment_history.record_transition(
        session, assessment, principal, _KINDS[to], previous, (reason or "").strip() or None
    )
    session.flush()


_KINDS = {
    AssessmentStatus.IN_REVIEW: HistoryKind.REVIEW_STARTED,
    AssessmentStatus.CHANGES_REQUESTED: HistoryKind.CHANGES_REQUESTED,
    AssessmentStatus.APPROVED: HistoryKind.APPROVED,
}


def _refuse_open_requests(session: Session, assessment: Assessment) -> None:
    still_open = clarifications.open_threads(session, assessment)
    if still_open:
        questions = assessment_service.questionnaire_for(assessment).questions
        names = ", ".join(clarifications.summary(t, questions) for t in still_open)
        raise Conflict(
            f"{len(still_open)} clarification request{'s are' if len(still_open) > 1 else ' is'}"
            f" still open: {names}. Wait for the reply, or resolve the request, then approve.",
            errors=[
                {"question": t.question_id, "message": "clarification still open"}
                for t in still_open
            ],
        )


def _refuse_own_answers(session: Session, principal: Principal, assessment: Assessment) -> None:
    if (principal.actor_type, principal.actor_id) in answer_authors(session, assessment):
        raise Forbidden(
            "You wrote some of these answers, so you cannot approve them: another reviewer "
            "must approve this assessment."
        )


def answer_authors(session: Session, assessment: Assessment) -> set[tuple[ActorType, object]]:
    """Who last wrote each current answer, across this version and the ones before it."""
    query = (
        select(
            AssessmentHistory.question_id, AssessmentHistory.actor_type, AssessmentHistory.actor_id
        )
        .join(Assessment, Assessment.id == AssessmentHistory.assessment_id)
        .where(
            Assessment.series_id == assessment.series_id,
            Assessment.version <= assessment.version,
            AssessmentHistory.kind == HistoryKind.ANSWER,
        )
        .order_by(Assessment.version, AssessmentHistory.revision, AssessmentHistory.created_at)
    )
    last = {question: (kind, actor) for question, kind, actor in session.execute(query) if question}
    return {
        author for question, author in last.items() if assessment.answers.get(question) is not None
    }
