"""Vendor endpoints: good and bad input, roles, listing."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from service.auth.permissions import Role
from tests.api import Caller, assert_problem, problem_errors


def create(caller: Caller, **fields: object) -> dict[str, object]:
    response = caller.post("/api/v1/vendors", json={"name": "OpenWeave AI", **fields})
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_create_and_read_a_vendor(procurement: Caller) -> None:
    response = procurement.post(
        "/api/v1/vendors",
        json={
            "name": "  OpenWeave AI ",
            "website": "https://openweave.example",
            "external_id": "crm-1",
            "description": "Open models.",
        },
    )
    assert response.status_code == 201
    vendor = response.json()
    assert response.headers["location"] == f"/api/v1/vendors/{vendor['id']}"
    assert vendor["name"] == "OpenWeave AI"
    assert vendor["external_id"] == "crm-1"
    assert vendor["created_at"].endswith("Z")
    assert procurement.get(f"/api/v1/vendors/{vendor['id']}").json() == vendor


def test_bad_vendor_bodies_list_each_field(procurement: Caller) -> None:
    response = procurement.post(
        "/api/v1/vendors",
        json={"website": "ftp://x.example", "colour": "red", "external_id": " spaced"},
    )
    body = assert_problem(response, 422, "invalid-input")
    errors = problem_errors(body, key="field")
    assert errors["name"] == "'name' is required in the body"
    assert "http:// or https://" in errors["website"]
    assert errors["colour"] == "unknown field 'colour'"
    assert "external_id" in errors


def test_malformed_json_is_a_clear_422(procurement: Caller) -> None:
    response = procurement.post(
        "/api/v1/vendors", content=b'{"name": "x",', headers={"content-type": "application/json"}
    )
    body = assert_problem(response, 422, "invalid-input", detail_contains="not valid JSON")
    assert body["errors"][0]["field"] == "body"


def test_over_long_name_is_refused(procurement: Caller) -> None:
    response = procurement.post("/api/v1/vendors", json={"name": "x" * 201})
    body = assert_problem(response, 422, "invalid-input")
    assert "at most 200 characters" in problem_errors(body, key="field")["name"]


def test_external_ids_are_unique_per_organisation(
    procurement: Caller, as_role: Callable[[Role], Caller]
) -> None:
    first = create(procurement, external_id="crm-7")
    response = procurement.post("/api/v1/vendors", json={"name": "B", "external_id": "crm-7"})
    assert_problem(
        response, 409, "conflict", detail_contains=f"already used by vendor {first['id']}"
    )


def test_patch_changes_only_what_is_sent(procurement: Caller) -> None:
    vendor = create(procurement, website="https://a.example")
    response = procurement.patch(f"/api/v1/vendors/{vendor['id']}", json={"name": "Renamed"})
    assert response.status_code == 200
    assert response.json()["name"] == "Renamed"
    assert response.json()["website"] == "https://a.example"
    assert response.json()["updated_at"] >= str(vendor["updated_at"])
    cleared = procurement.patch(f"/api/v1/vendors/{vendor['id']}", json={"website": None})
    assert cleared.json()["website"] is None


def test_patch_cannot_null_the_name(procurement: Caller) -> None:
    vendor = create(procurement)
    response = procurement.patch(f"/api/v1/vendors/{vendor['id']}", json={"name": None})
    body = assert_problem(response, 422, "invalid-input")
    assert "cannot be null" in problem_errors(body, key="field")["name"]


def test_unknown_and_malformed_ids(procurement: Caller) -> None:
    missing = uuid.uuid4()
    assert_problem(
        procurement.get(f"/api/v1/vendors/{missing}"),
        404,
        "not-found",
        detail_contains=str(missing),
    )
    body = assert_problem(procurement.get("/api/v1/vendors/not-a-uuid"), 422, "invalid-input")
    assert "vendor_id" in problem_errors(body, key="field")


def test_account_leads_read_but_do_not_write(
    procurement: Caller, as_role: Callable[[Role], Caller]
) -> None:
    vendor = create(procurement)
    lead = as_role(Role.ACCOUNT_LEAD)
    assert lead.get(f"/api/v1/vendors/{vendor['id']}").status_code == 200
    assert_problem(lead.post("/api/v1/vendors", json={"name": "x"}), 403, "forbidden")
    response = lead.patch(f"/api/v1/vendors/{vendor['id']}", json={"name": "x"})
    assert_problem(response, 403, "forbidden", detail_contains="create or change vendors")


def test_list_filters_and_paginates_without_gaps(procurement: Caller) -> None:
    ids = [create(procurement, name=f"Vendor {i}", external_id=f"v-{i}")["id"] for i in range(5)]
    seen: list[object] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = procurement.get("/api/v1/vendors", params=params).json()
        seen.extend(item["id"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids

    by_external = procurement.get("/api/v1/vendors", params={"external_id": "v-3"}).json()
    assert [v["id"] for v in by_external["items"]] == [ids[3]]
    searched = procurement.get("/api/v1/vendors", params={"q": "dor 4"}).json()
    assert [v["id"] for v in searched["items"]] == [ids[4]]
    wildcard = procurement.get("/api/v1/vendors", params={"q": "%"}).json()
    assert wildcard["items"] == []


def test_list_rejects_bad_parameters(procurement: Caller) -> None:
    body = assert_problem(
        procurement.get("/api/v1/vendors", params={"limit": 0, "cursor": "zzz"}),
        422,
        "invalid-input",
    )
    assert "limit" in problem_errors(body, key="field")
    response = procurement.get("/api/v1/vendors", params={"cursor": "zzz"})
    assert_problem(response, 422, "invalid-input", detail_contains="cursor is not valid")
    response = procurement.get("/api/v1/vendors", params={"updated_since": "2026-01-01T00:00:00"})
    body = assert_problem(response, 422, "invalid-input")
    assert "time zone" in problem_errors(body, key="field")["updated_since"]


def test_updated_since_returns_only_later_changes(procurement: Caller) -> None:
    old = create(procurement, name="Old")
    new = create(procurement, name="New")
    since = str(new["updated_at"])
    page = procurement.get("/api/v1/vendors", params={"updated_since": since}).json()
    assert [v["id"] for v in page["items"]] == [new["id"]]
    procurement.patch(f"/api/v1/vendors/{old['id']}", json={"description": "changed"})
    page = procurement.get("/api/v1/vendors", params={"updated_since": since}).json()
    assert [v["id"] for v in page["items"]] == [new["id"], old["id"]]
