"""Answering a draft: Save (no script needed), autosave (JSON), submit, reopen, and upgrade.

All of them go through `assessment_service` (revision check, draft check, validation, history,
scoring on submit), exactly like the API's PATCH /answers and POST /submit.
"""

from __future__ import annotations

import uuid

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from service.assessments import service as assessment_service
from service.assessments import upgrade as upgrade_service
from service.assessments.models import Assessment
from service.dependencies import CatalogDep, DbSession, LibraryDep
from service.errors import InvalidInput, PreconditionFailed, ServiceError
from service.web import answer_forms
from service.web.assessment_pages import questionnaire_page, unsaved_answers
from service.web.auth import Editor, Reopener, WebUser, signed_in_router
from service.web.forms import Form, attempt, text
from service.web.pages import redirect
from service.web.questionnaire_view import questionnaire_view
from service.web.saving import Saved, autosave_reply, expected_revision, refused_summary, save_form

router = signed_in_router()


def _locked(session: Session, user: WebUser, assessment_id: uuid.UUID) -> Assessment:
    return assessment_service.get_assessment(
        session, user.principal.organisation_id, assessment_id, lock=True
    )


@router.post("/assessments/{assessment_id}/answers")
def save_answers(
    assessment_id: uuid.UUID, request: Request, session: DbSession, user: Editor, form: Form
) -> Response:
    """Save the draft (the Save button; works without JavaScript)."""
    assessment = _locked(session, user, assessment_id)
    saved = attempt(session, lambda: save_form(session, user.principal, assessment, form))
    if not isinstance(saved, Saved):
        return _refused(request, session, user, assessment, form, saved)
    if saved.errors:
        return _with_errors(request, session, user, assessment, saved, refused_summary(saved))
    flash = "Draft saved." if saved.changed else "No changes to save."
    return redirect(session, user, f"/assessments/{assessment_id}", flash)


@router.post("/assessments/{assessment_id}/autosave")
def autosave_answers(
    assessment_id: uuid.UUID, session: DbSession, user: Editor, form: Form
) -> JSONResponse:
    """Save the draft from the page script; reply with what the page should now show."""
    assessment = _locked(session, user, assessment_id)
    saved = attempt(session, lambda: save_form(session, user.principal, assessment, form))
    return autosave_reply(assessment, saved)


@router.post("/assessments/{assessment_id}/submit")
def submit_answers(
    assessment_id: uuid.UUID,
    request: Request,
    session: DbSession,
    library: LibraryDep,
    user: Editor,
    form: Form,
) -> Response:
    """Save, then submit for scoring; what is still missing is listed by question."""
    assessment = _locked(session, user, assessment_id)
    saved = attempt(session, lambda: save_form(session, user.principal, assessment, form))
    if not isinstance(saved, Saved):
        return _refused(request, session, user, assessment, form, saved)
    if saved.errors:
        notice = "Not submitted. " + refused_summary(saved)
        return _with_errors(request, session, user, assessment, saved, notice)
    submitted = attempt(
        session,
        lambda: assessment_service.submit(session, library, user.principal, assessment, None),
    )
    if isinstance(submitted, InvalidInput):
        questionnaire = assessment_service.questionnaire_for(assessment)
        view = questionnaire_view(questionnaire, assessment.answers, show_missing=True)
        count = len(view.missing)
        notice = (
            f"Not submitted yet: {count} required question{'s are' if count > 1 else ' is'} "
            "unanswered. Your answers are saved."
        )
        return questionnaire_page(
            request, session, user, assessment, view=view, status=422, notice=notice
        )
    if isinstance(submitted, ServiceError):
        raise submitted
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


def _with_errors(
    request: Request,
    session: Session,
    user: WebUser,
    assessment: Assessment,
    saved: Saved,
    notice: str,
) -> Response:
    questionnaire = assessment_service.questionnaire_for(assessment)
    view = questionnaire_view(
        questionnaire, assessment.answers, errors=saved.errors, entered=saved.entered
    )
    return questionnaire_page(
        request, session, user, assessment, view=view, status=422, notice=notice
    )


def _refused(
    request: Request,
    session: Session,
    user: WebUser,
    assessment: Assessment,
    form: Form,
    error: ServiceError,
) -> Response:
    """A stale revision shows what was not saved; other refusals are error pages."""
    if not isinstance(error, PreconditionFailed):
        raise error
    questionnaire = assessment_service.questionnaire_for(assessment)
    patch = answer_forms.decode(questionnaire, form, assessment.answers)
    unsaved = unsaved_answers(assessment, patch)
    return questionnaire_page(request, session, user, assessment, status=409, unsaved=unsaved)
