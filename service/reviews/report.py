"""What the report shows of the review: approval, conditions, resolved clarifications.

Passed to the report templates as the optional `review` object (reports/templates/_review.html.j2).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from service.assessments import service as assessment_service
from service.assessments.models import Assessment
from service.questionnaires.answers import display
from service.reviews import clarifications
from service.reviews.models import ClarificationMessage, ClarificationState, MessageKind


@dataclass(frozen=True)
class ReviewMessage:
    who: str
    kind: str
    """request, reply or resolution"""
    text: str


@dataclass(frozen=True)
class ReviewThread:
    question: str
    answer: str
    messages: tuple[ReviewMessage, ...]


@dataclass(frozen=True)
class ReportReview:
    approved_by: str | None
    approved_at: str | None
    conditions: tuple[str, ...]
    clarifications: tuple[ReviewThread, ...]

    def thread_for(self, question_label: str) -> ReviewThread | None:
        return next((t for t in self.clarifications if t.question == question_label), None)


def review_for_report(session: Session, assessment: Assessment) -> ReportReview | None:
    """None when there is nothing to show (no approval, no resolved clarification)."""
    questions = assessment_service.questionnaire_for(assessment).questions
    threads = []
    for thread in clarifications.threads(session, assessment):
        question = questions.get(thread.question_id)
        if thread.state is not ClarificationState.RESOLVED or question is None:
            continue
        messages = tuple(_message(m) for m in thread.messages)
        threads.append(
            ReviewThread(
                question=question.label,
                answer=display(question, assessment.answers.get(thread.question_id)),
                messages=tuple(m for m in messages if m.text),
            )
        )
    if assessment.approved_at is None and not threads:
        return None
    approved_at = assessment.approved_at
    return ReportReview(
        approved_by=assessment.approved_by,
        approved_at=f"{approved_at.day} {approved_at:%B %Y}" if approved_at else None,
        conditions=tuple(assessment.conditions),
        clarifications=tuple(threads),
    )


def _message(message: ClarificationMessage) -> ReviewMessage:
    text = message.body or ""
    if message.kind is MessageKind.REPLY and message.answer_changed:
        text = (text + " " if text else "") + "(answer changed)"
    return ReviewMessage(who=_short(message.actor_label), kind=message.kind.value, text=text)


def _short(label: str) -> str:
    """'Jane Doe <jane@vendor.example> (vendor invitation)' -> 'Jane Doe (vendor)'."""
    if "(vendor invitation)" in label:
        return label.split("<", 1)[0].strip() + " (vendor)"
    return label
