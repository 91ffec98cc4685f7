"""A vendor uploads a lock file on the invitation page, accepts a suggested answer for a
question answered "unknown", and sees a wrong answer flagged as contradicted."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, ViewportSize, expect

from service.assessments import service as assessment_service
from service.auth.permissions import Role
from service.evidence import service as evidence_service
from service.questionnaires.catalog import Catalog
from service.scoring.library import Library
from tests import builders
from tests.evidence.files import FIXTURES
from tests.web.browser.conftest import LAPTOP, TABLET, Server
from tests.web.browser.steps import question, sign_in

PHONE: ViewportSize = {"width": 390, "height": 844}


def test_vendor_uploads_a_lock_file_accepts_a_suggestion_and_sees_a_contradiction(
    page: Page, server: Server, catalog: Catalog, screenshots: Path, js_errors: list[str]
) -> None:
    answers = {
        "framework.primary": "pytorch",
        "framework.version": "unknown",
        "serving.stack": "vllm",
        "serving.runtime_version": "0.2.0",
    }
    with server.session() as session:
        org = builders.organisation(session, "Acme Agency")
        vendor = builders.vendor(session, org, name="OpenWeave AI")
        draft = builders.assessment(session, catalog, org, vendor_row=vendor, answers=answers)
        link = builders.invitation(session, draft).token
        session.commit()

    page.goto(f"{server.url}/invite/{link}")
    upload = page.locator("#evidence")
    upload.get_by_label("Add a file").set_input_files(FIXTURES / "poetry.lock")
    upload.get_by_role("button", name="Upload evidence").click()
    expect(page.get_by_text("Evidence file added")).to_be_visible()
    expect(page.locator("#evidence")).to_contain_text("poetry.lock")

    version = question(page, "framework.version")
    expect(version.locator('[data-evidence="suggested"]')).to_contain_text("2.14.1")
    expect(version.locator('input[value="unknown"]')).to_be_checked()  # not filled in silently
    runtime = question(page, "serving.runtime_version")
    flagged = runtime.locator('[data-evidence="contradicted"]')
    expect(flagged).to_contain_text("The answer says 0.2.0, but poetry.lock line 27")
    _shoot(page, screenshots, flagged)

    version.get_by_role("button", name="Use this answer").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    version = question(page, "framework.version")
    expect(version.locator("input[type=text]")).to_have_value("2.14.1")
    expect(version.locator('[data-evidence="evidenced"]')).to_contain_text("poetry.lock line 11")
    expect(
        question(page, "serving.runtime_version").locator('[data-evidence="contradicted"]')
    ).to_be_visible()
    expect(page.locator("[data-evidence-summary]")).to_contain_text("1 contradicted")
    assert js_errors == []


def _shoot(page: Page, folder: Path, flagged: object) -> None:
    for name, size in (("laptop", LAPTOP), ("tablet", TABLET), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.locator("#evidence").scroll_into_view_if_needed()
        page.screenshot(path=folder / f"evidence-panel-{name}.png")
        question(page, "serving.runtime_version").scroll_into_view_if_needed()
        page.screenshot(path=folder / f"evidence-answers-{name}.png")
    page.set_viewport_size(LAPTOP)


def test_procurement_sees_the_evidence_summary_on_the_result_page(
    page: Page,
    server: Server,
    catalog: Catalog,
    library: Library,
    screenshots: Path,
    js_errors: list[str],
) -> None:
    with server.session() as session:
        org = builders.organisation(session, "Acme Agency")
        user = builders.user(session, org, Role.PROCUREMENT, name="Alice Example")
        draft = builders.assessment(
            session, catalog, org, answers=builders.example("openweave.answers")
        )
        actor = builders.principal(session, org, Role.PROCUREMENT)
        for name in ("requirements.txt", "values.yaml"):
            upload = evidence_service.Upload(name, (FIXTURES / name).read_bytes())
            evidence_service.upload(session, actor, draft, upload)
        assessment_service.submit(session, library, actor, draft, None)
        session.commit()

    sign_in(page, server.url, user.email, builders.PASSWORD)
    page.goto(f"{server.url}/assessments/{draft.id}")
    summary = page.locator("[data-score-evidence]")
    expect(summary).to_contain_text("2 contradicted")
    expect(summary).to_contain_text("Contradicted: Framework version")
    for name, size in (("laptop", LAPTOP), ("tablet", TABLET), ("phone", PHONE)):
        page.set_viewport_size(size)
        summary.scroll_into_view_if_needed()
        page.screenshot(path=screenshots / f"evidence-result-{name}.png")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), name
    assert js_errors == []
