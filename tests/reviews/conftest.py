"""Fixtures and small steps for the review workflow tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from service.auth.models import Organisation
from service.auth.permissions import Role
from service.questionnaires.catalog import Catalog
from tests import builders
from tests.api import Caller

A = "/api/v1/assessments"
CUDA = "Which CUDA version does the image need?"


@pytest.fixture
def reviewer(as_role: Callable[[Role], Caller]) -> Caller:
    return as_role(Role.REVIEWER)


@pytest.fixture
def parties(session: Session, catalog: Catalog, org: Organisation) -> dict[str, str]:
    vendor = builders.vendor(session, org, name="OpenWeave AI")
    client = builders.client(session, catalog, org, name="Northwind Retail")
    session.commit()
    return {"vendor_id": str(vendor.id), "client_id": str(client.id)}


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def submitted(procurement: Caller, parties: dict[str, str]) -> dict[str, Any]:
    answers = builders.example("openweave.answers")
    created = ok(procurement.post(A, json={**parties, "answers": answers}), 201)
    body: dict[str, Any] = ok(procurement.post(f"{A}/{created['id']}/submit"))
    return body


def ask(reviewer: Caller, assessment: dict[str, Any], question: str, text: str = CUDA) -> Any:
    body = {"question_id": question, "message": text}
    return ok(reviewer.post(f"{A}/{assessment['id']}/clarifications", json=body), 201)
