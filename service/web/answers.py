"""Answering a draft: Save (no script needed), autosave (JSON), submit, reopen, and upgrade.

All of them go through `assessment_service` (revision check, draft check, validation, history,
scoring on submit), exactly like the API's PATCH /answers and POST /submit.
"""

from __future__ import annotations

import uuid

from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from service.assessments import service as assessment_service
from service.assessments import upgrade as upgrade_service
from service.assessments.models import Assessment
from service.dependencies import CatalogDep, DbSession, LibraryDep
from service.errors import InvalidInput, PreconditionFailed, ServiceError
from service.web import draft_state, refused_forms
from service.web.auth import Editor, Reopener, WebUser, signed_in_router
from service.web.forms import Form, attempt, text
from service.web.pages import redirect
from service.web.refused_forms import owner_of
from service.web.saving import (
    STALE_PAGE_NOTICE,
    Saved,
    autosave_reply,
    expected_revision,
    missing_notice,
    refused_summary,
    save_choices,
    save_form,
)

router = signed_in_router()


def _locked(session: Session, user: WebUser, assessment_id: uuid.UUID) -> Assessment:
    return assessment_service.get_assessment(
        session, user.principal.organisation_id, assessment_id, lock=True
    )


@router.post("/assessments/{assessment_id}/answers")
def save_answers(
    assessment_id: uuid.UUID, session: DbSession, user: Editor, form: Form
) -> Response:
    """Save the draft (the Save button; works without JavaScript)."""
    assessment = _locked(session, user, assessment_id)
    saved = attempt(session, lambda: save_form(session, user.principal, assessment, form))
    if not isinstance(saved, Saved) or saved.errors or saved.conflicted:
        return _again(session, user, assessment, saved, form=form)
    _done(session, user, assessment)
    flash = "Draft saved." if saved.changed else "No changes to save."
    return redirect(session, user, f"/assessments/{assessment_id}", flash)


@router.post("/assessments/{assessment_id}/resolve")
def resolve_conflicts(
    assessment_id: uuid.UUID, session: DbSession, user: Editor, form: Form
) -> Response:
    """Keep, per question changed by two people, the answer the writer chose."""
    assessment = _locked(session, user, assessment_id)
    saved = attempt(session, lambda: save_choices(session, user.principal, assessment, form))
    if not isinstance(saved, Saved) or saved.conflicted:
        return _again(session, user, assessment, saved)
    _done(session, user, assessment)
    return redirect(session, user, f"/assessments/{assessment_id}", "Your choices are saved.")


@router.post("/assessments/{assessment_id}/autosave")
def autosave_answers(
    assessment_id: uuid.UUID, session: DbSession, user: Editor, form: Form
) -> JSONResponse:
    """Save the draft from the page script; reply with what the page should now show."""
    assessment = _locked(session, user, assessment_id)
    saved = attempt(session, lambda: save_form(session, user.principal, assessment, form))
    if isinstance(saved, Saved) and not saved.errors and not saved.conflicted:
        _done(session, user, assessment)
    return autosave_reply(assessment, saved)


@router.post("/assessments/{assessment_id}/submit")
def submit_answers(
    assessment_id: uuid.UUID,
    session: DbSession,
    library: LibraryDep,
    user: Editor,
    form: Form,
) -> Response:
    """Save, then submit for scoring; what is still missing is listed by question."""
    assessment = _locked(session, user, assessment_id)
    saved = attempt(session, lambda: save_form(session, user.principal, assessment, form))
    if not isinstance(saved, Saved) or saved.errors or saved.conflicted:
        return _again(session, user, assessment, saved, "Not submitted. ", form)
    submitted = attempt(
        session,
        lambda: assessment_service.submit(session, library, user.principal, assessment, None),
    )
    if isinstance(submitted, InvalidInput):
        kept = draft_state.payload(None, missing_notice(assessment), show_missing=True)
        return refused_forms.again(
            session, owner_of(user), _path(assessment), kept, anchor="missing"
        )
    if isinstance(submitted, ServiceError):
        raise submitted
    _done(session, user, assessment)
    return redirect(
        session,
        user,
        f"/assessments/{assessment_id}",
        "Submitted for review. The score below is a preview for the agency until approved.",
    )


@router.post("/assessments/{assessment_id}/reopen")
def reopen_draft(
    assessment_id: uuid.UUID, session: DbSession, user: Reopener, form: Form
) -> Response:
    """Back to draft; an approved version starts the next version (the approved one stays)."""
    assessment = _locked(session, user, assessment_id)
    reopened = assessment_service.reopen(
        session, user.principal, assessment, expected_revision(form), text(form, "reason") or None
    )
    if reopened.id != assessment.id:
        flash = (
            f"Version {reopened.version} started as a draft with every answer; version "
            f"{assessment.version} and its report stay as they were."
        )
        return redirect(session, user, f"/assessments/{reopened.id}", flash)
    return redirect(
        session, user, f"/assessments/{assessment_id}", "Reopened: the answers can change again."
    )


@router.post("/assessments/{assessment_id}/upgrade")
def upgrade_draft(
    assessment_id: uuid.UUID, session: DbSession, catalog: CatalogDep, user: Editor, form: Form
) -> Response:
    """Move a draft to the newest questionnaire version; answers still valid are kept."""
    assessment = _locked(session, user, assessment_id)
    done = upgrade_service.upgrade(
        session, catalog, user.principal, assessment, None, expected_revision(form)
    )
    return redirect(session, user, f"/assessments/{assessment_id}", _upgraded(done))


def _upgraded(done: upgrade_service.Upgrade) -> str:
    kept, dropped = len(done.carried.kept), done.carried.dropped
    message = (
        f"Moved to questionnaire version {done.assessment.questionnaire.version}: "
        f"{kept} answer{'s' if kept != 1 else ''} kept"
    )
    if not dropped:
        return message + "."
    questions = assessment_service.questionnaire_for(done.assessment).questions
    names = ", ".join(
        questions[d.question].label if d.question in questions else d.question for d in dropped
    )
    return f"{message}; {len(dropped)} no longer valid, to answer again: {names}."


def _path(assessment: Assessment) -> str:
    return f"/assessments/{assessment.id}"


def _done(session: Session, user: WebUser, assessment: Assessment) -> None:
    refused_forms.done(session, owner_of(user), _path(assessment))


def _again(
    session: Session,
    user: WebUser,
    assessment: Assessment,
    outcome: Saved | ServiceError,
    prefix: str = "",
    form: Form | None = None,
) -> Response:
    """Back to the questionnaire at its own URL, with what was refused or needs a choice
    (`form`: the questionnaire form, to list what a stale save would have changed)."""
    if isinstance(outcome, PreconditionFailed):
        kept = (
            draft_state.stale_payload(session, assessment, form, STALE_PAGE_NOTICE)
            if form is not None
            else draft_state.payload(None, STALE_PAGE_NOTICE)
        )
        return refused_forms.again(session, owner_of(user), _path(assessment), kept)
    if isinstance(outcome, ServiceError):
        raise outcome
    notice = prefix + refused_summary(outcome) if outcome.errors else None
    anchor = "conflict" if outcome.conflicted else "missing"
    kept = draft_state.payload(outcome, notice)
    return refused_forms.again(session, owner_of(user), _path(assessment), kept, anchor=anchor)
