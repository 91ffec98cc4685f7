"""Idempotency-Key: retries replay the first response and never act twice."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from service.auth.models import Organisation
from service.auth.permissions import Role
from service.db import utcnow
from service.idempotency import service as idempotency
from service.idempotency.models import IdempotencyKey
from service.questionnaires.catalog import Catalog
from service.vendors.models import Vendor
from tests import builders
from tests.api import Caller, assert_problem, caller
from tests.builders import example


def vendors(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Vendor)) or 0


def post(caller: Caller, key: str, body: dict[str, Any], url: str = "/api/v1/vendors") -> Any:
    return caller.post(url, json=body, headers={"Idempotency-Key": key})


def test_a_retry_replays_the_first_response(procurement: Caller, session: Session) -> None:
    first = post(procurement, "k-1", {"name": "OpenWeave AI"})
    second = post(procurement, "k-1", {"name": "OpenWeave AI"})
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["location"] == first.headers["location"]
    assert second.headers["content-type"] == "application/json"
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert vendors(session) == 1


def test_the_same_key_with_another_body_is_422(procurement: Caller, session: Session) -> None:
    post(procurement, "k-2", {"name": "OpenWeave AI"})
    response = post(procurement, "k-2", {"name": "Someone else"})
    assert_problem(
        response, 422, "invalid-input", detail_contains="already used with a different request"
    )
    assert vendors(session) == 1


def test_the_same_key_while_the_first_is_in_flight_is_409(
    procurement: Caller, app: FastAPI, session: Session
) -> None:
    fingerprint = idempotency.request_hash("POST", "/api/v1/vendors", "", b'{"name":"X"}')
    idempotency.claim(
        app.state.session_factory, procurement.org.id, "k-3", fingerprint, "POST", "/api/v1/vendors"
    )
    response = procurement.post(
        "/api/v1/vendors",
        content=b'{"name":"X"}',
        headers={"Idempotency-Key": "k-3", "content-type": "application/json"},
    )
    body = assert_problem(response, 409, "conflict", detail_contains="still being processed")
    assert response.headers["retry-after"] == "1"
    assert body["status"] == 409
    assert vendors(session) == 0


def test_an_abandoned_claim_is_taken_over(
    procurement: Caller, app: FastAPI, session: Session
) -> None:
    fingerprint = idempotency.request_hash("POST", "/api/v1/vendors", "", b'{"name":"X"}')
    idempotency.claim(
        app.state.session_factory, procurement.org.id, "k-4", fingerprint, "POST", "/api/v1/vendors"
    )
    session.execute(update(IdempotencyKey).values(locked_until=utcnow()))
    session.commit()
    response = procurement.post(
        "/api/v1/vendors",
        content=b'{"name":"X"}',
        headers={"Idempotency-Key": "k-4", "content-type": "application/json"},
    )
    assert response.status_code == 201
    assert vendors(session) == 1


def test_a_failed_request_frees_its_key(procurement: Caller, session: Session) -> None:
    failed = post(procurement, "k-5", {"name": ""})
    assert_problem(failed, 422, "invalid-input")
    fixed = post(procurement, "k-5", {"name": "OpenWeave AI"})
    assert fixed.status_code == 201
    assert session.scalar(select(func.count()).select_from(IdempotencyKey)) == 1


def test_keys_belong_to_one_organisation(procurement: Caller, http: Any, session: Session) -> None:
    other = caller(http, session, builders.organisation(session), Role.PROCUREMENT)
    post(procurement, "shared-key", {"name": "A"})
    response = post(other, "shared-key", {"name": "B"})
    assert response.status_code == 201
    assert "idempotent-replayed" not in response.headers
    assert vendors(session) == 2


def test_a_retried_submit_is_not_submitted_twice(
    procurement: Caller, session: Session, catalog: Catalog, org: Organisation
) -> None:
    assessment = builders.assessment(session, catalog, org, answers=example("openweave.answers"))
    session.commit()
    url = f"/api/v1/assessments/{assessment.id}/submit"
    first = procurement.post(url, headers={"Idempotency-Key": "submit-1"})
    again = procurement.post(url, headers={"Idempotency-Key": "submit-1"})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["etag"] == first.headers["etag"]
    without_key = procurement.post(url)
    assert_problem(without_key, 409, "conflict")


@pytest.mark.parametrize("key", ["", "x" * 256, "spaces are not ok", "tab\tinside"])
def test_malformed_keys_are_400(procurement: Caller, key: str) -> None:
    response = procurement.post(
        "/api/v1/vendors", json={"name": "A"}, headers={"Idempotency-Key": key}
    )
    assert_problem(response, 400, "bad-request", detail_contains="Idempotency-Key must be")


def test_new_api_keys_are_never_stored_for_replay(admin: Caller, session: Session) -> None:
    body = {"name": "CRM", "role": "integration"}
    first = post(admin, "key-1", body, "/api/v1/api-keys")
    second = post(admin, "key-1", body, "/api/v1/api-keys")
    assert first.json()["token"] != second.json()["token"]
    assert session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0


def test_the_key_is_checked_before_anything_else(procurement: Caller) -> None:
    unauthenticated = procurement.http.post(
        "/api/v1/vendors", json={"name": "A"}, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert_problem(unauthenticated, 401, "unauthenticated")
