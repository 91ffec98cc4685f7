"""Review pages' actions: start a review, ask about a question, reply, resolve, request
changes, approve with conditions. Each calls the same service function as the API and
comes back to the assessment page with a message; a refusal is shown there too."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi.responses import Response
from sqlalchemy.orm import Session

from service.assessments import service as assessment_service
from service.assessments.models import Assessment
from service.dependencies import DbSession
from service.errors import ServiceError
from service.reviews import clarifications
from service.reviews import service as review_service
from service.web.auth import Editor, Reviewer, WebUser, signed_in_router
from service.web.forms import Form, attempt, text
from service.web.pages import redirect
from service.web.saving import expected_revision

router = signed_in_router()


def _act(
    session: Session,
    user: WebUser,
    assessment_id: uuid.UUID,
    action: Callable[[Assessment], object],
    done: str,
    anchor: str = "review",
) -> Response:
    assessment = assessment_service.get_assessment(
        session, user.principal.organisation_id, assessment_id, lock=True
    )
    outcome = attempt(session, lambda: action(assessment))
    url = f"/assessments/{assessment_id}#{anchor}"
    if isinstance(outcome, ServiceError):
        return redirect(session, user, url, "Not done: " + outcome.detail)
    if isinstance(outcome, Assessment) and outcome.id != assessment_id:
        return redirect(session, user, f"/assessments/{outcome.id}", done)
    return redirect(session, user, url, done)


@router.post("/assessments/{assessment_id}/review/start")
def start_review(
    assessment_id: uuid.UUID, session: DbSession, user: Reviewer, form: Form
) -> Response:
    """Take a submitted assessment into review."""
    return _act(
        session,
        user,
        assessment_id,
        lambda a: review_service.start_review(session, user.principal, a, expected_revision(form)),
        "Review started: ask about any answer, then approve or request changes.",
    )


@router.post("/assessments/{assessment_id}/clarifications")
def ask_clarification(
    assessment_id: uuid.UUID, session: DbSession, user: Reviewer, form: Form
) -> Response:
    """A clarification request about one question."""
    return _act(
        session,
        user,
        assessment_id,
        lambda a: clarifications.ask(
            session, user.principal, a, text(form, "question_id"), text(form, "message")
        ),
        "Clarification requested.",
    )


@router.post("/assessments/{assessment_id}/clarifications/{thread_id}/reply")
def reply_clarification(
    assessment_id: uuid.UUID, thread_id: uuid.UUID, session: DbSession, user: Editor, form: Form
) -> Response:
    """The respondent's reply, from the agency's side."""

    def action(assessment: Assessment) -> object:
        thread = clarifications.get_thread(session, assessment, thread_id)
        return clarifications.reply(
            session, user.principal, assessment, thread, text(form, "message")
        )

    return _act(session, user, assessment_id, action, "Reply sent.", "clarifications")


@router.post("/assessments/{assessment_id}/clarifications/{thread_id}/resolve")
def resolve_clarification(
    assessment_id: uuid.UUID, thread_id: uuid.UUID, session: DbSession, user: Reviewer, form: Form
) -> Response:
    """Accept the reply, or withdraw the request."""

    def action(assessment: Assessment) -> object:
        thread = clarifications.get_thread(session, assessment, thread_id)
        return clarifications.resolve(
            session, user.principal, assessment, thread, text(form, "message")
        )

    return _act(session, user, assessment_id, action, "Clarification resolved.")


@router.post("/assessments/{assessment_id}/request-changes")
def request_changes(
    assessment_id: uuid.UUID, session: DbSession, user: Reviewer, form: Form
) -> Response:
    """Send it back to the respondent for the questions with open requests."""
    return _act(
        session,
        user,
        assessment_id,
        lambda a: review_service.request_changes(
            session, user.principal, a, expected_revision(form), text(form, "reason")
        ),
        "Changes requested: the respondent sees the open requests.",
    )


@router.post("/assessments/{assessment_id}/approve")
def approve(assessment_id: uuid.UUID, session: DbSession, user: Reviewer, form: Form) -> Response:
    """Approve with the conditions entered one per line, and publish the report."""
    conditions = text(form, "conditions").splitlines()
    return _act(
        session,
        user,
        assessment_id,
        lambda a: review_service.approve(
            session, user.principal, a, expected_revision(form), conditions, text(form, "reason")
        ),
        "Approved: the report is published.",
    )
