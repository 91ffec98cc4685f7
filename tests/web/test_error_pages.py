"""Browsers get HTML error pages; the API keeps its problem+json, whatever the Accept header."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.auth.permissions import Role
from tests.api import assert_problem
from tests.web.conftest import World
from tests.web.routes import STATE_CHANGING, fill, page_routes
from tests.web.visitor import Visitor


def test_a_missing_assessment_is_a_404_page(buyer: Visitor) -> None:
    missing = uuid.uuid4()
    response = buyer.get(f"/assessments/{missing}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Page not found" in response.text
    assert f"There is no assessment {missing}." in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'self'")


def test_a_malformed_id_is_an_html_page_too(buyer: Visitor) -> None:
    response = buyer.get("/assessments/not-a-uuid")
    assert response.status_code == 422
    assert "Some values need attention" in response.text


def test_unknown_pages_are_404_pages_for_browsers(visitor: Visitor) -> None:
    response = visitor.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_the_api_keeps_problem_json_even_for_browsers(visitor: Visitor, http: TestClient) -> None:
    response = visitor.get("/api/v1/vendors")
    assert_problem(response, 401, "unauthenticated")
    assert_problem(visitor.get("/api/v1/nothing-here"), 404, "not-found")
    assert_problem(http.get("/assessments/not-a-uuid"), 401, "unauthenticated")


def test_a_script_without_a_session_gets_json(visitor: Visitor) -> None:
    response = visitor.http.post(
        f"/assessments/{uuid.uuid4()}/autosave", headers={"Accept": "application/json"}
    )
    assert_problem(response, 401, "unauthenticated", detail_contains="Sign in to continue.")


def test_static_files_are_served(visitor: Visitor) -> None:
    css = visitor.get("/static/app.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert visitor.get("/static/app.js").status_code == 200


def test_opening_a_form_address_shows_its_page_not_a_405(
    app: FastAPI, signed_in: Callable[[Role], Visitor], world: World
) -> None:
    """Post/redirect/get's other half: a GET of any POST-only address lands on a page.

    Signed in as an admin, who may open every page (the people pages are admins' only)."""
    buyer = signed_in(Role.ADMIN)
    posts = {path for _, _, path in page_routes(app, STATE_CHANGING)}
    gets = {path for _, _, path in page_routes(app, frozenset({"GET"}))}
    for template in sorted(posts - gets):
        path = fill(template, world.params())
        response = buyer.get(path)
        assert response.status_code == 303, (template, response.status_code)
        target = response.headers["location"]
        assert path.startswith(target), (template, target)
        assert buyer.get(target).status_code in {200, 303}, (template, target)
    moved = buyer.get(f"/assessments/{world.draft.id}/submit")
    assert moved.headers["location"] == f"/assessments/{world.draft.id}"
    link = buyer.get(f"/invite/{world.token}/answers")
    assert link.headers["location"] == f"/invite/{world.token}"
