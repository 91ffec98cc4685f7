"""Report branding set in the browser, and the result and compare pages printed."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from service.auth.permissions import Role
from service.questionnaires.catalog import Catalog
from tests import builders
from tests.web.browser.conftest import Server
from tests.web.browser.steps import shoot, sign_in

PHONE = {"width": 390, "height": 844}


def test_an_admin_brands_the_reports_and_the_pages_print_cleanly(
    page: Page,
    server: Server,
    catalog: Catalog,
    screenshots: Path,
    tmp_path: Path,
    js_errors: list[str],
) -> None:
    with server.session() as session:
        org = builders.organisation(session, "Acme Agency")
        admin = builders.user(session, org, Role.ADMIN, name="Ada Admin")
        client = builders.client(session, catalog, org, name="Northwind Retail")
        rows = []
        for name, answers in (("OpenWeave AI", "openweave"), ("Monolith Intelligence", "monolith")):
            vendor = builders.vendor(session, org, name=name)
            rows.append(
                builders.assessment(
                    session,
                    catalog,
                    org,
                    vendor_row=vendor,
                    client_row=client,
                    answers=builders.example(f"{answers}.answers"),
                    submitted=True,
                )
            )
        session.commit()
    logo = tmp_path / "logo.png"
    Image.new("RGB", (360, 100), (11, 110, 79)).save(logo)
    base = server.url
    sign_in(page, base, admin.email, builders.PASSWORD)

    page.get_by_role("link", name="Report branding").click()
    page.get_by_label("Contact name").fill("Dana Reyes")
    page.get_by_label("Contact e-mail").fill("dana.reyes@acme.example")
    page.get_by_label("Accent colour").fill("#0b6e4f")
    page.get_by_label("Logo", exact=True).set_input_files(str(logo))
    page.get_by_role("button", name="Save branding").click()
    expect(page.get_by_text("Report branding saved.")).to_be_visible()
    expect(page.get_by_alt_text("Current logo")).to_be_visible()
    shoot(page, screenshots, "branding", full_page=True)
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.screenshot(path=screenshots / "branding-phone.png", full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})

    # The report carries the contact and the logo.
    page.goto(f"{base}/assessments/{rows[0].id}")
    with page.expect_download(timeout=90_000) as download:  # a first render on a busy machine
        page.get_by_role("link", name="Download preview report").click()  # not yet approved
    report = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert "Dana Reyes" in report.pages[0].extract_text()
    assert len(report.pages[0].images) == 1

    # Printed: no navigation or buttons, the verdict and scores visible, sections opened.
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.get_by_role("link", name="Download preview report")).to_be_hidden()
    expect(page.locator(".verdict h2")).to_be_visible()
    assert page.locator("details:not([open])").count() == 0
    page.pdf(path=str(screenshots / "result-print.pdf"))

    # The comparison prints as its table, even from a phone-sized window.
    page.emulate_media(media="screen")
    page.goto(f"{base}/compare/{client.id}")
    expect(page.get_by_role("heading", name="Ranking")).to_be_visible()
    shoot(page, screenshots, "compare-ranking", full_page=True)
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.screenshot(path=screenshots / "compare-phone.png", full_page=True)
    page.emulate_media(media="print")
    expect(page.locator(".table--compare")).to_be_visible()
    expect(page.locator(".compare-cards")).to_be_hidden()
    expect(page.locator(".topbar")).to_be_hidden()
    page.pdf(path=str(screenshots / "compare-print.pdf"))
    assert js_errors == []
