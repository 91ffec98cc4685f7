"""Replays are for callers the route lets in, and never carry a secret."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from service import migration
from service.assessments.router import router as assessments_router
from service.auth.permissions import Permission, Role
from service.config import Settings
from service.idempotency.dependency import required_permissions
from service.idempotency.models import IdempotencyKey
from service.vendors.router import router as vendors_router
from service.webhooks.router import router as webhooks_router
from tests.api import Caller, assert_problem
from tests.databases import ScratchDatabases

HOOK = {"url": "http://127.0.0.1:9/hooks/stackvet", "events": ["assessment.scored"]}


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Webhooks to loopback allowed: nothing is delivered in these tests."""
    return Settings(
        database_url=database_url, embedded_worker=False, webhook_allow_private_targets=True
    )


def stored(session: Session, path: str) -> int:
    query = select(func.count()).select_from(IdempotencyKey).where(IdempotencyKey.path == path)
    return session.scalar(query) or 0


def test_a_role_without_the_permission_gets_403_not_the_replay(
    admin: Caller, as_role: Callable[[Role], Caller], procurement: Caller, session: Session
) -> None:
    first = procurement.post(
        "/api/v1/vendors", json={"name": "OpenWeave AI"}, headers={"Idempotency-Key": "v-1"}
    )
    assert first.status_code == 201
    lead: Caller = as_role(Role.ACCOUNT_LEAD)
    again = lead.post(
        "/api/v1/vendors", json={"name": "OpenWeave AI"}, headers={"Idempotency-Key": "v-1"}
    )
    body = assert_problem(again, 403, "forbidden", detail_contains="account_lead")
    assert "idempotent-replayed" not in again.headers
    assert first.json()["id"] not in str(body)


def test_an_account_lead_cannot_replay_a_webhook_creation(
    admin: Caller, as_role: Callable[[Role], Caller], session: Session
) -> None:
    created = admin.post("/api/v1/webhooks", json=HOOK, headers={"Idempotency-Key": "w-1"})
    assert created.status_code == 201, created.text
    secret = created.json()["secret"]
    lead: Caller = as_role(Role.ACCOUNT_LEAD)
    replay = lead.post("/api/v1/webhooks", json=HOOK, headers={"Idempotency-Key": "w-1"})
    assert_problem(replay, 403, "forbidden")
    assert secret not in replay.text


def test_responses_with_a_secret_are_not_stored(admin: Caller, session: Session) -> None:
    created = admin.post("/api/v1/webhooks", json=HOOK, headers={"Idempotency-Key": "w-2"})
    hook_id = created.json()["id"]
    rotated = admin.post(
        f"/api/v1/webhooks/{hook_id}/rotate-secret", headers={"Idempotency-Key": "r-1"}
    )
    assert rotated.status_code == 200, rotated.text
    key = admin.post(
        "/api/v1/api-keys",
        json={"name": "HubSpot sync", "role": "integration"},
        headers={"Idempotency-Key": "k-1"},
    )
    assert key.status_code == 201, key.text
    assert stored(session, "/api/v1/webhooks") == 0
    assert stored(session, f"/api/v1/webhooks/{hook_id}/rotate-secret") == 0
    assert stored(session, "/api/v1/api-keys") == 0
    again = admin.post("/api/v1/webhooks", json=HOOK, headers={"Idempotency-Key": "w-2"})
    assert "idempotent-replayed" not in again.headers
    assert again.json()["secret"] != created.json()["secret"]


def test_migration_0007_purges_stored_secrets(scratch_databases: ScratchDatabases) -> None:
    url = scratch_databases.create("idempotency_secrets")
    migration.upgrade(url, "0006")
    engine = create_engine(url)
    org = uuid.uuid4()
    paths = {
        "/api/v1/webhooks": True,
        f"/api/v1/webhooks/{uuid.uuid4()}/rotate-secret": True,
        "/api/v1/api-keys": True,
        "/api/v1/vendors": False,
        f"/api/v1/webhooks/{uuid.uuid4()}/deliveries/{uuid.uuid4()}/redeliver": False,
    }
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO organisations (id, name, created_at) "
                    "VALUES (:id, 'Acme', CURRENT_TIMESTAMP)"
                ),
                {"id": org.hex if url.startswith("sqlite") else str(org)},
            )
            for number, path in enumerate(paths):
                connection.execute(
                    text(
                        "INSERT INTO idempotency_keys (id, organisation_id, key, request_hash,"
                        " method, path, completed, response_status, response_body, created_at)"
                        " VALUES (:id, :org, :key, 'h', 'POST', :path, TRUE, 201, :body,"
                        " CURRENT_TIMESTAMP)"
                    ),
                    {
                        "id": uuid.uuid4().hex if url.startswith("sqlite") else str(uuid.uuid4()),
                        "org": org.hex if url.startswith("sqlite") else str(org),
                        "key": f"k-{number}",
                        "path": path,
                        "body": b'{"secret": "whsec_x"}',
                    },
                )
        migration.upgrade(url)
        with engine.connect() as connection:
            left = set(connection.scalars(text("SELECT path FROM idempotency_keys")))
    finally:
        engine.dispose()
    assert left == {path for path, secret in paths.items() if not secret}


def test_the_guard_sees_every_permission_a_route_demands() -> None:
    routers = (assessments_router, vendors_router, webhooks_router)
    routes = {r.name: r for router in routers for r in router.routes if isinstance(r, APIRoute)}
    assert required_permissions(routes["submit_assessment"].dependant) == {
        Permission.EDIT_ASSESSMENTS
    }
    assert required_permissions(routes["create_webhook"].dependant) == {Permission.MANAGE_WEBHOOKS}
    assert required_permissions(routes["create_vendor"].dependant) == {Permission.EDIT_DIRECTORY}
