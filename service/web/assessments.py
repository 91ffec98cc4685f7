"""Assessment pages: start one, the assessment itself, its answers and its history."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from service.assessments import history as assessment_history
from service.assessments import service as assessment_service
from service.assessments.models import TRANSITIONS, AssessmentHistory, HistoryKind
from service.assessments.schemas import AssessmentCreate
from service.clients import service as client_service
from service.dependencies import CatalogDep, DbSession
from service.errors import ServiceError
from service.questionnaires.answers import display
from service.questionnaires.schema import Questionnaire
from service.vendors import service as vendor_service
from service.web import refused_forms
from service.web.assessment_pages import assessment_page
from service.web.auth import Editor, SignedIn, WebUser, signed_in_router
from service.web.forms import Form, attempt, fields, service_messages, validation_messages
from service.web.listing import every
from service.web.pages import page, redirect
from service.web.questionnaire_view import questionnaire_view
from service.web.templating import words

router = signed_in_router()

Choice = Annotated[str, Query(max_length=100)]

NEW = "/assessments/new"
_CHOOSE = {"vendor_id": "choose a vendor", "client_id": "choose a client"}


@router.get("/assessments/new")
def show_new_assessment(
    request: Request, session: DbSession, user: Editor, vendor: Choice = "", client: Choice = ""
) -> HTMLResponse:
    """The form to start an assessment of a vendor for a client."""
    values, errors = refused_forms.kept(session, user, NEW)
    chosen = values or {"vendor_id": vendor, "client_id": client}
    return _new_page(request, session, user, chosen, errors)


@router.post("/assessments")
def start_assessment(
    request: Request, session: DbSession, catalog: CatalogDep, user: Editor, form: Form
) -> Response:
    """Create a draft and open its questionnaire."""
    values = fields(form, "vendor_id", "client_id", "title")
    try:
        data = AssessmentCreate.model_validate(values)
    except ValidationError as exc:
        errors = {k: _CHOOSE.get(k, m) for k, m in validation_messages(exc).items()}
        return refused_forms.retry(session, user, NEW, values, errors)
    principal = user.principal
    created = attempt(
        session, lambda: assessment_service.create_assessment(session, catalog, principal, data)
    )
    if isinstance(created, ServiceError):
        return refused_forms.retry(session, user, NEW, values, service_messages(created))
    refused_forms.done(session, refused_forms.owner_of(user), NEW)
    return redirect(session, user, f"/assessments/{created.id}", "Draft started.")


@router.get("/assessments/{assessment_id}")
def show_assessment(
    assessment_id: uuid.UUID, request: Request, session: DbSession, user: SignedIn
) -> HTMLResponse:
    """A draft's questionnaire, or a scored assessment's result."""
    assessment = assessment_service.get_assessment(
        session, user.principal.organisation_id, assessment_id
    )
    return assessment_page(request, session, user, assessment)


@router.get("/assessments/{assessment_id}/answers")
def show_answers(
    assessment_id: uuid.UUID, request: Request, session: DbSession, user: SignedIn
) -> HTMLResponse:
    """Every answer by section, read-only."""
    assessment = assessment_service.get_assessment(
        session, user.principal.organisation_id, assessment_id
    )
    questionnaire = assessment_service.questionnaire_for(assessment)
    context = {
        "assessment": assessment,
        "form": questionnaire_view(questionnaire, assessment.answers),
    }
    return page(request, session, user, "assessments/answers.html", context)


@dataclass(frozen=True)
class HistoryRow:
    entry: AssessmentHistory
    question: str
    old: str
    new: str


@router.get("/assessments/{assessment_id}/history")
def show_history(
    assessment_id: uuid.UUID, request: Request, session: DbSession, user: SignedIn
) -> HTMLResponse:
    """Who changed what and when, newest first."""
    assessment = assessment_service.get_assessment(
        session, user.principal.organisation_id, assessment_id
    )
    questionnaire = assessment_service.questionnaire_for(assessment)
    entries = assessment_history.history(session, assessment)
    rows = [_history_row(questionnaire, entry) for entry in reversed(entries)]
    context = {"assessment": assessment, "rows": rows}
    return page(request, session, user, "assessments/history.html", context)


def _history_row(questionnaire: Questionnaire, entry: AssessmentHistory) -> HistoryRow:
    if entry.kind is HistoryKind.SCORED and isinstance(entry.new_value, dict):
        return HistoryRow(entry, "", "", _score_note(entry.new_value))
    if entry.kind is HistoryKind.UPGRADED and isinstance(entry.new_value, dict):
        old = entry.old_value if isinstance(entry.old_value, dict) else {}
        moved = (str(old.get("questionnaire", "")), str(entry.new_value.get("questionnaire", "")))
        return HistoryRow(entry, "", *moved)
    if entry.kind is HistoryKind.IMPORTED and isinstance(entry.new_value, dict):
        count = entry.new_value.get("answers", 0)
        return HistoryRow(
            entry, "", "", f"{count} answer{'s' if count != 1 else ''} from a workbook"
        )
    if entry.kind in TRANSITIONS or entry.kind is HistoryKind.VERSION_CREATED:
        return HistoryRow(entry, "", _moved(entry.old_value), _moved(entry.new_value, entry.reason))
    question = questionnaire.questions.get(entry.question_id or "")
    if entry.kind is HistoryKind.CLARIFICATION:
        label = question.label if question else (entry.question_id or "")
        return HistoryRow(entry, label, "", f"{words(entry.new_value)}: {entry.reason or '-'}")
    return HistoryRow(
        entry,
        question.label if question else (entry.question_id or ""),
        display(question, entry.old_value) if entry.question_id else "",
        display(question, entry.new_value) if entry.question_id else "",
    )


def _moved(value: Any, reason: str | None = None) -> str:
    """A state ('in_review' -> 'In review') or a version link ({'version': 2} -> 'version 2')."""
    shown = f"version {value.get('version')}" if isinstance(value, dict) else words(value or "")
    return f"{shown} ({reason})" if reason else shown


def _score_note(note: Mapping[str, Any]) -> str:
    return (
        f"Technical currency {note.get('technical_currency')} ({note.get('currency_band')}), "
        f"integration risk {note.get('integration_risk')} ({note.get('risk_band')}): "
        f"{str(note.get('recommendation', '')).replace('_', ' ')}"
    )


def _new_page(
    request: Request,
    session: DbSession,
    user: WebUser,
    values: Mapping[str, object],
    errors: Mapping[str, str],
) -> HTMLResponse:
    organisation_id = user.principal.organisation_id
    context = {
        "values": values,
        "errors": errors,
        "vendors": sorted(
            every(lambda p: vendor_service.list_vendors(session, organisation_id, p)),
            key=lambda v: v.name.lower(),
        ),
        "clients": sorted(
            every(lambda p: client_service.list_clients(session, organisation_id, p)),
            key=lambda c: c.name.lower(),
        ),
    }
    return page(request, session, user, "assessments/new.html", context)
