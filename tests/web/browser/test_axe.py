"""axe-core (from npm, pinned in package-lock.json) over every page, at laptop and phone width.

Playwright adds the file to each page as an init script, so the service never serves or fetches
it. Every rule axe runs by default must pass: no violation of any impact.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize

from service.assessments import service as assessment_service
from service.auth.permissions import Role
from service.invitations import service as invitation_service
from service.questionnaires.catalog import Catalog
from service.reviews import clarifications
from service.reviews import service as review_service
from service.scoring.library import Library
from tests import builders
from tests.repository import REPO_ROOT
from tests.tools import unavailable
from tests.web.browser.conftest import Server
from tests.web.browser.steps import answer, sign_in, wait_saved

AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS: dict[str, ViewportSize] = {
    "1366": {"width": 1366, "height": 768},
    "390": {"width": 390, "height": 844},
}


@pytest.fixture(scope="session")
def axe() -> Path:
    if not AXE.exists():
        message = f"axe-core is not installed at {AXE} (make installs it: npm ci)"
        unavailable(message, "STACKVET_REQUIRE_BROWSER", "the check")
    return AXE


@dataclass(frozen=True)
class Site:
    email: str
    pages: dict[str, str]
    vendor_pages: dict[str, str]


def seed(server: Server, catalog: Catalog, library: Library) -> Site:
    with server.session() as session:
        org = builders.organisation(session, "Acme Agency")
        # an admin sees every page (people and branding too) and the review panel
        user = builders.user(session, org, Role.ADMIN, name="Alice Example")
        client = builders.client(session, catalog, org, name="Northwind Retail")
        vendor = builders.vendor(session, org, name="OpenWeave AI")
        draft = builders.assessment(
            session,
            catalog,
            org,
            vendor_row=vendor,
            client_row=client,
            answers={"framework.primary": "pytorch"},
        )
        scored = builders.assessment(
            session,
            catalog,
            org,
            client_row=client,
            vendor_row=builders.vendor(session, org, name="Monolith Intelligence"),
            answers=builders.example("monolith.answers"),
            submitted=True,
        )
        builders.assessment(
            session,
            catalog,
            org,
            client_row=client,
            vendor_row=vendor,
            answers=builders.example("openweave.answers"),
            submitted=True,
        )
        link = builders.invitation(session, draft)
        # In review, with a clarification request: the review panel, the thread and the
        # vendor's read-only page with the request at the top.
        reviewed = builders.assessment(
            session, catalog, org, client_row=client, answers=builders.example("openweave.answers")
        )
        asked = builders.invitation(session, reviewed, contact_email="ravi@vendor.example")
        reviewer = builders.principal(session, org, Role.REVIEWER)
        assessment_service.submit(
            session, library, invitation_service.principal_for(asked.invitation), reviewed, None
        )
        review_service.start_review(session, reviewer, reviewed, None)
        clarifications.ask(
            session, reviewer, reviewed, "serving.stack", "Which vLLM version does it pin?"
        )
        session.commit()
        base = server.url
        pages = {
            "dashboard": f"{base}/",
            "clients": f"{base}/clients",
            "client": f"{base}/clients/{client.id}",
            "new-client": f"{base}/clients/new",
            "vendors": f"{base}/vendors",
            "vendor": f"{base}/vendors/{vendor.id}",
            "new-vendor": f"{base}/vendors/new",
            "new-assessment": f"{base}/assessments/new",
            "questionnaire": f"{base}/assessments/{draft.id}",
            "result": f"{base}/assessments/{scored.id}",
            "answers": f"{base}/assessments/{scored.id}/answers",
            "history": f"{base}/assessments/{scored.id}/history",
            "compare": f"{base}/compare",
            "compare-client": f"{base}/compare/{client.id}",
            "in-review": f"{base}/assessments/{reviewed.id}",
            "people": f"{base}/people",
            "branding": f"{base}/settings/branding",
            "not-found": f"{base}/vendors/00000000-0000-0000-0000-000000000000",
        }
        vendor_pages = {
            "invitation": f"{base}/invite/{link.token}",
            "invitation-in-review": f"{base}/invite/{asked.token}",
        }
        return Site(user.email, pages, vendor_pages)


def violations(page: Page) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
          const result = await axe.run(document, { resultTypes: ["violations"] });
          return result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            targets: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
          }));
        }"""
    )
    return found


def check(page: Page, name: str, report: dict[str, Any]) -> None:
    page.wait_for_load_state("load")
    found = violations(page)
    if found:
        report[name] = found


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_passes_axe(
    page: Page,
    server: Server,
    catalog: Catalog,
    library: Library,
    axe: Path,
    width: str,
    screenshots: Path,
) -> None:
    site = seed(server, catalog, library)
    page.set_viewport_size(WIDTHS[width])
    # An init script, like the browser's own: the pages' Content-Security-Policy stays as it is.
    page.add_init_script(path=str(axe))
    report: dict[str, Any] = {}
    page.goto(f"{server.url}/sign-in")
    check(page, "sign-in", report)
    page.goto(f"{server.url}/forgot-password")
    check(page, "forgot-password", report)
    for name, url in site.vendor_pages.items():
        page.goto(url)
        check(page, name, report)
    sign_in(page, server.url, site.email, builders.PASSWORD)
    for name, url in site.pages.items():
        page.goto(url)
        check(page, name, report)
    # The questionnaire after a refused submission: the summary of what is missing.
    page.goto(site.pages["questionnaire"])
    page.get_by_role("button", name="Submit for review").click()
    page.locator("#missing").wait_for()
    check(page, "questionnaire-missing", report)
    # The per-question choice after two people changed the same question.
    other = page.context.new_page()
    other.goto(site.pages["questionnaire"])
    answer(other, "framework.primary", "jax")
    wait_saved(other)
    other.close()
    page.goto(site.pages["questionnaire"] + "?stale")
    page.evaluate("document.querySelector('[data-revision]').value = '1'")
    answer(page, "framework.primary", "tensorflow")
    page.get_by_role("button", name="Compare and choose").click()
    page.locator("#conflict").wait_for()
    check(page, "conflict-choice", report)
    page.locator("#conflict").screenshot(path=screenshots / f"conflict-choice-{width}.png")
    assert report == {}, json.dumps(report, indent=1)
