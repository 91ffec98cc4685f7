"""Inputs that once answered 500: each is now a 422 (or 400) problem naming the field.

NUL characters pass SQLite but not PostgreSQL; these tests expect the problem on both, so a
change that lets NUL reach the database fails here even where SQLite would have stored it.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service.assessments.etag import parse_if_match
from service.auth.models import Organisation
from service.errors import BadRequest
from service.questionnaires.catalog import Catalog
from tests import builders
from tests.api import Caller, assert_problem, problem_errors

JSON = {"content-type": "application/json"}


def _invalid(response: Any, field: str, message: str) -> None:
    body = assert_problem(response, 422, "invalid-input")
    errors = problem_errors(body)
    assert field in errors, body
    assert message in errors[field], body


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ('{"name": "Open\\u0000Weave"}', "name", "NUL character"),
        ('{"name": "Open\\ud800Weave"}', "name", "lone UTF-16 surrogate"),
        ('{"name": "ok", "description": "a\\u0000b"}', "description", "NUL character"),
        ('{"name": "ok", "bad\\u0000key": 1}', "bad\x00key", "NUL character"),
    ],
)
def test_unstorable_text_in_a_json_body_is_422(
    procurement: Caller, raw: str, field: str, message: str
) -> None:
    response = procurement.post("/api/v1/vendors", content=raw, headers=JSON)
    _invalid(response, field, message)


def test_unstorable_text_in_answers_names_the_question(
    procurement: Caller, session: Session, catalog: Catalog, org: Organisation
) -> None:
    row = builders.assessment(session, catalog, org)
    session.commit()
    raw = '{"answers": {"framework.version": "2.4\\udfff"}}'
    response = procurement.patch(f"/api/v1/assessments/{row.id}/answers", content=raw, headers=JSON)
    _invalid(response, "answers.framework.version", "lone UTF-16 surrogate")


def test_nul_in_a_query_parameter_is_422(procurement: Caller) -> None:
    response = procurement.get("/api/v1/vendors", params={"q": "north\x00wind"})
    _invalid(response, "query.q", "NUL character")


def test_nul_in_a_path_parameter_is_422(procurement: Caller) -> None:
    response = procurement.get("/api/v1/vendors/by-external-id/crm%00id")
    _invalid(response, "path.external_id", "NUL character")


def test_nul_in_a_web_form_is_refused_before_the_database(http: TestClient) -> None:
    response = http.post(
        "/sign-in", data={"email": "a\x00@agency.example", "password": "x"}, headers={}
    )
    assert response.status_code == 422, response.text
    assert "NUL character" in response.text


def test_a_blank_external_id_in_the_path_is_422(procurement: Caller) -> None:
    response = procurement.put("/api/v1/vendors/by-external-id/%20", json={"name": "OpenWeave AI"})
    body = assert_problem(response, 422, "invalid-input")
    assert "external_id" in problem_errors(body)


def test_an_external_id_with_an_encoded_slash_round_trips(procurement: Caller) -> None:
    put = procurement.put("/api/v1/vendors/by-external-id/acct%2F4412", json={"name": "Acme"})
    assert put.status_code in {200, 201}, put.text
    assert put.json()["external_id"] == "acct/4412"
    got = procurement.get("/api/v1/vendors/by-external-id/acct%2F4412")
    assert got.status_code == 200, got.text
    assert got.json()["id"] == put.json()["id"]


def test_a_400_digit_number_answer_is_out_of_range(
    procurement: Caller, session: Session, catalog: Catalog, org: Organisation
) -> None:
    row = builders.assessment(session, catalog, org)
    session.commit()
    raw = '{"answers": {"hardware.min_gpu_memory_gb": 1' + "0" * 400 + "}}"
    response = procurement.patch(f"/api/v1/assessments/{row.id}/answers", content=raw, headers=JSON)
    body = assert_problem(response, 422, "invalid-input")
    assert "must be at most" in problem_errors(body)["hardware.min_gpu_memory_gb"]


@pytest.mark.parametrize("header", ['"' + "9" * 5000 + '"', '"12345678901"'])
def test_if_match_takes_only_short_ascii_revisions(
    procurement: Caller, session: Session, catalog: Catalog, org: Organisation, header: str
) -> None:
    row = builders.assessment(session, catalog, org)
    session.commit()
    response = procurement.patch(
        f"/api/v1/assessments/{row.id}/answers",
        json={"answers": {}},
        headers={"If-Match": header.encode("latin-1")},
    )
    body = assert_problem(response, 400, "bad-request", detail_contains="If-Match must be")
    assert problem_errors(body)["header.If-Match"] == "not an ETag of this API"


@pytest.mark.parametrize("header", ['"²"', '"¹²"', '"٣"', 'W/"\uff19"', '"' + "9" * 5000 + '"'])
def test_if_match_parsing_refuses_unicode_digits_and_long_tags(header: str) -> None:
    # The TestClient re-encodes header values as UTF-8, so "²" (one latin-1 byte from a real
    # client) is only reachable by calling the parser with what the server would decode.
    with pytest.raises(BadRequest) as refused:
        parse_if_match(header)
    assert refused.value.errors == [
        {"field": "header.If-Match", "message": "not an ETag of this API"}
    ]


def test_if_match_parsing_takes_ascii_revisions() -> None:
    assert parse_if_match('"7", W/"12"') == frozenset({7, 12})
    assert parse_if_match("*") is None


def _cursor(parts: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        _cursor(
            ["2026-01-01T00:00:00", "0b3c0c52-5d43-4a5e-9d0c-0e1e3c7a4f11", "2026-01-01T00:00:00"]
        ),
        _cursor(
            [
                "0001-01-01T00:00:00+23:59",
                "0b3c0c52-5d43-4a5e-9d0c-0e1e3c7a4f11",
                "0001-01-01T00:00:00+23:59",
            ]
        ),
        _cursor({"a": 1, "b": 2, "c": 3}),
        _cursor([1, 2, 3]),
        "Jáù" + "x" * 10,
        "A" * 5000,
    ],
)
def test_odd_cursors_are_422(procurement: Caller, cursor: str) -> None:
    response = procurement.get("/api/v1/vendors", params={"cursor": cursor})
    _invalid(response, "query.cursor", "not a cursor issued by this API")


@pytest.mark.parametrize(
    ("since", "message"),
    [
        ("0001-01-01T00:00:00+23:59", "out of range"),
        ("9999-12-31T23:59:59-23:59", "out of range"),
        ("1900-01-01T00:00:00Z", "between 1970 and 9000"),
    ],
)
def test_updated_since_must_be_in_range(procurement: Caller, since: str, message: str) -> None:
    response = procurement.get("/api/v1/clients", params={"updated_since": since})
    _invalid(response, "query.updated_since", message)


def test_a_score_sequence_past_the_column_is_422(procurement: Caller) -> None:
    response = procurement.get(
        "/api/v1/assessments/0b3c0c52-5d43-4a5e-9d0c-0e1e3c7a4f11/scores/1" + "0" * 400
    )
    _invalid(response, "sequence", "less than or equal to 2147483647")


def test_the_default_title_fits_the_column(
    procurement: Caller, session: Session, catalog: Catalog, org: Organisation, app: FastAPI
) -> None:
    vendor = builders.vendor(session, org, name="V" * 200)
    client = builders.client(session, catalog, org, name="C" * 200)
    session.commit()
    response = procurement.post(
        "/api/v1/assessments", json={"vendor_id": str(vendor.id), "client_id": str(client.id)}
    )
    assert response.status_code == 201, response.text
    title = response.json()["title"]
    assert len(title) == 200
    assert title.startswith("V" * 190)
    assert title.endswith("…")
