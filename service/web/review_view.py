"""What the review parts of the pages show: threads by question, versions, what the viewer may
do. Shared by the agency's assessment pages and the vendor's invitation page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from service.assessments import service as assessment_service
from service.assessments import versions
from service.assessments.models import EDITABLE, Assessment, AssessmentStatus
from service.auth.permissions import Permission
from service.auth.principal import Principal
from service.questionnaires.answers import display, resolve
from service.reviews import clarifications
from service.reviews import service as review_service
from service.reviews.models import Clarification, ClarificationMessage, ClarificationState
from service.web.questionnaire_view import dom_id


@dataclass(frozen=True)
class ThreadView:
    thread: Clarification
    question: str
    answer: str
    anchor: str

    @property
    def state(self) -> str:
        return self.thread.state.value

    @property
    def is_open(self) -> bool:
        return self.thread.state is ClarificationState.OPEN

    @property
    def messages(self) -> Sequence[ClarificationMessage]:
        return self.thread.messages


@dataclass(frozen=True)
class ReviewPanel:
    assessment: Assessment
    threads: list[ThreadView]
    versions: Sequence[Assessment]
    questions: list[tuple[str, str]] = field(default_factory=list)
    """(id, label) of the visible questions, for the request form."""
    can_review: bool = False
    can_reply: bool = False
    can_reopen: bool = False
    wrote_answers: bool = False

    @property
    def open_threads(self) -> list[ThreadView]:
        return [t for t in self.threads if t.is_open]

    @property
    def by_question(self) -> dict[str, ThreadView]:
        return {t.thread.question_id: t for t in self.threads}

    @property
    def in_review(self) -> bool:
        return self.assessment.status in review_service.REVIEWABLE and not self.superseded

    @property
    def superseded(self) -> bool:
        return self.assessment.superseded_by_id is not None

    @property
    def editable(self) -> bool:
        return self.assessment.status in EDITABLE

    @property
    def approved(self) -> bool:
        return self.assessment.status is AssessmentStatus.APPROVED


def thread_views(session: Session, assessment: Assessment) -> list[ThreadView]:
    questions = assessment_service.questionnaire_for(assessment).questions
    views = []
    for thread in clarifications.threads(session, assessment):
        question = questions.get(thread.question_id)
        views.append(
            ThreadView(
                thread=thread,
                question=question.label if question else thread.question_id,
                answer=display(question, assessment.answers.get(thread.question_id))
                if question
                else "",
                anchor=dom_id(thread.question_id),
            )
        )
    return views


def review_panel(session: Session, principal: Principal, assessment: Assessment) -> ReviewPanel:
    questionnaire = assessment_service.questionnaire_for(assessment)
    visible = resolve(questionnaire, assessment.answers)[0]
    reviewer = principal.can(Permission.REVIEW_ASSESSMENTS)
    authors = review_service.answer_authors(session, assessment) if reviewer else set()
    return ReviewPanel(
        assessment=assessment,
        threads=thread_views(session, assessment),
        versions=versions.versions_of(session, assessment),
        questions=[(q.id, q.label) for q in visible],
        can_review=reviewer,
        can_reply=principal.can(Permission.EDIT_ASSESSMENTS),
        can_reopen=principal.can(Permission.REOPEN_ASSESSMENTS),
        wrote_answers=(principal.actor_type, principal.actor_id) in authors,
    )
