"""Calling the API as a given role, and checking problem+json bodies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx2 as httpx
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service.auth.models import Organisation
from service.auth.permissions import Role
from tests import builders


@dataclass
class Caller:
    """A TestClient that sends one API key with every request."""

    http: TestClient
    token: str
    org: Organisation

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.http.request(method, url, headers=headers, **kwargs)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)


def caller(http: TestClient, session: Session, org: Organisation, role: Role) -> Caller:
    token = builders.api_key(session, org, role)
    session.commit()
    return Caller(http, token, org)


def assert_problem(
    response: httpx.Response, status: int, slug: str, *, detail_contains: str = ""
) -> dict[str, Any]:
    """The response is an RFC 9457 problem of this status and type; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    problem_type = urlsplit(body["type"])
    assert problem_type.scheme in {"http", "https"}, body["type"]
    assert problem_type.path == f"/problems/{slug}", body["type"]
    assert body["status"] == status
    assert body["title"]
    assert detail_contains in body["detail"], body["detail"]
    assert "Traceback" not in response.text
    return body


def problem_errors(body: dict[str, Any], key: str = "question") -> dict[str, str]:
    """The `errors` list of a problem, as {field or question: message}."""
    return {str(e.get(key) or e.get("field")): e["message"] for e in body.get("errors", [])}
