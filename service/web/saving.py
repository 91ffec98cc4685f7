"""Saving a questionnaire form: the same path for the Save button, autosave and vendor links.

Valid answers are saved through `assessment_service.update_answers` (revision check, draft
check, history); answers the questionnaire rules refuse are left out and reported per question,
so one mistyped number never costs the rest of the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from service.assessments import service as assessment_service
from service.assessments.models import Assessment
from service.auth.principal import Principal
from service.errors import PreconditionFailed, ServiceError
from service.questionnaires.messages import refusals
from service.web import answer_forms
from service.web.forms import text
from service.web.questionnaire_view import state_payload
from service.web.templating import secure

REVISION_FIELD = "_revision"


@dataclass(frozen=True)
class Saved:
    errors: dict[str, str]
    """Refused answers: question id -> message."""
    entered: dict[str, Any]
    """The refused values as typed, to show them back."""
    changed: bool


def expected_revision(form: FormData) -> frozenset[int] | None:
    value = text(form, REVISION_FIELD)
    return frozenset({int(value)}) if value.isdigit() else None


def save_form(
    session: Session, principal: Principal, assessment: Assessment, form: FormData
) -> Saved:
    questionnaire = assessment_service.questionnaire_for(assessment)
    patch = answer_forms.decode(questionnaire, form, assessment.answers)
    refused = refusals(questionnaire, patch)
    accepted = {q: v for q, v in patch.items() if q not in refused}
    before = assessment.revision
    assessment_service.update_answers(
        session, principal, assessment, accepted, expected_revision(form)
    )
    return Saved(refused, {q: patch[q] for q in refused}, assessment.revision != before)


def refused_summary(saved: Saved) -> str:
    count = len(saved.errors)
    return (
        f"{count} answer{'s were' if count > 1 else ' was'} not saved: see the message"
        f"{'s' if count > 1 else ''} next to {'them' if count > 1 else 'it'}."
    )


def autosave_reply(assessment: Assessment, outcome: Saved | ServiceError) -> JSONResponse:
    """The JSON the page script reads after a save: the server's view of the questionnaire."""
    if isinstance(outcome, PreconditionFailed):
        body: dict[str, Any] = {
            "status": "conflict",
            "revision": assessment.revision,
            "message": CONFLICT_NOTICE,
        }
        return secure(JSONResponse(body, status_code=412))
    if isinstance(outcome, ServiceError):
        body = {"status": "locked" if outcome.status == 409 else "error", "message": outcome.detail}
        return secure(JSONResponse(body, status_code=outcome.status))
    questionnaire = assessment_service.questionnaire_for(assessment)
    body = {
        "status": "saved",
        "changed": outcome.changed,
        "revision": assessment.revision,
        "message": refused_summary(outcome) if outcome.errors else "",
        **state_payload(questionnaire, assessment.answers, outcome.errors),
    }
    return secure(JSONResponse(body))


CONFLICT_NOTICE = (
    "Not saved: someone else changed this assessment after you opened it. Your edits are still "
    "on this page; note anything you need, then reload to see the other changes."
)
