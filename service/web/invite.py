"""The vendor's side of an invitation: one assessment's questionnaire, without an account.

The link's token is the only key: it opens its own assessment and nothing else, never scores,
findings, the client or the agency's other data. Every request is counted per link and per IP
address (in the database, so the limit holds across processes), and answers are saved through
the same service functions as everywhere else, with the vendor contact as the actor.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from service.assessments import service as assessment_service
from service.assessments.models import EDITABLE, Assessment
from service.auth import service as auth_service
from service.auth.principal import Principal
from service.dependencies import DbSession, LibraryDep
from service.errors import Forbidden, InvalidInput, PreconditionFailed, ServiceError
from service.evidence import suggestions
from service.invitations import service as invitation_service
from service.invitations.models import Invitation
from service.reporting.documents import ascii_filename
from service.reporting.vendor_copy import vendor_copy_pdf
from service.reviews import clarifications
from service.web import draft_state, refused_forms
from service.web.assessment_pages import FormUrls
from service.web.auth import CSRF_REFUSED, client_ip, csrf_from, refuse_cross_site, tokens_match
from service.web.draft_state import DraftState
from service.web.evidence import context as evidence_context
from service.web.evidence import upload_from_form
from service.web.forms import Form, attempt, text
from service.web.limits import Limits
from service.web.questionnaire_view import questionnaire_view
from service.web.review_view import thread_views
from service.web.saving import (
    STALE_PAGE_NOTICE,
    Saved,
    autosave_reply,
    missing_notice,
    refused_summary,
    save_choices,
    save_form,
)
from service.web.templating import render, secure
from service.web.workbook_panel import WorkbookPanel

router = APIRouter(include_in_schema=False)

Token = Annotated[str, Path(max_length=100)]


@router.get("/invite/{token}")
def show_invitation(token: Token, request: Request, session: DbSession, limits: Limits) -> Response:
    """The questionnaire the vendor was invited to answer."""
    return _guarded(request, session, limits, token, lambda: _page(request, session, token))


@router.post("/invite/{token}/answers")
def save_invitation_answers(
    token: Token, request: Request, session: DbSession, limits: Limits, form: Form
) -> Response:
    """Save the vendor's draft (the Save button)."""

    def action() -> Response:
        invitation, _, saved = _save_draft(request, session, token, form, save_form)
        if not isinstance(saved, Saved) or saved.errors or saved.conflicted:
            return _again(session, invitation, token, saved, form=form)
        _done(session, invitation)
        return secure(RedirectResponse(f"/invite/{token}?saved=1", status_code=303))

    return _guarded(request, session, limits, token, action)


@router.post("/invite/{token}/resolve")
def resolve_invitation_answers(
    token: Token, request: Request, session: DbSession, limits: Limits, form: Form
) -> Response:
    """Keep, per question changed by two people, the answer the vendor chose."""

    def action() -> Response:
        invitation, _, saved = _save_draft(request, session, token, form, save_choices)
        if not isinstance(saved, Saved) or saved.conflicted:
            return _again(session, invitation, token, saved)
        _done(session, invitation)
        return secure(RedirectResponse(f"/invite/{token}?saved=1", status_code=303))

    return _guarded(request, session, limits, token, action)


@router.post("/invite/{token}/autosave")
def autosave_invitation_answers(
    token: Token, request: Request, session: DbSession, limits: Limits, form: Form
) -> Response:
    """Save the vendor's draft from the page script (JSON)."""

    def action() -> Response:
        invitation, assessment, saved = _save_draft(request, session, token, form, save_form)
        if isinstance(saved, Saved) and not saved.errors and not saved.conflicted:
            _done(session, invitation)
        return autosave_reply(assessment, saved)

    return _guarded(request, session, limits, token, action, as_json=True)


@router.post("/invite/{token}/clarifications/{thread_id}/reply")
def reply_invitation_clarification(
    token: Token,
    thread_id: uuid.UUID,
    request: Request,
    session: DbSession,
    limits: Limits,
    form: Form,
) -> Response:
    """The vendor's reply to a clarification request (answers change in the form itself)."""

    def action() -> Response:
        invitation, assessment = _open_for_change(request, session, token, form)
        thread = clarifications.get_thread(session, assessment, thread_id)
        principal = invitation_service.principal_for(invitation)
        clarifications.reply(session, principal, assessment, thread, text(form, "message"))
        return secure(RedirectResponse(f"/invite/{token}?replied=1#requests", status_code=303))

    return _guarded(request, session, limits, token, action)


@router.post("/invite/{token}/submit")
def submit_invitation(
    token: Token,
    request: Request,
    session: DbSession,
    library: LibraryDep,
    limits: Limits,
    form: Form,
) -> Response:
    """Save and submit for review; the link stays open for the review's questions."""

    def action() -> Response:
        invitation, assessment, saved = _save_draft(request, session, token, form, save_form)
        if not isinstance(saved, Saved) or saved.errors or saved.conflicted:
            return _again(session, invitation, token, saved, "Not submitted. ", form)
        submitted = attempt(
            session,
            lambda: assessment_service.submit(
                session, library, invitation_service.principal_for(invitation), assessment, None
            ),
        )
        if isinstance(submitted, InvalidInput):
            kept = draft_state.payload(None, missing_notice(assessment), show_missing=True)
            return refused_forms.again(
                session,
                _owner(invitation),
                f"/invite/{token}",
                kept,
                anchor="missing",
                key=_key(invitation),
            )
        if isinstance(submitted, ServiceError):
            raise submitted
        _done(session, invitation)
        invitation_service.record_submission(session, invitation, assessment)
        context = {**_context(session, invitation), "copy_url": f"/invite/{token}/copy"}
        return render(request, "invite/thanks.html", context)

    return _guarded(request, session, limits, token, action)


@router.get("/invite/{token}/copy.pdf")
def download_invitation_answers(
    token: Token, request: Request, session: DbSession, limits: Limits
) -> Response:
    """The vendor's copy of the answers submitted with this link, as a PDF."""

    def action() -> Response:
        invitation, assessment = invitation_service.submitted_copy(session, token)
        organisation = auth_service.get_organisation(session, invitation.organisation_id)
        assert invitation.submitted_at is not None
        pdf = vendor_copy_pdf(
            agency=organisation.name,
            vendor=assessment.vendor.name,
            title=assessment.title,
            contact=f"{invitation.contact_name} <{invitation.contact_email}>",
            questionnaire=assessment_service.questionnaire_for(assessment),
            answers=invitation.submitted_answers or assessment.answers,
            submitted_at=invitation.submitted_at,
        )
        name = ascii_filename(
            f"{assessment.vendor.name} answers {invitation.submitted_at:%Y-%m-%d}"
        )
        headers = {"Content-Disposition": f'attachment; filename="{name}.pdf"'}
        return secure(Response(pdf, media_type="application/pdf", headers=headers))

    return _guarded(request, session, limits, token, action)


@router.post("/invite/{token}/evidence")
def upload_invitation_evidence(
    token: Token, request: Request, session: DbSession, limits: Limits, form: Form
) -> Response:
    """Attach an evidence file (a lock file, a model card…) to the vendor's draft."""

    def action() -> Response:
        invitation, assessment = _open_for_change(request, session, token, form)
        principal = invitation_service.principal_for(invitation)
        done = attempt(session, lambda: upload_from_form(session, principal, assessment, form))
        if isinstance(done, ServiceError):
            return _page(request, session, token, status=done.status, notice=done.detail)
        return secure(RedirectResponse(f"/invite/{token}?evidence=added#evidence", status_code=303))

    return _guarded(request, session, limits, token, action)


@router.post("/invite/{token}/evidence/accept")
def accept_invitation_evidence(
    token: Token, request: Request, session: DbSession, limits: Limits, form: Form
) -> Response:
    """Answer a question with the value the vendor's own evidence suggests."""

    def action() -> Response:
        invitation, assessment = _open_for_change(request, session, token, form)
        principal = invitation_service.principal_for(invitation)
        question = text(form, "question")
        done = attempt(
            session, lambda: suggestions.accept(session, principal, assessment, question, None)
        )
        if isinstance(done, ServiceError):
            return _page(request, session, token, status=done.status, notice=done.detail)
        anchor = "q-" + question.replace(".", "-")
        return secure(RedirectResponse(f"/invite/{token}?saved=1#{anchor}", status_code=303))

    return _guarded(request, session, limits, token, action)


Saver = Callable[[Session, Principal, Assessment, FormData], Saved]


def _save_draft(
    request: Request, session: Session, token: str, form: Form, saver: Saver
) -> tuple[Invitation, Assessment, Saved | ServiceError]:
    """Check the link and the form's CSRF token, then save the answers the form carries."""
    invitation, assessment = _open_for_change(request, session, token, form)
    principal = invitation_service.principal_for(invitation)
    return (
        invitation,
        assessment,
        attempt(session, lambda: saver(session, principal, assessment, form)),
    )


def _open_for_change(
    request: Request, session: Session, token: str, form: Form
) -> tuple[Invitation, Assessment]:
    invitation, assessment = invitation_service.open_link(session, token, lock=True)
    refuse_cross_site(request)
    if not tokens_match(csrf_from(request, form), invitation.csrf_token):
        raise Forbidden(CSRF_REFUSED)
    return invitation, assessment


def _page(
    request: Request,
    session: Session,
    token: str,
    *,
    status: int = 200,
    notice: str | None = None,
    workbook: WorkbookPanel | None = None,
) -> Response:
    invitation, assessment = invitation_service.open_link(session, token)
    questionnaire = assessment_service.questionnaire_for(assessment)
    kept = refused_forms.recalled(session, _owner(invitation), _key(invitation))
    state = (
        draft_state.restore(session, assessment, kept)
        if kept
        else DraftState(view=questionnaire_view(questionnaire, assessment.answers))
    )
    base = f"/invite/{token}"
    threads = thread_views(session, assessment)
    context = {
        "token": token,
        "threads": threads,
        "open_threads": [t for t in threads if t.is_open],
        "clarification_notes": {t.thread.question_id: t for t in threads},
        "editable": assessment.status in EDITABLE,
        "copy_url": f"{base}/copy" if invitation.submitted_at else None,
        "replied": bool(request.query_params.get("replied")),
        **_context(session, invitation),
        "assessment": assessment,
        "form": state.view,
        "urls": FormUrls(
            save=f"{base}/answers", autosave=f"{base}/autosave", submit=f"{base}/submit"
        ),
        "resolve_url": f"{base}/resolve",
        "csrf_token": invitation.csrf_token,
        "notice": notice or state.notice,
        "conflicts": state.conflicts,
        "unsaved": state.unsaved,
        "saved": bool(request.query_params.get("saved")) and not kept,
        "evidence_added": request.query_params.get("evidence") == "added",
        "workbook": workbook
        or WorkbookPanel(f"{base}/questionnaire.xlsx", f"{base}/questionnaire.xlsx"),
        "imported": request.query_params.get("imported", ""),
        **evidence_context(session, assessment, base, editable=assessment.status in EDITABLE),
    }
    return render(request, "invite/questionnaire.html", context, status=status)


def _context(session: Session, invitation: Invitation) -> dict[str, object]:
    """What the vendor may see: who invited them, for which vendor, until when."""
    organisation = auth_service.get_organisation(session, invitation.organisation_id)
    return {"invitation": invitation, "agency": organisation.name}


def _owner(invitation: Invitation) -> str:
    return f"invitation:{invitation.id}"


def _key(invitation: Invitation) -> str:
    """The page's key without the link's token (which is never stored in clear)."""
    return f"/invite/{invitation.id}"


def _done(session: Session, invitation: Invitation) -> None:
    refused_forms.done(session, _owner(invitation), _key(invitation))


def _again(
    session: Session,
    invitation: Invitation,
    token: str,
    outcome: Saved | ServiceError,
    prefix: str = "",
    form: Form | None = None,
) -> Response:
    """Back to the questionnaire at the link's own URL, with what was refused."""
    if isinstance(outcome, PreconditionFailed):
        _, assessment = invitation_service.open_link(session, token)
        kept = (
            draft_state.stale_payload(session, assessment, form, STALE_PAGE_NOTICE)
            if form is not None
            else draft_state.payload(None, STALE_PAGE_NOTICE)
        )
        anchor = ""
    elif isinstance(outcome, ServiceError):
        raise outcome
    else:
        notice = prefix + refused_summary(outcome) if outcome.errors else None
        kept = draft_state.payload(outcome, notice)
        anchor = "conflict" if outcome.conflicted else "missing"
    return refused_forms.again(
        session, _owner(invitation), f"/invite/{token}", kept, anchor=anchor, key=_key(invitation)
    )


def _guarded(
    request: Request,
    session: Session,
    limits: Limits,
    token: str,
    action: Callable[[], Response],
    *,
    as_json: bool = False,
) -> Response:
    """Count the request, then run the page; a refusal is a clear page, and the count commits."""
    verdict = invitation_service.throttle(
        session, limits.invitation_links, token, client_ip(request)
    )
    if not verdict.allowed:
        seconds = verdict.retry_after_seconds()
        detail = (
            f"This link has had too many requests in a short time. Wait {seconds} seconds, "
            "then reload the page; your saved answers are safe."
        )
        return _closed(request, 429, detail, {"Retry-After": str(seconds)}, as_json=as_json)
    outcome = attempt(session, action)
    if isinstance(outcome, ServiceError):
        copy = f"/invite/{token}/copy" if invitation_service.is_submitted(session, token) else None
        return _closed(
            request, outcome.status, outcome.detail, outcome.headers, as_json=as_json, copy=copy
        )
    return outcome


_HEADINGS = {
    404: "This link does not work",
    410: "This link is closed",
    429: "Please wait a moment",
    403: "This request was refused",
}


def _closed(
    request: Request,
    status: int,
    detail: str,
    headers: Mapping[str, str],
    *,
    as_json: bool,
    copy: str | None = None,
) -> Response:
    kept = {k: v for k, v in headers.items() if k.lower() == "retry-after"}
    if as_json:
        body = {"status": "closed" if status in {404, 410} else "error", "message": detail}
        return secure(JSONResponse(body, status_code=status, headers=kept))
    context = {
        "status": status,
        "heading": _HEADINGS.get(status, "Something went wrong"),
        "detail": detail,
        "copy_url": copy,
    }
    return render(request, "invite/closed.html", context, status=status, headers=kept)
