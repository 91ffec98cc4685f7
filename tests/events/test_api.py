"""The event log through the API: tenant-scoped, cursor paginated, the last 30 days."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from service.auth.models import Organisation
from service.db import utcnow
from service.webhooks.events import EventType
from service.webhooks.models import WebhookEvent
from service.webhooks.service import record_event
from tests import builders
from tests.api import Caller, assert_problem, problem_errors


def test_events_are_listed_page_by_page_and_read_one_by_one(
    admin: Caller, session: Session, org: Organisation
) -> None:
    ids = [record_event(session, org.id, EventType.VENDOR_CREATED, {"n": n}).id for n in range(3)]
    session.commit()
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = admin.get("/api/v1/events", params=params)
        assert page.status_code == 200, page.text
        seen += [item["id"] for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == ids
    one = admin.get(f"/api/v1/events/{ids[1]}")
    assert one.status_code == 200
    assert one.json()["type"] == "vendor.created"
    assert one.json()["payload"]["data"] == {"n": 1}
    filtered = admin.get("/api/v1/events", params={"type": "client.created"})
    assert filtered.json()["items"] == []


def test_events_of_another_organisation_or_older_than_30_days_are_not_found(
    admin: Caller, session: Session, org: Organisation
) -> None:
    other = builders.organisation(session)
    theirs = record_event(session, other.id, EventType.VENDOR_CREATED, {}).id
    old = record_event(session, org.id, EventType.VENDOR_CREATED, {}).id
    session.flush()
    session.execute(
        update(WebhookEvent)
        .where(WebhookEvent.id == old)
        .values(created_at=utcnow() - timedelta(days=31))
    )
    session.commit()
    assert_problem(admin.get(f"/api/v1/events/{theirs}"), 404, "not-found")
    assert_problem(admin.get(f"/api/v1/events/{old}"), 404, "not-found")
    assert admin.get("/api/v1/events").json()["items"] == []


def test_a_bad_cursor_is_a_422_naming_the_parameter(admin: Caller) -> None:
    body = assert_problem(
        admin.get("/api/v1/events", params={"cursor": "bm90IGEgY3Vyc29y"}), 422, "invalid-input"
    )
    assert problem_errors(body, key="field") == {"query.cursor": "not a cursor issued by this API"}
