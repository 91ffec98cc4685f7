"""Building the assessment pages: questionnaire (draft), result (scored), answers, history."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import HTMLResponse
from packaging.version import Version
from sqlalchemy.orm import Session

from service.assessments import service as assessment_service
from service.assessments.models import EDITABLE, Assessment
from service.assessments.presenters import to_summary
from service.auth.permissions import Permission
from service.invitations import service as invitation_service
from service.invitations.models import Invitation
from service.invitations.service import InvitationStatus
from service.questionnaires.catalog import Catalog
from service.scores import service as score_service
from service.web import draft_state, refused_forms
from service.web.auth import WebUser
from service.web.draft_state import DraftState
from service.web.evidence import context as evidence_context
from service.web.pages import page
from service.web.questionnaire_view import questionnaire_view
from service.web.result_view import result_view
from service.web.review_view import review_panel
from service.web.workbook_panel import WorkbookPanel, panel_for


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


def questionnaire_page(
    request: Request,
    session: Session,
    user: WebUser,
    assessment: Assessment,
    *,
    state: DraftState | None = None,
    status: int = 200,
    workbook: WorkbookPanel | None = None,
) -> HTMLResponse:
    questionnaire = assessment_service.questionnaire_for(assessment)
    state = state or DraftState(view=questionnaire_view(questionnaire, assessment.answers))
    invite = refused_forms.recalled(session, refused_forms.owner_of(user), invite_key(assessment))
    editable = user.can(Permission.EDIT_ASSESSMENTS)
    context = {
        "assessment": assessment,
        "summary": to_summary(assessment),
        "form": state.view,
        "editable": editable,
        "urls": FormUrls.for_assessment(assessment),
        "notice": state.notice,
        "conflicts": state.conflicts,
        "unsaved": state.unsaved,
        "invitations": invitation_rows(session, assessment),
        "invite_values": invite.get("values")
        or {
            "valid_days": invitation_service.DEFAULT_VALID_DAYS,
            "send_email": "1",
            "due_on": assessment.due_on.isoformat() if assessment.due_on else None,
        },
        "invite_errors": invite.get("errors") or {},
        "newer_version": newer_version(request, assessment),
        "workbook": workbook or panel_for(assessment, editable),
        **evidence_context(session, assessment, f"/assessments/{assessment.id}", editable=editable),
        **review_context(session, user, assessment),
    }
    return page(request, session, user, "assessments/questionnaire.html", context, status=status)


def invite_key(assessment: Assessment) -> str:
    """Where a refused invitation form is kept (the questionnaire page has two forms)."""
    return f"/assessments/{assessment.id}#invite"


def review_context(session: Session, user: WebUser, assessment: Assessment) -> dict[str, object]:
    """The review panel, and the clarification notes shown next to their questions."""
    review = review_panel(session, user.principal, assessment)
    return {"review": review, "clarification_notes": review.by_question}


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
        "workbook": panel_for(assessment, editable=False),
        **evidence_context(
            session,
            assessment,
            f"/assessments/{assessment.id}",
            editable=user.can(Permission.EDIT_ASSESSMENTS),
        ),
        **review_context(session, user, assessment),
    }
    return page(request, session, user, "assessments/result.html", context)


def assessment_page(
    request: Request, session: Session, user: WebUser, assessment: Assessment
) -> HTMLResponse:
    """A draft (or one sent back) shows its questionnaire; a submitted one its (preview) result."""
    if assessment.status in EDITABLE or assessment.latest_score_id is None:
        kept = refused_forms.recalled(
            session, refused_forms.owner_of(user), f"/assessments/{assessment.id}"
        )
        state = draft_state.restore(session, assessment, kept) if kept else None
        return questionnaire_page(request, session, user, assessment, state=state)
    return result_page(request, session, user, assessment)
