"""Two people on the same draft: edits to different questions merge, the same question asks."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Dialog, Page, expect

from service.auth.permissions import Role
from service.questionnaires.catalog import Catalog
from tests import builders
from tests.web.browser.conftest import LAPTOP, Server
from tests.web.browser.steps import answer, question, sign_in, wait_saved


def seed(server: Server, catalog: Catalog) -> tuple[str, str, str]:
    with server.session() as session:
        org = builders.organisation(session, "Acme Agency")
        alice = builders.user(session, org, Role.PROCUREMENT, name="Alice Example")
        bob = builders.user(session, org, Role.PROCUREMENT, name="Bob Example")
        draft = builders.assessment(session, catalog, org, answers={"framework.primary": "pytorch"})
        session.commit()
        return alice.email, bob.email, f"{server.url}/assessments/{draft.id}"


def open_as(browser: Browser, server: Server, email: str, url: str) -> Page:
    page = browser.new_context(viewport=LAPTOP).new_page()
    page.set_default_timeout(10_000)
    sign_in(page, server.url, email, builders.PASSWORD)
    page.goto(url)
    expect(page.locator("[data-save-status]")).to_have_text("All changes saved")
    return page


def test_different_questions_merge_and_the_same_question_offers_a_choice(
    browser: Browser, server: Server, catalog: Catalog, screenshots: Path
) -> None:
    alice_email, bob_email, url = seed(server, catalog)
    alice = open_as(browser, server, alice_email, url)
    bob = open_as(browser, server, bob_email, url)

    answer(alice, "framework.primary", "jax")
    wait_saved(alice)
    answer(bob, "hardware.gpu", "required")
    expect(bob.locator("[data-save-status]")).to_contain_text("merged in changes others made")
    expect(question(bob, "framework.primary").locator("select")).to_have_value("jax")

    # Alice's page still shows the GPU question unanswered; she answers it differently.
    answer(alice, "hardware.gpu", "optional")
    conflict = alice.locator("[data-conflict]")
    expect(conflict).to_contain_text("someone else changed the same question")
    expect(conflict).to_contain_text("Bob Example")
    expect(conflict).not_to_contain_text("Which machine learning framework")
    conflict.get_by_role("button", name="Compare and choose").click()

    box = alice.locator("#conflict")
    expect(box).to_contain_text("Choose which answer to keep")
    expect(box.locator("fieldset")).to_have_count(1)
    expect(box.locator("fieldset")).to_contain_text("Bob Example")
    expect(box.get_by_role("radio", name="Theirs")).to_be_checked()
    expect(box).not_to_contain_text("JAX")  # her own saved change is never listed as unsaved
    alice.screenshot(path=screenshots / "conflict-choice-laptop.png")
    box.get_by_role("radio", name="Yours").check()
    box.get_by_role("button", name="Save my choices").click()
    expect(alice.get_by_text("Your choices are saved.")).to_be_visible()
    expect(alice.locator("#conflict")).to_have_count(0)
    expect(question(alice, "hardware.gpu").locator('input[value="optional"]')).to_be_checked()
    expect(question(alice, "framework.primary").locator("select")).to_have_value("jax")


def test_the_environment_form_autosaves_and_warns_before_leaving_unsaved(
    browser: Browser, server: Server, catalog: Catalog
) -> None:
    with server.session() as session:
        org = builders.organisation(session, "Acme Agency")
        user = builders.user(session, org, Role.PROCUREMENT, name="Alice Example")
        client = builders.client(session, catalog, org, name="Northwind Retail")
        session.commit()
        url, email = f"{server.url}/clients/{client.id}", user.email
    page = open_as_page(browser, server, email, url)

    answer(page, "cloud", ["azure"])
    wait_saved(page)
    page.reload()
    expect(question(page, "cloud").locator('input[value="azure"]')).to_be_checked()

    dialogs: list[str] = []

    def stay(dialog: Dialog) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    field = question(page, "gpu_memory_gb").locator("input[type=text]")
    field.fill("48")  # typing waits a moment before saving: leaving now would lose it
    page.close(run_before_unload=True)
    expect(page.locator("[data-save-status]")).to_contain_text("All changes saved at")
    assert dialogs == ["beforeunload"]
    page.reload()
    expect(question(page, "gpu_memory_gb").locator("input[type=text]")).to_have_value("48")


def open_as_page(browser: Browser, server: Server, email: str, url: str) -> Page:
    page = browser.new_context(viewport=LAPTOP).new_page()
    page.set_default_timeout(10_000)
    sign_in(page, server.url, email, builders.PASSWORD)
    page.goto(url)
    return page
