"""Saving a questionnaire form: the same path for the Save button, autosave and vendor links.

Valid answers are saved through `assessment_service.update_answers` (revision check, draft
check, history); answers the questionnaire rules refuse are left out and reported per question,
so one mistyped number never costs the rest of the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from service.assessments import service as assessment_service
from service.assessments.merging import Plan
from service.assessments.models import Assessment
from service.auth.principal import Principal
from service.errors import PreconditionFailed, ServiceError
from service.questionnaires.answers import missing_required
from service.questionnaires.messages import refusals
from service.web import answer_forms, conflicts
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
    plan: Plan = field(default_factory=lambda: Plan(patch={}))
    """The merge: questions changed by both (`plan.conflicts`) were left out for a choice."""

    @property
    def conflicted(self) -> bool:
        return bool(self.plan.conflicts)


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
    plan = assessment_service.save_answers(
        session, principal, assessment, accepted, expected_revision(form)
    )
    entered = {q: patch[q] for q in refused}
    return Saved(refused, entered, assessment.revision != before, plan)


def save_choices(
    session: Session, principal: Principal, assessment: Assessment, form: FormData
) -> Saved:
    """The per-question choice after a conflict: only the questions where "yours" was chosen."""
    before = assessment.revision
    plan = assessment_service.save_answers(
        session, principal, assessment, conflicts.chosen(form), expected_revision(form)
    )
    return Saved({}, {}, assessment.revision != before, plan)


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
            "status": "stale",
            "revision": assessment.revision,
            "message": STALE_NOTICE,
        }
        return secure(JSONResponse(body, status_code=412))
    if isinstance(outcome, ServiceError):
        body = {"status": "locked" if outcome.status == 409 else "error", "message": outcome.detail}
        return secure(JSONResponse(body, status_code=outcome.status))
    if outcome.conflicted:
        return secure(JSONResponse(_conflict_body(assessment, outcome), status_code=412))
    questionnaire = assessment_service.questionnaire_for(assessment)
    merged = conflicts.merged_notice(questionnaire, outcome.plan)
    body = {
        "status": "saved",
        "changed": outcome.changed,
        "revision": assessment.revision,
        "message": refused_summary(outcome) if outcome.errors else "",
        "merged": merged,
        "values": conflicts.form_values(outcome.plan),
        **state_payload(questionnaire, assessment.answers, outcome.errors),
    }
    return secure(JSONResponse(body))


def _conflict_body(assessment: Assessment, outcome: Saved) -> dict[str, Any]:
    questionnaire = assessment_service.questionnaire_for(assessment)
    rows = conflicts.conflict_rows(questionnaire, outcome.plan)
    names = ", ".join(f"“{row.label}” ({row.theirs_by})" for row in rows)
    return {
        "status": "conflict",
        "revision": assessment.revision,
        "questions": [row.question_id for row in rows],
        "message": (
            f"Your other changes are saved, but someone else changed the same "
            f"question{'s' if len(rows) > 1 else ''} meanwhile: {names}. Compare the answers "
            "and choose which to keep."
        ),
    }


STALE_NOTICE = (
    "Not saved: this assessment changed in other ways (submitted, reopened or moved to a new "
    "questionnaire version) after you opened it. Your edits are still on this page; note "
    "anything you need, then reload."
)

STALE_PAGE_NOTICE = (
    "Not saved: this assessment was submitted, reopened or moved to another questionnaire "
    "version after you opened it. This is how it is now; enter your changes again if they "
    "still apply."
)


def missing_notice(assessment: Assessment) -> str:
    questionnaire = assessment_service.questionnaire_for(assessment)
    count = len(missing_required(questionnaire, assessment.answers))
    return (
        f"Not submitted yet: {count} required question{'s are' if count > 1 else ' is'} "
        "unanswered. Your answers are saved."
    )
