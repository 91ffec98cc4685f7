"""Clarification threads: a reviewer asks about one question, the respondent replies (with a
text, a changed answer or both), the reviewer resolves. One thread per question and version;
a new request on a resolved thread opens it again. Every message is kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from service.assessments import history as assessment_history
from service.assessments import service as assessment_service
from service.assessments.models import Assessment, AssessmentStatus, HistoryKind
from service.auth.principal import Principal
from service.db import utcnow
from service.errors import Conflict, InvalidInput, NotFound
from service.reviews.models import (
    Clarification,
    ClarificationMessage,
    ClarificationState,
    MessageKind,
)

TEXT_LIMIT = 4000
_UNSET: Any = object()


def threads(session: Session, assessment: Assessment) -> Sequence[Clarification]:
    """Every thread of this version with its messages, open ones first, in question order."""
    order = list(assessment_service.questionnaire_for(assessment).questions)
    query = (
        select(Clarification)
        .where(Clarification.assessment_id == assessment.id)
        .options(selectinload(Clarification.messages))
    )
    found = session.scalars(query).all()
    rank = {ClarificationState.OPEN: 0, ClarificationState.ANSWERED: 1}
    return sorted(
        found,
        key=lambda c: (rank.get(c.state, 2), _position(order, c.question_id)),
    )


def _position(order: list[str], question_id: str) -> int:
    return order.index(question_id) if question_id in order else len(order)


def open_threads(session: Session, assessment: Assessment) -> list[Clarification]:
    return [c for c in threads(session, assessment) if c.state is ClarificationState.OPEN]


def get_thread(session: Session, assessment: Assessment, thread_id: uuid.UUID) -> Clarification:
    query = (
        select(Clarification)
        .where(Clarification.id == thread_id, Clarification.assessment_id == assessment.id)
        .options(selectinload(Clarification.messages))
    )
    found = session.scalar(query)
    if found is None:
        raise NotFound(f"There is no clarification {thread_id} on this assessment.")
    return found


def ask(
    session: Session, principal: Principal, assessment: Assessment, question_id: str, text: str
) -> Clarification:
    """A reviewer's request about one question (a follow-up when the thread exists)."""
    _require_open_version(assessment, "take clarification requests")
    questions = assessment_service.questionnaire_for(assessment).questions
    if question_id not in questions:
        raise InvalidInput(
            f"There is no question '{question_id}' in this questionnaire.",
            errors=[{"field": "body.question_id", "message": "no such question"}],
        )
    body = _text(text, "body.message", required=True)
    thread = session.scalar(
        select(Clarification)
        .where(
            Clarification.assessment_id == assessment.id,
            Clarification.question_id == question_id,
        )
        .options(selectinload(Clarification.messages))
    )
    if thread is None:
        thread = Clarification(
            organisation_id=assessment.organisation_id,
            assessment_id=assessment.id,
            question_id=question_id,
            state=ClarificationState.OPEN,
            messages=[],
        )
        session.add(thread)
    asked = _post(session, principal, assessment, thread, MessageKind.REQUEST, body)
    asked.old_answer = assessment.answers.get(question_id)  # what the request was about
    thread.state, thread.resolved_at, thread.resolved_by = ClarificationState.OPEN, None, None
    session.flush()
    return thread


def reply(
    session: Session,
    principal: Principal,
    assessment: Assessment,
    thread: Clarification,
    text: str | None,
    answer: Any = _UNSET,
) -> Clarification:
    """The respondent's reply: a text, a changed answer (while answers may change), or both."""
    _require_open_version(assessment, "take replies")
    if thread.state is ClarificationState.RESOLVED:
        raise Conflict(
            f"The clarification on '{thread.question_id}' is resolved; there is nothing to "
            "reply to. A reviewer can ask again."
        )
    body = _text(text, "body.message", required=answer is _UNSET)
    message = _post(session, principal, assessment, thread, MessageKind.REPLY, body)
    if answer is not _UNSET:
        old = assessment.answers.get(thread.question_id)
        assessment_service.update_answers(
            session, principal, assessment, {thread.question_id: answer}, None
        )
        message.answer_changed, message.old_answer, message.new_answer = True, old, answer
    thread.state = ClarificationState.ANSWERED
    session.flush()
    return thread


def resolve(
    session: Session,
    principal: Principal,
    assessment: Assessment,
    thread: Clarification,
    text: str | None = None,
) -> Clarification:
    """The reviewer accepts the reply (or withdraws the request). Resolving twice is harmless."""
    _require_open_version(assessment, "change its clarifications")
    if thread.state is not ClarificationState.RESOLVED:
        body = _text(text, "body.message", required=False)
        _post(session, principal, assessment, thread, MessageKind.RESOLUTION, body)
        _mark_resolved(thread, principal)
        session.flush()
    return thread


def note_changed_answers(session: Session, principal: Principal, assessment: Assessment) -> None:
    """At (re)submission: an open request whose answer changed since it was asked counts as
    answered, with the change as the reply; a respondent need not also write something."""
    for thread in open_threads(session, assessment):
        asked = next(m for m in reversed(thread.messages) if m.kind is MessageKind.REQUEST)
        now = assessment.answers.get(thread.question_id)
        if now != asked.old_answer:
            message = _post(session, principal, assessment, thread, MessageKind.REPLY, None)
            message.answer_changed, message.old_answer, message.new_answer = (
                True,
                asked.old_answer,
                now,
            )
            thread.state = ClarificationState.ANSWERED


def accept_answered(session: Session, principal: Principal, assessment: Assessment) -> None:
    """At approval: every answered thread counts as resolved by the approver."""
    for thread in threads(session, assessment):
        if thread.state is ClarificationState.ANSWERED:
            _mark_resolved(thread, principal)


def _mark_resolved(thread: Clarification, principal: Principal) -> None:
    thread.state = ClarificationState.RESOLVED
    thread.resolved_at, thread.resolved_by = utcnow(), principal.label


def _post(
    session: Session,
    principal: Principal,
    assessment: Assessment,
    thread: Clarification,
    kind: MessageKind,
    body: str | None,
) -> ClarificationMessage:
    now = utcnow()
    message = ClarificationMessage(
        kind=kind,
        body=body,
        answer_changed=False,
        actor_type=principal.actor_type,
        actor_id=principal.actor_id,
        actor_label=principal.label,
        created_at=now,
    )
    thread.messages.append(message)
    thread.updated_at = now
    assessment_history.record_history(
        session,
        assessment,
        principal,
        HistoryKind.CLARIFICATION,
        question_id=thread.question_id,
        new=kind.value,
        reason=body,
    )
    return message


def _require_open_version(assessment: Assessment, action: str) -> None:
    if assessment.status is AssessmentStatus.APPROVED or assessment.superseded_by_id:
        raise Conflict(
            f"Version {assessment.version} is approved, so it cannot {action}. Reopen it to "
            "start the next version."
        )


def _text(text: str | None, field: str, *, required: bool) -> str | None:
    cleaned = (text or "").strip()
    if not cleaned and required:
        raise InvalidInput(
            "Write the message: what you need to know, or your reply.",
            errors=[{"field": field, "message": "required"}],
        )
    if len(cleaned) > TEXT_LIMIT:
        raise InvalidInput(
            f"The message is {len(cleaned)} characters long; the limit is {TEXT_LIMIT}.",
            errors=[{"field": field, "message": f"at most {TEXT_LIMIT} characters"}],
        )
    return cleaned or None


def summary(thread: Clarification, questions: Mapping[str, Any]) -> str:
    """The question's label, for refusals and e-mails."""
    question = questions.get(thread.question_id)
    return f"'{question.label if question else thread.question_id}' ({thread.question_id})"
