"""A vendor answers through an invitation link: no account, drafts, submission, closed links."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from service.auth.permissions import Role
from service.db import utcnow
from service.questionnaires.catalog import Catalog
from tests import builders
from tests.web.browser.conftest import LAPTOP, Server
from tests.web.browser.steps import answer, answer_all, question, shoot, sign_in, wait_saved

OPENWEAVE = builders.example("openweave.answers")


def invite(page: Page, base: str, assessment_id: object, name: str, email: str) -> str:
    """Create an invitation on the assessment page; returns the link shown once."""
    page.goto(f"{base}/assessments/{assessment_id}")
    page.get_by_role("link", name="Invite the vendor").click()
    page.get_by_label("Contact name").fill(name)
    page.get_by_label("Contact e-mail").fill(email)
    page.get_by_role("button", name="Create invitation link").click()
    expect(page.get_by_text(f"The invitation is on its way to {email}")).to_be_visible()
    expect(page.get_by_text("The link, if you also need it:")).to_be_visible()
    return page.locator("#invite-link").input_value()


def test_vendor_invitation_flow(
    page: Page,
    browser: Browser,
    server: Server,
    catalog: Catalog,
    screenshots: Path,
    js_errors: list[str],
) -> None:
    base = server.url
    with server.session() as session:
        org = builders.organisation(session, "Acme Agency")
        user = builders.user(session, org, Role.PROCUREMENT, name="Alice Example")
        client = builders.client(session, catalog, org, name="Northwind Retail")
        vendor = builders.vendor(session, org, name="OpenWeave AI")
        draft = builders.assessment(
            session, catalog, org, vendor_row=vendor, client_row=client, title="Confidential pilot"
        )
        second = builders.assessment(session, catalog, org, client_row=client)
        other = builders.assessment(
            session,
            catalog,
            org,
            answers=builders.example("monolith.answers"),
            submitted=True,
            client_row=client,
            title="Monolith secret score",
        )
        expired = builders.invitation(session, second, contact_name="Old Link")
        expired.invitation.expires_at = utcnow() - timedelta(days=1)
        session.commit()

    sign_in(page, base, user.email, builders.PASSWORD)
    link = invite(page, base, draft.id, "Jane Doe", "jane@vendor.example")
    assert link.startswith(f"{base}/invite/svi_")
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_text("Link copied.")).to_be_visible()
    shoot(page, screenshots, "invitation-created", tablet=False)

    # The vendor: a fresh browser, no account.
    vendor_context = browser.new_context(viewport=LAPTOP)
    vendor_context.set_default_timeout(10_000)
    vendor_page = vendor_context.new_page()
    vendor_page.on("pageerror", lambda exc: js_errors.append(str(exc)))
    vendor_page.goto(link)
    expect(vendor_page.get_by_text("Acme Agency asks OpenWeave AI")).to_be_visible()
    content = vendor_page.content()
    for hidden in ("Northwind Retail", "Confidential pilot", "Integration risk", "Sign out"):
        assert hidden not in content, hidden
    answer(vendor_page, "framework.primary", "other")
    expect(question(vendor_page, "framework.other_name")).to_be_visible()
    answer(vendor_page, "framework.other_name", "Apache MXNet")
    wait_saved(vendor_page)
    shoot(vendor_page, screenshots, "vendor-questionnaire")

    # Comes back later: the draft is there.
    vendor_page.reload()
    expect(vendor_page.locator("#q-framework-other_name-input")).to_have_value("Apache MXNet")
    answer(vendor_page, "framework.primary", "pytorch")
    answer_all(vendor_page, OPENWEAVE)
    wait_saved(vendor_page)
    vendor_page.get_by_role("button", name="Submit answers").click()
    expect(vendor_page.get_by_role("heading", name="Thank you, Jane Doe")).to_be_visible()
    assert "score" not in vendor_page.content().lower()
    shoot(vendor_page, screenshots, "vendor-thanks", tablet=False)

    # The link is closed now, and never reached anything else.
    vendor_page.goto(link)
    expect(vendor_page.get_by_role("heading", name="This link is closed")).to_be_visible()
    expect(
        vendor_page.get_by_text("The questionnaire was submitted with this link")
    ).to_be_visible()
    shoot(vendor_page, screenshots, "vendor-link-closed", tablet=False)
    for attempt in (
        f"{base}/assessments/{other.id}",
        f"{base}/assessments/{other.id}/report.pdf",
        f"{link}/{other.id}",
    ):
        vendor_page.goto(attempt)
        assert "Monolith secret score" not in vendor_page.content(), attempt
        assert "Not recommended" not in vendor_page.content(), attempt
    expect(vendor_page).not_to_have_url(f"{base}/assessments/{other.id}")

    # The agency sees who answered what.
    page.goto(f"{base}/assessments/{draft.id}/history")
    expect(
        page.get_by_text("Jane Doe <jane@vendor.example> (vendor invitation)").first
    ).to_be_visible()
    shoot(page, screenshots, "history", tablet=False)

    # A revoked link, and an expired one.
    revoked_link = invite(page, base, second.id, "Sam Vendor", "sam@vendor.example")
    page.goto(f"{base}/assessments/{second.id}")
    page.get_by_role("button", name="Revoke the link for Sam Vendor").click()
    expect(page.get_by_text("The link for Sam Vendor is revoked")).to_be_visible()
    expect(page.locator("#invitations")).to_contain_text("Revoked")
    shoot(page, screenshots, "invitations", tablet=False)
    vendor_page.goto(revoked_link)
    expect(vendor_page.get_by_text("The agency has withdrawn this link")).to_be_visible()
    expect(vendor_page.get_by_text(f"Contact Alice Example <{user.email}>")).to_be_visible()
    vendor_page.goto(f"{base}/invite/{expired.token}")
    expect(vendor_page.get_by_text("This link expired on")).to_be_visible()
    shoot(vendor_page, screenshots, "vendor-link-expired", tablet=False)
    vendor_context.close()
    assert js_errors == []
