"""The vendor's side of an invitation: one assessment's questionnaire, without an account.

The link's token is the only key: it opens its own assessment and nothing else, never scores,
findings, the client or the agency's other data. Every request is counted per link and per IP
address (in the database, so the limit holds across processes), and answers are saved through
the same service functions as everywhere else, with the vendor contact as the actor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from service.assessments import service as assessment_service
from service.assessments.models import Assessment
from service.auth import service as auth_service
from service.dependencies import DbSession, LibraryDep
from service.errors import Forbidden, InvalidInput, PreconditionFailed, ServiceError
from service.invitations import service as invitation_service
from service.invitations.models import Invitation
from service.reporting.documents import ascii_filename
from service.reporting.vendor_copy import vendor_copy_pdf
from service.web import answer_forms
from service.web.assessment_pages import CONFLICT_MESSAGE, FormUrls, unsaved_answers
from service.web.auth import CSRF_REFUSED, client_ip, csrf_from, refuse_cross_site, tokens_match
from service.web.forms import Form, attempt
from service.web.limits import Limits
from service.web.questionnaire_view import QuestionnaireView, questionnaire_view
from service.web.saving import Saved, autosave_reply, refused_summary, save_form
from service.web.templating import render, secure

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
        _, _, saved = _save_draft(request, session, token, form)
        if isinstance(saved, PreconditionFailed):
            return _conflict(request, session, token, form)
        if isinstance(saved, ServiceError):
            raise saved
        if saved.errors:
            return _with_errors(request, session, token, saved, refused_summary(saved))
        return secure(RedirectResponse(f"/invite/{token}?saved=1", status_code=303))

    return _guarded(request, session, limits, token, action)


@router.post("/invite/{token}/autosave")
def autosave_invitation_answers(
    token: Token, request: Request, session: DbSession, limits: Limits, form: Form
) -> Response:
    """Save the vendor's draft from the page script (JSON)."""

    def action() -> Response:
        _, assessment, saved = _save_draft(request, session, token, form)
        return autosave_reply(assessment, saved)

    return _guarded(request, session, limits, token, action, as_json=True)


@router.post("/invite/{token}/submit")
def submit_invitation(
    token: Token,
    request: Request,
    session: DbSession,
    library: LibraryDep,
    limits: Limits,
    form: Form,
) -> Response:
    """Save and submit; the link is closed afterwards."""

    def action() -> Response:
        invitation, assessment, saved = _save_draft(request, session, token, form)
        if isinstance(saved, PreconditionFailed):
            return _conflict(request, session, token, form)
        if isinstance(saved, ServiceError):
            raise saved
        if saved.errors:
            return _with_errors(
                request, session, token, saved, "Not submitted. " + refused_summary(saved)
            )
        submitted = attempt(
            session,
            lambda: assessment_service.submit(
                session, library, invitation_service.principal_for(invitation), assessment, None
            ),
        )
        if isinstance(submitted, InvalidInput):
            return _missing(request, session, token)
        if isinstance(submitted, ServiceError):
            raise submitted
        invitation_service.record_submission(session, invitation, assessment)
        context = {**_context(session, invitation), "copy_url": f"/invite/{token}/copy.pdf"}
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


def _save_draft(
    request: Request, session: Session, token: str, form: Form
) -> tuple[Invitation, Assessment, Saved | ServiceError]:
    """Check the link and the form's CSRF token, then save the answers the form carries."""
    invitation, assessment = _open_for_change(request, session, token, form)
    principal = invitation_service.principal_for(invitation)
    return (
        invitation,
        assessment,
        attempt(session, lambda: save_form(session, principal, assessment, form)),
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
    view: QuestionnaireView | None = None,
    status: int = 200,
    notice: str | None = None,
    unsaved: list[tuple[str, str]] | None = None,
) -> Response:
    invitation, assessment = invitation_service.open_link(session, token)
    questionnaire = assessment_service.questionnaire_for(assessment)
    base = f"/invite/{token}"
    context = {
        **_context(session, invitation),
        "assessment": assessment,
        "form": view or questionnaire_view(questionnaire, assessment.answers),
        "urls": FormUrls(
            save=f"{base}/answers", autosave=f"{base}/autosave", submit=f"{base}/submit"
        ),
        "csrf_token": invitation.csrf_token,
        "notice": notice,
        "saved": bool(request.query_params.get("saved")),
        "conflict": CONFLICT_MESSAGE if unsaved is not None else None,
        "unsaved": unsaved or [],
    }
    return render(request, "invite/questionnaire.html", context, status=status)


def _context(session: Session, invitation: Invitation) -> dict[str, object]:
    """What the vendor may see: who invited them, for which vendor, until when."""
    organisation = auth_service.get_organisation(session, invitation.organisation_id)
    return {"invitation": invitation, "agency": organisation.name}


def _with_errors(
    request: Request, session: Session, token: str, saved: Saved, notice: str
) -> Response:
    _, assessment = invitation_service.open_link(session, token)
    questionnaire = assessment_service.questionnaire_for(assessment)
    view = questionnaire_view(
        questionnaire, assessment.answers, errors=saved.errors, entered=saved.entered
    )
    return _page(request, session, token, view=view, status=422, notice=notice)


def _missing(request: Request, session: Session, token: str) -> Response:
    _, assessment = invitation_service.open_link(session, token)
    questionnaire = assessment_service.questionnaire_for(assessment)
    view = questionnaire_view(questionnaire, assessment.answers, show_missing=True)
    count = len(view.missing)
    notice = (
        f"Not submitted yet: {count} required question{'s are' if count > 1 else ' is'} "
        "unanswered. Your answers are saved."
    )
    return _page(request, session, token, view=view, status=422, notice=notice)


def _conflict(request: Request, session: Session, token: str, form: Form) -> Response:
    _, assessment = invitation_service.open_link(session, token)
    questionnaire = assessment_service.questionnaire_for(assessment)
    unsaved = unsaved_answers(
        assessment, answer_forms.decode(questionnaire, form, assessment.answers)
    )
    return _page(request, session, token, status=409, unsaved=unsaved)


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
        copy = (
            f"/invite/{token}/copy.pdf" if invitation_service.is_submitted(session, token) else None
        )
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
