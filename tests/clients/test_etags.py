"""ETag and If-Match on clients: the environment profile is not overwritten by a stale write."""

from __future__ import annotations

import pytest

from tests.api import Caller, assert_problem


@pytest.mark.db
def test_a_stale_if_match_leaves_the_environment_as_the_other_writer_left_it(
    admin: Caller,
) -> None:
    created = admin.post("/api/v1/clients", json={"name": "Northwind Retail"})
    assert created.status_code == 201
    url = f"/api/v1/clients/{created.json()['id']}"
    tag = admin.get(url).headers["etag"]
    assert tag == created.headers["etag"]
    first = admin.patch(url, json={"description": "Retail"}, headers={"If-Match": tag})
    assert first.status_code == 200, first.text
    body = assert_problem(
        admin.patch(url, json={"description": "Stale"}, headers={"If-Match": tag}),
        412,
        "precondition-failed",
        detail_contains="client changed since you read it",
    )
    assert body["errors"][0]["field"] == "header.If-Match"
    assert admin.get(url).json()["description"] == "Retail"
    fresh = admin.get(url).headers["etag"]
    assert fresh == first.headers["etag"]
    assert admin.get(url, headers={"If-None-Match": fresh}).status_code == 304


@pytest.mark.db
def test_if_match_guards_a_client_replace_by_external_id(admin: Caller) -> None:
    url = "/api/v1/clients/by-external-id/crm-c-9"
    assert admin.put(url, json={"name": "Contoso"}).status_code == 201
    tag = admin.get(url).headers["etag"]
    assert admin.put(url, json={"name": "Contoso 2"}, headers={"If-Match": tag}).status_code == 200
    assert_problem(
        admin.put(url, json={"name": "Contoso 3"}, headers={"If-Match": tag}),
        412,
        "precondition-failed",
    )
