"""HTTP semantics every route gets: HEAD, If-None-Match → 304, a complete `Allow` on 405, 415 for
a body that is not JSON, and gzip for larger responses."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service.auth.models import Organisation
from service.http_semantics import matches
from service.questionnaires.catalog import Catalog
from tests import builders
from tests.api import Caller, assert_problem


def test_head_answers_a_get_route_without_a_body(admin: Caller, http: TestClient) -> None:
    get = admin.get("/api/v1/vendors")
    head = admin.request("HEAD", "/api/v1/vendors")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert "ratelimit" in head.headers
    assert http.head("/healthz").status_code == 200
    assert http.head("/healthz").content == b""


def test_if_none_match_with_the_current_etag_is_304_without_a_body(
    admin: Caller, session: Session, catalog: Catalog, org: Organisation
) -> None:
    row = builders.assessment(session, catalog, org)
    session.commit()
    url = f"/api/v1/assessments/{row.id}"
    first = admin.get(url)
    etag = first.headers["etag"]
    again = admin.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert "content-type" not in again.headers
    assert admin.get(url, headers={"If-None-Match": '"other", ' + etag}).status_code == 304
    assert admin.get(url, headers={"If-None-Match": '"999"'}).status_code == 200
    head = admin.request("HEAD", url, headers={"If-None-Match": etag})
    assert head.status_code == 304


def test_weak_comparison_of_entity_tags() -> None:
    assert matches('W/"7"', '"7"')
    assert matches('"1", "7"', 'W/"7"')
    assert matches("*", '"anything"')
    assert not matches('"17"', '"7"')


def test_405_names_every_method_of_the_path(admin: Caller) -> None:
    response = admin.delete("/api/v1/vendors")
    body = assert_problem(response, 405, "method-not-allowed")
    assert response.headers["allow"] == "GET, HEAD, POST"
    assert "GET, HEAD, POST" in body["detail"]


def test_a_json_endpoint_refuses_another_media_type_with_415(admin: Caller) -> None:
    response = admin.post(
        "/api/v1/vendors",
        content=b"name=Acme",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    body = assert_problem(response, 415, "unsupported-media-type")
    assert "application/json" in body["detail"]
    assert "application/x-www-form-urlencoded" in body["detail"]
    # the same body as JSON is accepted; a bad JSON body is still a 422 naming the field
    assert admin.post("/api/v1/vendors", json={"name": "Acme"}).status_code == 201
    assert_problem(admin.post("/api/v1/vendors", json={"name": 5}), 422, "invalid-input")


def test_large_responses_are_gzipped_when_the_client_accepts_it(
    admin: Caller, session: Session, org: Organisation
) -> None:
    for number in range(30):
        builders.vendor(session, org, name=f"Vendor {number:02d} with a fairly long name")
    session.commit()
    plain = admin.get("/api/v1/vendors?limit=30", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    zipped = admin.http.request(
        "GET",
        "/api/v1/vendors?limit=30",
        headers={"Authorization": f"Bearer {admin.token}", "Accept-Encoding": "gzip"},
    )
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.json()["items"] == plain.json()["items"]
    assert int(zipped.headers["content-length"]) < len(plain.content)
    small = admin.get("/api/v1/me", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers


def test_a_raw_upload_with_a_missing_body_is_not_called_a_json_endpoint(admin: Caller) -> None:
    response = admin.put(
        "/api/v1/organisation/branding/logo",
        content=b"",
        headers={"Content-Type": "application/octet-stream"},
    )
    assert response.status_code != 415, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_pdfs_are_sent_as_they_are_not_gzipped_again(
    admin: Caller, session: Session, catalog: Catalog, org: Organisation
) -> None:
    row = builders.assessment(
        session, catalog, org, answers=builders.example("openweave.answers"), submitted=True
    )
    session.commit()
    url = f"/api/v1/assessments/{row.id}/report.pdf"
    response = admin.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"%PDF-")
    assert "content-encoding" not in response.headers
