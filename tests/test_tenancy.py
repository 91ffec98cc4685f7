"""Tenant isolation: every route that names an object answers 404 to another organisation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service.auth.permissions import Role
from service.questionnaires.catalog import Catalog
from service.webhooks.events import EventType
from service.webhooks.service import record_event
from tests import builders
from tests.api import assert_problem, caller
from tests.builders import example

# A valid body per route, so that the request gets past validation to the ownership check.
BODIES: dict[str, dict[str, Any] | None] = {
    "get_vendor": None,
    "update_vendor": {"name": "Stolen"},
    "get_client": None,
    "update_client": {"name": "Stolen"},
    "get_assessment": None,
    "update_assessment": {"title": "Stolen"},
    "update_answers": {"answers": {"hardware.gpu": "required"}},
    "submit_assessment": None,
    "reopen_assessment": None,
    "upgrade_assessment": {"to": "2.0"},
    "get_assessment_history": None,
    "get_assessment_score": None,
    "list_assessment_scores": None,
    "get_assessment_score_version": None,
    "score_what_if": {"answers": {"hardware.gpu": "required"}},
    "get_assessment_report": None,
    "get_client_comparison": None,
    "get_webhook": None,
    "update_webhook": {"description": "Stolen"},
    "delete_webhook": None,
    "rotate_webhook_secret": None,
    "list_webhook_deliveries": None,
    "redeliver_webhook": None,
    "ping_webhook": None,
    "get_event": None,
    "revoke_api_key": None,
    "get_vendor_by_external_id": None,
    "get_client_by_external_id": None,
    "get_questionnaire_workbook": None,
    "import_questionnaire_workbook": None,
    "get_assessment_findings_export": None,
    "delete_vendor": None,
    "restore_vendor": None,
    "delete_client": None,
    "restore_client": None,
    "delete_assessment": None,
    "restore_assessment": None,
    "start_assessment_review": {"reason": "Stolen"},
    "request_assessment_changes": {"reason": "Stolen"},
    "approve_assessment": {"conditions": ["Stolen"]},
    "list_assessment_versions": None,
    "list_clarifications": None,
    "create_clarification": {"question_id": "framework.primary", "message": "Stolen?"},
    "reply_to_clarification": {"message": "Stolen"},
    "resolve_clarification": {"message": "Stolen"},
    "upload_evidence": None,  # multipart: sent as a file below
    "list_evidence": None,
    "download_evidence": None,
    "delete_evidence": None,
    "accept_evidence_suggestion": None,
    "fetch_hub_evidence": {"repo_id": "Qwen/Qwen2.5-7B-Instruct"},
}
UPLOADS = {"upload_evidence": {"file": ("requirements.txt", b"torch==2.9.0\n")}}
# Routes whose path parameters are not organisation objects. (A PUT by external id creates the
# record in the caller's own organisation: see the test below.)
NOT_OBJECTS = {
    "get_questionnaire",
    "get_questionnaire_version",
    "upsert_vendor_by_external_id",
    "upsert_client_by_external_id",
    "get_assessments_export",  # {fmt} only: the caller's own list
}


def object_routes(app: FastAPI) -> list[tuple[str, str, str]]:
    """(operation id, method, path) of every documented route with a path parameter."""
    return [
        (operation["operationId"], method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method, operation in operations.items()
        if "{" in path and operation["operationId"] not in NOT_OBJECTS
    ]


def test_every_object_route_is_covered(app: FastAPI) -> None:
    assert {name for name, _, _ in object_routes(app)} == set(BODIES)


@pytest.fixture
def victim(session: Session, catalog: Catalog) -> dict[str, str]:
    org = builders.organisation(session, "Victim Agency")
    assessment = builders.assessment(
        session,
        catalog,
        org,
        answers=example("openweave.answers"),
        submitted=True,
        vendor_row=builders.vendor(session, org, external_id="crm-1"),
        client_row=builders.client(session, catalog, org, external_id="crm-1"),
    )
    key = builders.principal(session, org)
    hook = builders.webhook(session, org)
    event = record_event(session, org.id, EventType.VENDOR_UPDATED, {})
    session.commit()
    return {
        "vendor_id": str(assessment.vendor_id),
        "client_id": str(assessment.client_id),
        "assessment_id": str(assessment.id),
        "key_id": str(key.actor_id),
        "sequence": "1",
        "fmt": "pdf",
        "webhook_id": str(hook.id),
        "delivery_id": str(hook.id),
        "external_id": "crm-1",
        "event_id": event.id,
        # the assessment is the victim's, so these never get as far as being looked up
        "clarification_id": "00000000-0000-4000-8000-000000000001",
        "file_id": "00000000-0000-4000-8000-000000000002",
        "question_id": "framework.version",
    }


def _filled(template: str, params: dict[str, str]) -> str:
    return re.sub(r"{(\w+)}", lambda m: params[m.group(1)], template)


def test_another_organisation_gets_404_everywhere(
    app: FastAPI, http: TestClient, session: Session, victim: dict[str, str]
) -> None:
    intruder = caller(http, session, builders.organisation(session, "Intruder"), Role.ADMIN)
    routes = object_routes(app)
    assert len(routes) == len(BODIES)
    for name, method, template in routes:
        path = _filled(template, {**victim, "fmt": "csv"} if "findings" in template else victim)
        if name in UPLOADS:
            response = intruder.request(method, path, files=UPLOADS[name])
        else:
            response = intruder.request(method, path, json=BODIES[name])
        body = assert_problem(response, 404, "not-found")
        assert body["detail"].startswith("There is no"), (name, body)


def test_another_organisations_ids_are_unknown_in_bodies_and_lists(
    http: TestClient, session: Session, victim: dict[str, str]
) -> None:
    intruder = caller(http, session, builders.organisation(session, "Intruder"), Role.ADMIN)
    response = intruder.post(
        "/api/v1/assessments",
        json={"vendor_id": victim["vendor_id"], "client_id": victim["client_id"]},
    )
    assert_problem(response, 422, "invalid-input", detail_contains="no vendor")
    for listing in ("vendors", "clients", "assessments"):
        assert intruder.get(f"/api/v1/{listing}").json()["items"] == []
    assert (
        intruder.get("/api/v1/assessments", params={"vendor_id": victim["vendor_id"]}).json()[
            "items"
        ]
        == []
    )


def test_the_same_external_id_in_another_organisation_is_another_record(
    http: TestClient, session: Session, victim: dict[str, str]
) -> None:
    intruder = caller(http, session, builders.organisation(session, "Intruder"), Role.ADMIN)
    assert_problem(intruder.get("/api/v1/vendors/by-external-id/crm-1"), 404, "not-found")
    created = intruder.put("/api/v1/vendors/by-external-id/crm-1", json={"name": "Mine"})
    assert created.status_code == 201
    assert created.json()["id"] != victim["vendor_id"]
    client = intruder.put("/api/v1/clients/by-external-id/crm-1", json={"name": "Mine"})
    assert client.status_code == 201
    assert client.json()["id"] != victim["client_id"]
