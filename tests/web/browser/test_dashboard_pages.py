"""The dashboard's pages, sorts and name filters, and the comparison pages, in Chromium at
1280, 800 and 390 pixels: usable with the keyboard, no violation axe-core finds, nothing wider
than the screen, and screenshots to look at (var/screenshots/)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from service.auth.permissions import Role
from service.questionnaires.catalog import Catalog
from tests import builders
from tests.web.browser.conftest import Server
from tests.web.browser.steps import sign_in
from tests.web.browser.test_axe import axe, violations

__all__ = ["axe"]

WIDTHS: dict[str, ViewportSize] = {
    "1280": {"width": 1280, "height": 800},
    "800": {"width": 800, "height": 1000},
    "390": {"width": 390, "height": 844},
}


def seed(server: Server, catalog: Catalog) -> tuple[str, str]:
    """56 assessments (more than a page) for two Northwind clients and Contoso, three scored."""
    with server.session() as session:
        org = builders.organisation(session, "Acme Agency")
        user = builders.user(session, org, Role.ADMIN, name="Alice Example")
        clients = [
            builders.client(session, catalog, org, name=name)
            for name in ("Northwind Retail", "Northwind Logistics", "Contoso")
        ]
        vendors = [builders.vendor(session, org, name=f"Vendor {n:02d}") for n in range(5)]
        for n in range(53):
            builders.assessment(
                session,
                catalog,
                org,
                vendor_row=vendors[n % 5],
                client_row=clients[n % 3],
                title=f"Assessment {n:02d}",
            )
        scored = (
            ("OpenWeave AI", "openweave"),
            ("Monolith Intelligence", "monolith"),
            ("Cedar Labs", "openweave"),
        )
        for name, answers in scored:
            builders.assessment(
                session,
                catalog,
                org,
                vendor_row=builders.vendor(session, org, name=name),
                client_row=clients[0],
                answers=builders.example(f"{answers}.answers"),
                submitted=True,
            )
        session.commit()
        return user.email, str(clients[0].id)


def check_axe(page: Page, name: str, report: dict[str, Any], width: str) -> None:
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["width"], name
    found = violations(page)
    if found:
        report[name] = found


@pytest.mark.parametrize("width", WIDTHS)
def test_the_dashboard_and_compare_pages_at_three_widths(
    page: Page,
    server: Server,
    catalog: Catalog,
    axe: Path,
    width: str,
    screenshots: Path,
    js_errors: list[str],
) -> None:
    email, client_id = seed(server, catalog)
    page.set_viewport_size(WIDTHS[width])
    page.add_init_script(path=str(axe))
    report: dict[str, Any] = {}
    sign_in(page, server.url, email, builders.PASSWORD)
    page.goto(f"{server.url}/")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(50)
    expect(page.get_by_text("56", exact=True)).to_be_visible()
    check_axe(page, "dashboard", report, width)

    # The client filter takes a name: typed with the keyboard, Enter applies it.
    field = page.get_by_label("Client", exact=True)
    field.fill("northwind")
    field.press("Enter")
    expect(page.get_by_text("2 clients match “northwind”")).to_be_visible()
    expect(field).to_have_attribute("aria-invalid", "true")
    check_axe(page, "dashboard-two-clients-match", report, width)
    page.screenshot(path=screenshots / f"dashboard-filter-{width}.png", full_page=True)
    field = page.get_by_label("Client", exact=True)
    field.fill("Northwind Retail")
    field.press("Enter")
    expect(rows).to_have_count(21)
    expect(page.get_by_label("Client", exact=True)).to_have_value("Northwind Retail")

    # Sorted by title (the header on wide screens, the "Sort by" field on any), then paged.
    page.goto(f"{server.url}/")
    if width == "390":
        page.get_by_label("Sort by").select_option("title")
        page.get_by_label("Order").select_option("asc")
        page.get_by_role("button", name="Apply").click()
    else:
        page.locator("thead").get_by_role("link", name=re.compile(r"^Assessment\b")).click()
        expect(page.locator('th[aria-sort="ascending"]')).to_contain_text("Assessment")
    expect(rows.first).to_contain_text("Assessment 00")
    page.get_by_role("link", name="Next 50").click()
    expect(rows).to_have_count(6)
    expect(rows.first).to_contain_text("Assessment 50")
    expect(page.get_by_role("link", name="Previous 50")).to_be_visible()
    expect(page.get_by_label("Sort by")).to_have_value("title")
    check_axe(page, "dashboard-second-page", report, width)
    page.screenshot(path=screenshots / f"dashboard-paged-{width}.png", full_page=True)
    page.goto(f"{server.url}/")
    page.screenshot(path=screenshots / f"dashboard-{width}.png", full_page=True)

    page.goto(f"{server.url}/compare")
    expect(page.get_by_role("link", name="Compare vendors for Northwind Retail")).to_be_visible()
    check_axe(page, "compare", report, width)
    page.screenshot(path=screenshots / f"compare-index-{width}.png", full_page=True)
    page.goto(f"{server.url}/compare/{client_id}")
    expect(page.get_by_role("link", name="Download comparison PDF")).to_be_visible()
    picker = page.get_by_role("group", name=re.compile("Vendors to compare"))
    expect(picker.get_by_role("checkbox")).to_have_count(3)
    picker.get_by_role("checkbox", name=re.compile("^Cedar Labs")).uncheck()
    page.get_by_role("button", name="Update").click()
    expect(page.locator(".table--compare thead th")).to_have_count(2)
    check_axe(page, "compare-client", report, width)
    page.screenshot(path=screenshots / f"compare-client-{width}.png", full_page=True)
    assert report == {}, json.dumps(report, indent=1)
    assert js_errors == []
