"""A procurement user's whole day in the browser, from an empty organisation to a comparison."""

from __future__ import annotations

import io
from pathlib import Path

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from service.auth.permissions import Role
from service.clients.models import Client
from service.questionnaires.catalog import Catalog
from tests import builders
from tests.web.browser.conftest import Server
from tests.web.browser.steps import (
    answer,
    answer_all,
    go_to,
    question,
    shoot,
    sign_in,
    wait_saved,
)

OPENWEAVE = builders.example("openweave.answers")
NORTHWIND = builders.example("northwind.environment")


def pdf_text(path: Path) -> str:
    content = path.read_bytes()
    assert content.startswith(b"%PDF-"), "not a PDF"
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def test_procurement_flow(
    page: Page, server: Server, catalog: Catalog, screenshots: Path, js_errors: list[str]
) -> None:
    base = server.url
    with server.session() as session:
        org = builders.organisation(session, "Acme Agency")
        user = builders.user(session, org, Role.PROCUREMENT, name="Alice Example")
        session.commit()

    page.goto(base)
    expect(page).to_have_url(f"{base}/sign-in?next=%2F")
    shoot(page, screenshots, "sign-in", tablet=False)
    sign_in(page, base, user.email, builders.PASSWORD)
    shoot(page, screenshots, "dashboard-empty", tablet=False)

    # A client and its environment (conditional questions appear here too).
    go_to(page, "Clients")
    page.get_by_role("link", name="Add client").click()
    page.get_by_label("Name").fill("Northwind Retail")
    page.get_by_role("button", name="Add client").click()
    expect(page.get_by_text("Client Northwind Retail added.")).to_be_visible()
    expect(question(page, "kubernetes_distribution")).to_be_hidden()
    answer(page, "orchestration", "kubernetes")
    expect(question(page, "kubernetes_distribution")).to_be_visible()
    answer_all(page, NORTHWIND)
    page.get_by_role("button", name="Save environment").click()
    expect(page.get_by_text("Environment saved.")).to_be_visible()
    shoot(page, screenshots, "client")

    # A vendor, and an assessment of it for the client.
    go_to(page, "Vendors")
    page.get_by_role("link", name="Add vendor").click()
    page.get_by_label("Name").fill("OpenWeave AI")
    page.get_by_label("Website").fill("https://openweave.example")
    page.get_by_role("button", name="Add vendor").click()
    page.get_by_role("link", name="Assess this vendor").click()
    page.get_by_label("Client").select_option(label="Northwind Retail")
    page.get_by_role("button", name="Start assessment").click()
    expect(page.get_by_role("heading", name="OpenWeave AI for Northwind Retail")).to_be_visible()
    assessment_url = page.url

    # Conditional questions appear and disappear as the server says.
    expect(question(page, "framework.other_name")).to_be_hidden()
    answer(page, "framework.primary", "other")
    expect(question(page, "framework.other_name")).to_be_visible()
    answer(page, "framework.version", "not a version")
    expect(page.locator("#q-framework-version-error")).to_have_text(
        "Enter the framework version as a version number such as 2.4.1, "
        "or choose “Don't know / won't say”."
    )
    shoot(page, screenshots, "questionnaire-conditional", tablet=False)
    answer(page, "framework.primary", "pytorch")
    expect(question(page, "framework.other_name")).to_be_hidden()

    # Everything but one required answer; autosave keeps the draft.
    answer_all(page, {q: v for q, v in OPENWEAVE.items() if q != "hf.model_swappable"})
    wait_saved(page)
    expect(page.locator("[data-progress-required]")).to_have_text("1 required still to answer")

    # Leave, come back: the draft is there.
    go_to(page, "Assessments")
    expect(page.get_by_text("OpenWeave AI for Northwind Retail")).to_be_visible()
    page.goto(assessment_url)
    expect(page.locator("#q-framework-version-input")).to_have_value("2.14.1")
    expect(question(page, "serving.stack").locator("select")).to_have_value("vllm")
    shoot(page, screenshots, "questionnaire")

    # Submit with a missing answer, then complete it and submit.
    page.get_by_role("button", name="Submit for review").click()
    expect(
        page.get_by_text("Not submitted yet: 1 required question is unanswered.")
    ).to_be_visible()
    missing = page.locator("#missing")
    expect(missing).to_contain_text("Hugging Face compatibility 1")
    missing.get_by_role("link", name="Model swappable").click()
    expect(
        page.get_by_role("group", name="Can the client swap in a different model from the Hub")
        .locator("input")
        .first
    ).to_be_focused()
    shoot(page, screenshots, "submit-missing", tablet=False)
    answer(page, "hf.model_swappable", True)
    page.get_by_role("button", name="Submit for review").click()

    # The result: scores, bands, recommendation.
    expect(page.get_by_text("Submitted for review.")).to_be_visible()
    expect(page.locator(".verdict h2")).to_have_text("Recommended")
    expect(page.locator(".score-card").first).to_contain_text("Current")
    shoot(page, screenshots, "result", full_page=True)

    # The PDF report names the vendor.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download preview report").click()
    assert "OpenWeave AI" in pdf_text(Path(download.value.path()))

    # A second vendor for the same client, scored elsewhere (the API), then compare.
    with server.session() as session:
        client = session.query(Client).filter_by(name="Northwind Retail").one()
        monolith = builders.vendor(session, org, name="Monolith Intelligence")
        builders.assessment(
            session,
            catalog,
            org,
            vendor_row=monolith,
            client_row=client,
            answers=builders.example("monolith.answers"),
            submitted=True,
        )
        session.commit()
    go_to(page, "Compare")
    page.get_by_role("link", name="Compare vendors for Northwind Retail").click()
    columns = page.locator(".table--compare thead th")
    expect(columns).to_have_count(2)
    expect(columns.first).to_contain_text("Best fit")
    expect(columns.first).to_contain_text("OpenWeave AI")
    expect(columns.nth(1)).to_contain_text("Monolith Intelligence")
    shoot(page, screenshots, "compare", full_page=True)
    with page.expect_download() as comparison:
        page.get_by_role("link", name="Download comparison PDF").click()
    text = pdf_text(Path(comparison.value.path()))
    assert "OpenWeave AI" in text
    assert "Monolith Intelligence" in text

    page.get_by_role("link", name="Monolith Intelligence", exact=True).click()
    expect(page.locator(".verdict h2")).to_have_text("Not recommended")
    expect(page.locator(".finding").first).to_be_visible()
    shoot(page, screenshots, "result-findings")

    go_to(page, "Assessments")
    shoot(page, screenshots, "dashboard")
    assert js_errors == []


def test_a_second_tab_sees_a_clear_conflict(
    page: Page, server: Server, catalog: Catalog, js_errors: list[str]
) -> None:
    with server.session() as session:
        org = builders.organisation(session, "Acme Agency")
        user = builders.user(session, org, Role.PROCUREMENT)
        draft = builders.assessment(session, catalog, org)
        session.commit()
    sign_in(page, server.url, user.email, builders.PASSWORD)
    page.goto(f"{server.url}/assessments/{draft.id}")
    second = page.context.new_page()
    second.goto(f"{server.url}/assessments/{draft.id}")

    answer(second, "framework.primary", "jax")
    wait_saved(second)
    answer(page, "framework.primary", "tensorflow")
    conflict = page.locator("[data-conflict]")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("someone else changed the same question meanwhile")
    expect(page.locator("[data-save-status]")).to_have_text("Not saved")

    page.get_by_role("button", name="Save draft").click()  # without the script's help
    choice = page.locator("#conflict")
    expect(choice).to_contain_text("Choose which answer to keep")
    expect(choice.get_by_role("radio", name="Theirs")).to_be_checked()
    expect(choice).to_contain_text("JAX")
    expect(choice).to_contain_text("TensorFlow")
    choice.get_by_role("button", name="Save my choices").click()  # keeping theirs
    expect(question(page, "framework.primary").locator("select")).to_have_value("jax")
    expect(page.locator("#conflict")).to_have_count(0)
    assert js_errors == []
