"""Questionnaire endpoints, and immutability of published versions."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from service.catalog import service as catalog_service
from service.questionnaires.catalog import Catalog, Definition
from service.questionnaires.loader import DefinitionError
from tests.api import Caller, assert_problem


def test_list_questionnaires(procurement: Caller, catalog: Catalog) -> None:
    body = procurement.get("/api/v1/questionnaires").json()
    by_slug = {q["slug"]: q for q in body}
    assert set(by_slug) == {"ai-framework", "client-environment"}
    vendor = by_slug["ai-framework"]
    assert vendor["audience"] == "vendor"
    assert vendor["versions"] == ["1.0", "2.0"]
    assert 35 <= vendor["question_count"] <= 60
    latest = catalog.latest("ai-framework")
    assert latest is not None
    assert vendor["content_hash"] == latest.content_hash


def test_get_latest_and_exact_version(procurement: Caller) -> None:
    latest = procurement.get("/api/v1/questionnaires/ai-framework").json()
    exact = procurement.get("/api/v1/questionnaires/ai-framework/versions/2.0").json()
    assert latest == exact
    sections = latest["definition"]["sections"]
    questions = {q["id"]: q for s in sections for q in s["questions"]}
    assert questions["framework.primary"]["type"] == "single_choice"
    assert questions["framework.primary"]["help"]
    assert questions["framework.other_name"]["show_if"] == {
        "question": "framework.primary",
        "equals": "other",
    }


def test_unknown_questionnaire_and_version(procurement: Caller) -> None:
    assert_problem(
        procurement.get("/api/v1/questionnaires/nope"),
        404,
        "not-found",
        detail_contains="Known questionnaires: ai-framework, client-environment",
    )
    assert_problem(
        procurement.get("/api/v1/questionnaires/ai-framework/versions/9.9"),
        404,
        "not-found",
        detail_contains="has no version 9.9; it has: 1.0, 2.0",
    )


def test_a_published_version_cannot_change_in_place(session: Session, catalog: Catalog) -> None:
    original = catalog.latest("ai-framework")
    assert original is not None
    catalog_service.publish(session, original)
    edited = Definition(
        original.questionnaire.model_copy(update={"title": "Edited"}), "sha256:" + "0" * 64
    )
    with pytest.raises(DefinitionError, match="published versions are immutable"):
        catalog_service.publish(session, edited)


def test_publishing_twice_returns_the_same_row(session: Session, catalog: Catalog) -> None:
    definition = catalog.latest("client-environment")
    assert definition is not None
    first = catalog_service.publish(session, definition)
    assert catalog_service.publish(session, definition).id == first.id
