"""Turn clarification threads and versions into API shapes."""

from __future__ import annotations

from collections.abc import Mapping

from service.assessments.models import Assessment
from service.assessments.schemas import Actor
from service.questionnaires.schema import Question
from service.reviews.models import Clarification
from service.reviews.schemas import ClarificationRead, MessageRead, VersionRead


def to_thread(thread: Clarification, questions: Mapping[str, Question]) -> ClarificationRead:
    question = questions.get(thread.question_id)
    return ClarificationRead(
        id=thread.id,
        question_id=thread.question_id,
        question=question.label if question else thread.question_id,
        state=thread.state,
        messages=[
            MessageRead(
                kind=m.kind,
                message=m.body,
                answer_changed=m.answer_changed,
                old_answer=m.old_answer,
                new_answer=m.new_answer,
                actor=Actor(type=m.actor_type, label=m.actor_label),
                at=m.created_at,
            )
            for m in thread.messages
        ],
        created_at=thread.created_at,
        updated_at=thread.updated_at,
        resolved_at=thread.resolved_at,
        resolved_by=thread.resolved_by,
    )


def to_version(row: Assessment) -> VersionRead:
    url = f"/api/v1/assessments/{row.id}"
    return VersionRead(
        id=row.id,
        version=row.version,
        status=row.status,
        current=row.superseded_by_id is None,
        submitted_at=row.submitted_at,
        approved_at=row.approved_at,
        url=url,
        report_url=f"{url}/report.pdf" if row.latest_score_id else None,
    )
