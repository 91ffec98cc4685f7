"""ETag and If-Match on vendors: reads carry the tag, a write with a stale one is 412."""

from __future__ import annotations

import pytest

from tests.api import Caller, assert_problem


@pytest.mark.db
def test_a_stale_if_match_is_refused_and_the_current_one_accepted(admin: Caller) -> None:
    created = admin.post("/api/v1/vendors", json={"name": "OpenWeave AI"})
    assert created.status_code == 201
    url = f"/api/v1/vendors/{created.json()['id']}"
    first = admin.get(url)
    tag = first.headers["etag"]
    assert tag == created.headers["etag"]
    assert admin.get(url, headers={"If-None-Match": tag}).status_code == 304

    changed = admin.patch(url, json={"website": "https://a.example"}, headers={"If-Match": tag})
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] != tag
    body = assert_problem(
        admin.patch(url, json={"website": "https://b.example"}, headers={"If-Match": tag}),
        412,
        "precondition-failed",
        detail_contains="GET it again",
    )
    assert body["errors"][0]["field"] == "header.If-Match"
    assert admin.get(url).json()["website"] == "https://a.example"
    assert admin.patch(url, json={"website": "https://c.example"}).status_code == 200


@pytest.mark.db
def test_if_match_guards_a_replace_by_external_id(admin: Caller) -> None:
    url = "/api/v1/vendors/by-external-id/crm-77"
    assert_problem(
        admin.put(url, json={"name": "Acme"}, headers={"If-Match": '"0123abcd"'}),
        412,
        "precondition-failed",
    )
    created = admin.put(url, json={"name": "Acme"})
    assert created.status_code == 201
    tag = admin.get(url).headers["etag"]
    assert admin.put(url, json={"name": "Acme 2"}, headers={"If-Match": tag}).status_code == 200
    assert_problem(
        admin.put(url, json={"name": "Acme 3"}, headers={"If-Match": tag}),
        412,
        "precondition-failed",
    )


def test_a_malformed_if_match_is_a_400_naming_the_header(admin: Caller) -> None:
    created = admin.post("/api/v1/vendors", json={"name": "Monolith"})
    url = f"/api/v1/vendors/{created.json()['id']}"
    body = assert_problem(
        admin.patch(url, json={"name": "x"}, headers={"If-Match": "not-a-tag"}), 400, "bad-request"
    )
    assert body["errors"] == [{"field": "header.If-Match", "message": "not an ETag of this API"}]
