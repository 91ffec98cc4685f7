"""What a CRM needs to stay in sync: upsert by its own ids, and gapless incremental listing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.api import Caller, assert_problem, problem_errors


def test_upsert_a_vendor_by_external_id(procurement: Caller) -> None:
    url = "/api/v1/vendors/by-external-id/hubspot-company-4412"
    created = procurement.put(url, json={"name": "OpenWeave", "website": "https://ow.example"})
    assert created.status_code == 201
    vendor = created.json()
    assert vendor["external_id"] == "hubspot-company-4412"
    assert created.headers["location"] == f"/api/v1/vendors/{vendor['id']}"
    updated = procurement.put(url, json={"name": "OpenWeave AI"})
    assert updated.status_code == 200
    assert updated.json()["id"] == vendor["id"]
    assert updated.json()["name"] == "OpenWeave AI"
    assert updated.json()["website"] is None, "PUT replaces the whole record"
    assert procurement.get(url).json() == updated.json()
    missing = procurement.get("/api/v1/vendors/by-external-id/nope")
    assert_problem(missing, 404, "not-found", detail_contains="external_id 'nope'")


def test_upsert_a_client_with_its_environment(procurement: Caller) -> None:
    url = "/api/v1/clients/by-external-id/sf-001"
    body = {"name": "Northwind", "environment": {"orchestration": "kubernetes"}}
    assert procurement.put(url, json=body).status_code == 201
    replaced = procurement.put(url, json={"name": "Northwind", "environment": {"cloud": ["aws"]}})
    assert replaced.status_code == 200
    assert replaced.json()["environment"] == {"cloud": ["aws"]}
    bad = procurement.put(url, json={"name": "N", "environment": {"cloud": "aws"}})
    assert "expected a list" in problem_errors(assert_problem(bad, 422, "invalid-input"))["cloud"]


def test_the_external_id_comes_from_the_path(procurement: Caller) -> None:
    response = procurement.put(
        "/api/v1/vendors/by-external-id/a", json={"name": "X", "external_id": "b"}
    )
    body = assert_problem(response, 422, "invalid-input")
    assert problem_errors(body, key="field") == {"external_id": "unknown field 'external_id'"}


def pass_through(
    caller: Caller, path: str, between: Any = None, **params: Any
) -> tuple[list[str], str]:
    """Read every page; call `between` after the first page. Returns ids and the watermark."""
    seen: list[str] = []
    cursor = None
    first = True
    while True:
        query = {"limit": 3, **params, **({"cursor": cursor} if cursor else {})}
        page = caller.get(path, params=query).json()
        seen += [item["id"] for item in page["items"]]
        if first and between:
            between()
        first = False
        cursor = page["next_cursor"]
        if cursor is None:
            return seen, page["next_updated_since"]


@pytest.mark.parametrize("path", ["/api/v1/vendors", "/api/v1/clients"])
def test_paging_neither_skips_nor_repeats_while_records_change(
    procurement: Caller, path: str
) -> None:
    ids = [procurement.post(path, json={"name": f"Record {i}"}).json()["id"] for i in range(10)]

    def change_some() -> None:
        for record_id in (ids[0], ids[5], ids[9]):  # one already read, two not yet
            procurement.patch(f"{path}/{record_id}", json={"name": "Changed"})

    seen, watermark = pass_through(procurement, path, change_some)
    assert len(seen) == len(set(seen)), "no record twice in one pass"
    assert set(seen) == set(ids) - {ids[5], ids[9]}, "records changed during the pass wait"
    following, _ = pass_through(procurement, path, updated_since=watermark)
    assert {ids[0], ids[5], ids[9]} <= set(following), "the next sync brings every change"
    assert set(seen) | set(following) == set(ids), "nothing is ever skipped"
    assert datetime.fromisoformat(watermark)


def test_assessments_sync_the_same_way(procurement: Caller) -> None:
    page = procurement.get("/api/v1/assessments", params={"limit": 1}).json()
    assert page["items"] == []
    assert page["next_cursor"] is None
    assert datetime.fromisoformat(page["next_updated_since"])
