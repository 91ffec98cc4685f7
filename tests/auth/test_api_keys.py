"""API keys: authentication, roles, and key management."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.models import ApiKey
from service.auth.permissions import Role
from tests.api import Caller, assert_problem, problem_errors


def test_no_key_is_401_with_a_bearer_challenge(http: TestClient) -> None:
    response = http.get("/api/v1/vendors")
    assert_problem(response, 401, "unauthenticated", detail_contains="Authorization: Bearer")
    assert response.headers["www-authenticate"] == 'Bearer realm="stackvet"'


def test_a_wrong_key_is_401(http: TestClient) -> None:
    response = http.get("/api/v1/vendors", headers={"Authorization": "Bearer svk_nope_nope"})
    assert_problem(response, 401, "unauthenticated", detail_contains="not valid")


def test_a_non_bearer_scheme_is_401(http: TestClient) -> None:
    response = http.get("/api/v1/vendors", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert_problem(response, 401, "unauthenticated")


def test_me_names_the_organisation_and_role(procurement: Caller) -> None:
    response = procurement.get("/api/v1/me")
    assert response.status_code == 200
    body = response.json()
    assert body["organisation_name"] == procurement.org.name
    assert body["role"] == "procurement"
    assert body["actor"].startswith("API key svk_")


def test_admin_creates_a_key_that_works_and_is_stored_only_as_a_hash(
    admin: Caller, http: TestClient, session: Session
) -> None:
    response = admin.post("/api/v1/api-keys", json={"name": "HubSpot", "role": "integration"})
    assert response.status_code == 201
    created = response.json()
    token = created["token"]
    assert token.startswith(created["prefix"] + "_")
    assert created["role"] == "integration"

    me = http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["role"] == "integration"

    stored = session.scalars(select(ApiKey.token_hash, ApiKey.prefix)).all()
    assert token not in str(stored)

    listed = admin.get("/api/v1/api-keys").json()
    assert {k["name"] for k in listed} >= {"HubSpot"}
    assert all("token" not in k for k in listed)


def test_last_used_at_is_recorded(admin: Caller, session: Session) -> None:
    admin.get("/api/v1/me")
    keys = admin.get("/api/v1/api-keys").json()
    assert all(k["last_used_at"] is not None for k in keys)


def test_a_revoked_key_stops_working(admin: Caller, http: TestClient) -> None:
    created = admin.post("/api/v1/api-keys", json={"name": "temp", "role": "account_lead"}).json()
    headers = {"Authorization": f"Bearer {created['token']}"}
    assert http.get("/api/v1/me", headers=headers).status_code == 200

    revoked = admin.delete(f"/api/v1/api-keys/{created['id']}")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert_problem(http.get("/api/v1/me", headers=headers), 401, "unauthenticated")
    again = admin.delete(f"/api/v1/api-keys/{created['id']}")
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]


def test_key_creation_validates_the_body(admin: Caller) -> None:
    response = admin.post("/api/v1/api-keys", json={"name": "", "role": "superuser"})
    body = assert_problem(response, 422, "invalid-input")
    errors = problem_errors(body, key="field")
    assert set(errors) == {"name", "role"}
    assert "'admin', 'procurement', 'account_lead', 'integration' or 'reviewer'" in errors["role"]


def test_only_admins_manage_keys(as_role: Callable[[Role], Caller]) -> None:
    for role in (Role.PROCUREMENT, Role.ACCOUNT_LEAD, Role.INTEGRATION):
        caller = as_role(role)
        response = caller.get("/api/v1/api-keys")
        assert_problem(response, 403, "forbidden", detail_contains=f"'{role}' role cannot manage")
        response = caller.post("/api/v1/api-keys", json={"name": "x", "role": "admin"})
        assert_problem(response, 403, "forbidden")
