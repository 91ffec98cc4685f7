"""POST /api/v1/vendors/bulk: up to 500 upserts by CRM id, all or nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.auth.models import Organisation
from service.vendors.models import Vendor
from tests.api import Caller, assert_problem, problem_errors

BULK = "/api/v1/vendors/bulk"


def _items(count: int, name: str = "Vendor") -> list[dict[str, Any]]:
    return [{"external_id": f"crm-{n}", "name": f"{name} {n}"} for n in range(count)]


def _count(session: Session, org: Organisation) -> int:
    return session.scalar(select(func.count()).where(Vendor.organisation_id == org.id)) or 0


def test_500_vendors_are_created_then_updated_or_left_alone(
    procurement: Caller, admin: Caller, session: Session, org: Organisation
) -> None:
    first = procurement.post(BULK, json={"items": _items(500)})
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (500, 0, 0)
    assert [i["external_id"] for i in body["items"]] == [f"crm-{n}" for n in range(500)]
    assert body["items"][0]["result"] == "created"
    assert body["items"][0]["deleted"] is False
    again = _items(500)
    again[7]["name"] = "Renamed"
    second = procurement.post(BULK, json={"items": again}).json()
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 1, 499)
    assert second["items"][7]["id"] == body["items"][7]["id"]
    assert procurement.get(f"/api/v1/vendors/{body['items'][7]['id']}").json()["name"] == "Renamed"
    assert _count(session, org) == 500
    events = admin.get("/api/v1/events", params={"limit": 200, "type": "vendor.updated"})
    assert [e["payload"]["data"]["vendor"]["name"] for e in events.json()["items"]] == ["Renamed"]


def test_one_bad_item_refuses_the_whole_batch_and_names_every_bad_item(
    procurement: Caller, session: Session, org: Organisation
) -> None:
    items = _items(4)
    items[1]["website"] = "ftp://nope.example"
    items[3]["external_id"] = " "
    response = procurement.post(BULK, json={"items": items})
    body = assert_problem(response, 422, "invalid-input")
    fields = problem_errors(body, "field")
    assert "http:// or https://" in fields["items.1.website"]
    assert "items.3.external_id" in fields
    assert _count(session, org) == 0


def test_duplicates_empty_and_oversized_batches_are_refused(
    procurement: Caller, session: Session, org: Organisation
) -> None:
    items = _items(3)
    items[2]["external_id"] = "crm-0"
    body = assert_problem(procurement.post(BULK, json={"items": items}), 422, "invalid-input")
    assert problem_errors(body, "field") == {"body.items.2.external_id": "'crm-0' is also item 0"}
    empty = assert_problem(procurement.post(BULK, json={"items": []}), 422, "invalid-input")
    assert "at least 1" in problem_errors(empty, "field")["items"]
    big = assert_problem(procurement.post(BULK, json={"items": _items(501)}), 422, "invalid-input")
    assert "at most 500" in problem_errors(big, "field")["items"]
    assert _count(session, org) == 0


def test_a_deleted_vendor_in_a_batch_refuses_it(procurement: Caller) -> None:
    made = procurement.post(BULK, json={"items": _items(2)}).json()["items"]
    procurement.delete(f"/api/v1/vendors/{made[1]['id']}")
    response = procurement.post(BULK, json={"items": _items(3, name="New")})
    body = assert_problem(response, 409, "conflict", detail_contains="nothing was written")
    assert list(problem_errors(body, "field")) == ["body.items.1.external_id"]
    assert procurement.get(f"/api/v1/vendors/{made[0]['id']}").json()["name"] == "Vendor 0"


def test_bulk_is_idempotent_and_for_editors_only(procurement: Caller, as_role: Any) -> None:
    from service.auth.permissions import Role  # noqa: PLC0415

    key = {"Idempotency-Key": "bulk-1"}
    first = procurement.post(BULK, json={"items": _items(3)}, headers=key)
    replay = procurement.post(BULK, json={"items": _items(3)}, headers=key)
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == first.json()
    assert "ratelimit" in first.headers
    reader = as_role(Role.ACCOUNT_LEAD)
    assert_problem(reader.post(BULK, json={"items": _items(1)}), 403, "forbidden")
