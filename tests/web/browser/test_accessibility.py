"""What keyboard and phone users meet: focus never behind the sticky bar, links that move focus,
messages that name the field, and pages that fit a phone without sideways scrolling."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from service.auth.permissions import Role
from service.questionnaires.catalog import Catalog
from tests import builders
from tests.web.browser.conftest import Server
from tests.web.browser.steps import answer, question, sign_in, wait_saved

WIDTHS: dict[str, ViewportSize] = {
    "laptop": {"width": 1366, "height": 768},
    "tablet": {"width": 820, "height": 1180},
    "phone": {"width": 390, "height": 844},
}
TAB_LIMIT = 400
"""More tab stops than the whole questionnaire has: reaching it means Submit was never reached."""

# Where the focused element is, against the sticky bar, after each Tab.
FOCUS_STATE = """() => {
  const el = document.activeElement;
  const bar = document.querySelector(".formbar");
  const box = el.getBoundingClientRect(), b = bar.getBoundingClientRect();
  return {
    name: el.id || el.name || el.textContent.trim().slice(0, 40) || el.tagName,
    submit: el.hasAttribute("data-submit"),
    inBar: bar.contains(el),
    obscured: !bar.contains(el) && box.bottom > b.top && box.top < b.bottom
      && box.right > b.left && box.left < b.right,
  };
}"""


@dataclass(frozen=True)
class Seeded:
    email: str
    draft_url: str
    result_url: str
    invite_url: str
    compare_url: str


def seed(server: Server, catalog: Catalog) -> Seeded:
    with server.session() as session:
        org = builders.organisation(session, "Acme Agency")
        user = builders.user(session, org, Role.PROCUREMENT, name="Alice Example")
        northwind = builders.client(session, catalog, org, name="Northwind Retail")
        openweave = builders.vendor(session, org, name="OpenWeave AI")
        draft = builders.assessment(
            session,
            catalog,
            org,
            vendor_row=openweave,
            client_row=northwind,
            answers={"framework.primary": "pytorch"},
        )
        scored = builders.assessment(
            session,
            catalog,
            org,
            vendor_row=builders.vendor(session, org, name="Monolith Intelligence"),
            client_row=northwind,
            answers=builders.example("monolith.answers"),
            submitted=True,
        )
        link = builders.invitation(session, draft)
        session.commit()
        return Seeded(
            user.email,
            f"{server.url}/assessments/{draft.id}",
            f"{server.url}/assessments/{scored.id}",
            f"{server.url}/invite/{link.token}",
            f"{server.url}/compare/{northwind.id}",
        )


@pytest.mark.parametrize("width", WIDTHS)
def test_no_tab_stop_is_hidden_behind_the_sticky_bar(
    page: Page, server: Server, catalog: Catalog, width: str, js_errors: list[str]
) -> None:
    seeded = seed(server, catalog)
    page.set_viewport_size(WIDTHS[width])
    sign_in(page, server.url, seeded.email, builders.PASSWORD)
    page.goto(seeded.draft_url)
    expect(page.locator("[data-save-status]")).to_have_text("All changes saved")
    page.evaluate("window.scrollTo(0, 0)")
    page.locator("#main").focus()

    stops: list[dict[str, Any]] = []
    while len(stops) < TAB_LIMIT:
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE)
        stops.append(state)
        if state["submit"]:
            break
    in_form = [s for s in stops if not s["inBar"]]
    hidden = [s["name"] for s in in_form if s["obscured"]]
    assert stops[-1]["submit"], f"Submit not reached in {TAB_LIMIT} tab stops"
    assert len(in_form) > 60, f"only {len(in_form)} tab stops: the form was not tabbed through"
    assert hidden == [], f"{len(hidden)} of {len(in_form)} tab stops behind the bar: {hidden}"
    assert js_errors == []


@pytest.mark.parametrize("width", ["laptop", "phone"])
def test_a_still_to_answer_link_moves_focus_to_its_field(
    page: Page, server: Server, catalog: Catalog, width: str
) -> None:
    seeded = seed(server, catalog)
    page.set_viewport_size(WIDTHS[width])
    sign_in(page, server.url, seeded.email, builders.PASSWORD)
    page.goto(seeded.draft_url)
    page.get_by_role("button", name="Submit for review").click()
    summary = page.locator("#missing")
    expect(summary).to_contain_text("to answer or correct")
    expect(summary).to_be_focused()

    link = summary.get_by_role("link", name="Framework version")
    link.click()
    field = page.locator("#q-framework-version-input")
    expect(field).to_be_focused()
    expect(field).to_be_in_viewport()
    expect(page.get_by_label("Which version of that framework runs in production?")).to_be_focused()
    assert not page.evaluate(FOCUS_STATE)["obscured"]


def test_a_refused_number_names_the_field_and_survives_a_reload(
    page: Page, server: Server, catalog: Catalog, js_errors: list[str]
) -> None:
    seeded = seed(server, catalog)
    sign_in(page, server.url, seeded.email, builders.PASSWORD)
    page.goto(seeded.draft_url)
    answer(page, "hardware.gpu", "required")
    wait_saved(page)
    block = question(page, "hardware.min_gpu_memory_gb")
    block.locator("input[type=text]").fill("20000")
    block.locator("input[type=text]").press("Tab")
    message = (
        "Enter the GPU memory needed in GB, a whole number from 1 to 10,000, "
        "or choose “Don't know / won't say”."
    )
    expect(block.locator("[data-error-for]")).to_have_text(message)
    expect(page.locator("[data-save-status]")).to_contain_text("1 answer was not saved")

    page.reload()
    expect(block.locator("input[type=text]")).to_have_value("20000")
    expect(block.locator("[data-error-for]")).to_have_text(message)
    expect(block.locator("input[type=text]")).to_have_attribute("aria-invalid", "true")
    assert js_errors == []


def test_invitation_errors_name_their_fields_and_keep_the_form_in_view(
    page: Page, server: Server, catalog: Catalog
) -> None:
    seeded = seed(server, catalog)
    sign_in(page, server.url, seeded.email, builders.PASSWORD)
    page.goto(seeded.draft_url)
    form = page.locator("#invite-form")
    form.get_by_label("Contact e-mail").fill("not-an-address")
    form.get_by_label("Valid for (days, 1 to 60)").fill("90")
    form.get_by_role("button", name="Create invitation link").click()
    summary = form.locator("[data-error-summary]")
    expect(summary).to_contain_text("Please correct 3 fields")
    expect(summary).to_be_focused()
    expect(summary).to_be_in_viewport()
    expect(form).to_contain_text("Valid for (days, 1 to 60): Enter how many days")
    summary.get_by_role("link", name="Contact e-mail").click()
    expect(form.get_by_label("Contact e-mail")).to_be_focused()


@pytest.mark.parametrize("width", WIDTHS)
def test_pages_fit_the_width_with_scores_navigation_and_user_visible(
    page: Page, server: Server, catalog: Catalog, width: str, screenshots: Path
) -> None:
    seeded = seed(server, catalog)
    viewport = WIDTHS[width]
    page.set_viewport_size(viewport)
    sign_in(page, server.url, seeded.email, builders.PASSWORD)
    page.goto(server.url)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    row = page.locator("tbody tr", has_text="Monolith Intelligence")
    # Scroll down to the row (never sideways), then everything that matters must be on screen.
    top = page.evaluate("el => el.getBoundingClientRect().top", row.element_handle())
    page.evaluate("y => window.scrollTo(0, y)", top - 100)
    scores = row.locator(".score")
    for shown in (scores.nth(0), scores.nth(1), row.locator(".badge").last):
        expect(shown).to_be_in_viewport(ratio=1)
    expect(row.locator(".badge").last).to_have_text("Not recommended")
    page.evaluate("window.scrollTo(0, 0)")
    nav = page.get_by_role("navigation", name="Main")
    menu = page.get_by_role("button", name="Menu")
    if width == "phone":  # the navigation and the account fold behind a menu button
        expect(nav).to_be_hidden()
        expect(menu).to_have_attribute("aria-expanded", "false")
        menu.click()
        expect(menu).to_have_attribute("aria-expanded", "true")
    else:
        expect(menu).to_be_hidden()
    for section in ("Assessments", "Clients", "Vendors", "Compare"):
        link = nav.get_by_role("link", name=section)
        expect(link).to_be_in_viewport(ratio=1)
    expect(page.get_by_text("Alice Example")).to_be_in_viewport(ratio=1)
    expect(page.get_by_role("button", name="Sign out")).to_be_in_viewport(ratio=1)
    if width == "phone":
        page.screenshot(path=screenshots / f"a11y-menu-{width}.png")
        page.keyboard.press("Escape")
        expect(menu).to_be_focused()
        expect(nav).to_be_hidden()
    # Every coloured label is explained in words, in a disclosure next to the table.
    legend = page.locator("details.legend")
    legend.get_by_text("What the coloured labels mean").click()
    expect(legend).to_contain_text("Integration risk for this client, 0 to 100")
    page.screenshot(path=screenshots / f"a11y-dashboard-{width}.png", full_page=True)

    for name, url in (
        ("form", seeded.draft_url),
        ("result", seeded.result_url),
        ("invitation", seeded.invite_url),
        ("compare", seeded.compare_url),
    ):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], name
        page.screenshot(path=screenshots / f"a11y-{name}-{width}.png")
    # Compare: at phone width one card per vendor with the same facts, the table elsewhere.
    page.goto(seeded.compare_url)
    cards = page.locator(".compare-cards")
    if width == "phone":
        expect(cards.get_by_role("link", name="Monolith Intelligence")).to_be_visible()
        expect(cards).to_contain_text("Integration risk")
        expect(page.get_by_role("table")).to_be_hidden()
    else:
        expect(cards).to_be_hidden()
        expect(page.get_by_role("table")).to_be_visible()
    page.goto(seeded.draft_url)
    page.locator("#q-hardware-gpu-input").focus()
    page.screenshot(path=screenshots / f"a11y-form-bar-{width}.png")


@pytest.mark.parametrize("width", WIDTHS)
def test_next_unanswered_moves_focus_past_what_is_answered(
    page: Page, server: Server, catalog: Catalog, width: str, js_errors: list[str]
) -> None:
    seeded = seed(server, catalog)
    page.set_viewport_size(WIDTHS[width])
    sign_in(page, server.url, seeded.email, builders.PASSWORD)
    page.goto(seeded.draft_url)
    skip = page.get_by_role("button", name="Next unanswered")
    skip.click()
    first = page.evaluate("document.activeElement.closest('[data-question]').dataset.question")
    assert first == "product.model_types", "the first question has no answer"
    answer(page, "product.model_types", ["llm"])
    skip.click()
    second = page.evaluate("document.activeElement.closest('[data-question]').dataset.question")
    assert second == "product.model_source"
    # framework.primary is answered (PyTorch): keep going until past it, it is never focused.
    seen = [second]
    for _ in range(4):
        skip.click()
        seen.append(
            page.evaluate("document.activeElement.closest('[data-question]').dataset.question")
        )
    assert "framework.primary" not in seen
    assert not page.evaluate(FOCUS_STATE)["obscured"], "the focused field is clear of the bar"
    assert js_errors == []
