"""Building the assessment pages: questionnaire (draft), result (scored), answers, history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from packaging.version import Version
from sqlalchemy.orm import Session

from service.assessments import service as assessment_service
from service.assessments.models import Assessment, AssessmentStatus
from service.assessments.presenters import to_summary
from service.auth.permissions import Permission
from service.invitations import service as invitation_service
from service.invitations.models import Invitation
from service.invitations.service import InvitationStatus
from service.questionnaires.answers import display
from service.questionnaires.catalog import Catalog
from service.scores import service as score_service
from service.web.auth import WebUser
from service.web.pages import page
from service.web.questionnaire_view import QuestionnaireView, questionnaire_view
from service.web.result_view import result_view

CONFLICT_MESSAGE = (
    "Someone else saved changes to this assessment after you opened it, so your latest edits "
    "were not saved. Note anything you need from the list below, then reload the page to see "
    "the other changes and enter yours again."
)


@dataclass(frozen=True)
class FormUrls:
    save: str
    autosave: str
    submit: str

    @classmethod
    def for_assessment(cls, assessment: Assessment) -> FormUrls:
        base = f"/assessments/{assessment.id}"
        return cls(save=f"{base}/answers", autosave=f"{base}/autosave", submit=f"{base}/submit")


@dataclass(frozen=True)
class InvitationRow:
    invitation: Invitation
    status: InvitationStatus

    @property
    def active(self) -> bool:
        return self.status in {InvitationStatus.WAITING, InvitationStatus.OPENED}

    @property
    def ended_label(self) -> str:
        if self.status is InvitationStatus.SUPERSEDED and self.invitation.superseded_at:
            return "replaced by a newer link"
        return "sent" if self.invitation.sent_at else "created"


def unsaved_answers(assessment: Assessment, patch: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(question, answer) for the answers a refused save would have changed."""
    questions = assessment_service.questionnaire_for(assessment).questions
    return [
        (questions[q].label, display(questions[q], value))
        for q, value in patch.items()
        if q in questions and assessment.answers.get(q) != value
    ]


def questionnaire_page(
    request: Request,
    session: Session,
    user: WebUser,
    assessment: Assessment,
    *,
    view: QuestionnaireView | None = None,
    status: int = 200,
    notice: str | None = None,
    unsaved: list[tuple[str, str]] | None = None,
    invite_values: Mapping[str, object] | None = None,
    invite_errors: Mapping[str, str] | None = None,
) -> HTMLResponse:
    questionnaire = assessment_service.questionnaire_for(assessment)
    context = {
        "assessment": assessment,
        "summary": to_summary(assessment),
        "form": view or questionnaire_view(questionnaire, assessment.answers),
        "editable": user.can(Permission.EDIT_ASSESSMENTS),
        "urls": FormUrls.for_assessment(assessment),
        "notice": notice,
        "conflict": CONFLICT_MESSAGE if unsaved is not None else None,
        "unsaved": unsaved or [],
        "invitations": invitation_rows(session, assessment),
        "invite_values": invite_values
        or {
            "valid_days": invitation_service.DEFAULT_VALID_DAYS,
            "send_email": "1",
            "due_on": assessment.due_on.isoformat() if assessment.due_on else None,
        },
        "invite_errors": invite_errors or {},
        "newer_version": newer_version(request, assessment),
    }
    return page(request, session, user, "assessments/questionnaire.html", context, status=status)


def newer_version(request: Request, assessment: Assessment) -> str | None:
    """The newest version of the draft's questionnaire, when it is newer than the draft's."""
    catalog: Catalog = request.app.state.catalog
    pinned = assessment.questionnaire
    latest = catalog.latest(pinned.slug)
    if latest is None or Version(latest.version) <= Version(pinned.version):
        return None
    return latest.version


def invitation_rows(session: Session, assessment: Assessment) -> list[InvitationRow]:
    return [
        InvitationRow(invitation, invitation_service.status_of(invitation))
        for invitation in invitation_service.list_invitations(session, assessment)
    ]


def result_page(
    request: Request, session: Session, user: WebUser, assessment: Assessment
) -> HTMLResponse:
    score = score_service.read_score(score_service.latest_score(session, assessment))
    questionnaire = assessment_service.questionnaire_for(assessment)
    context = {
        "assessment": assessment,
        "summary": to_summary(assessment),
        "result": result_view(score, questionnaire),
        "can_reopen": user.can(Permission.REOPEN_ASSESSMENTS),
        "invitations": invitation_rows(session, assessment),
    }
    return page(request, session, user, "assessments/result.html", context)


def assessment_page(
    request: Request, session: Session, user: WebUser, assessment: Assessment
) -> HTMLResponse:
    """A draft shows its questionnaire; a scored assessment shows its result."""
    if assessment.status is AssessmentStatus.DRAFT or assessment.latest_score_id is None:
        return questionnaire_page(request, session, user, assessment)
    return result_page(request, session, user, assessment)
