"""What a person does in the browser: sign in, answer questions, wait for autosave, look."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.web.browser.conftest import LAPTOP, TABLET


def sign_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # Signed in: Sign out shows in the bar, or (on a phone) behind the Menu button.
    signed_in = page.get_by_role("button", name="Sign out").or_(
        page.get_by_role("button", name="Menu")
    )
    expect(signed_in.locator("visible=true").first).to_be_visible()


def go_to(page: Page, section: str) -> None:
    """Follow a link of the main navigation."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name=section).click()


def question(page: Page, question_id: str) -> Any:
    return page.locator(f'[data-question="{question_id}"]')


def answer(page: Page, question_id: str, value: Any) -> None:
    """Answer one question the way a person would, whatever its widget."""
    block = question(page, question_id)
    if isinstance(value, bool):
        block.locator(f'input[value="{str(value).lower()}"]').check()
    elif isinstance(value, list):
        for option in value:
            block.locator(f'input[value="{option}"]').check()
    elif block.locator("select").count():
        block.locator("select").select_option(str(value))
    elif block.locator(f'input[type="radio"][value="{value}"]').count():
        block.locator(f'input[type="radio"][value="{value}"]').check()
    else:
        block.locator('input[type="text"], textarea').first.fill(str(value))


def answer_all(page: Page, answers: Mapping[str, Any]) -> None:
    for question_id, value in answers.items():
        answer(page, question_id, value)


def wait_saved(page: Page) -> None:
    """Autosave has sent every change and the server has answered."""
    expect(page.locator("[data-save-status]")).to_contain_text("All changes saved at")


def shoot(
    page: Page, folder: Path, name: str, *, tablet: bool = True, full_page: bool = False
) -> None:
    """Screenshots at laptop size (and tablet size), to look at while building.

    Long pages are shot as the screen shows them (from the top) unless `full_page` is set.
    """
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=folder / f"{name}-laptop.png", full_page=full_page)
    if tablet:
        page.set_viewport_size(TABLET)
        page.screenshot(path=folder / f"{name}-tablet.png", full_page=full_page)
        page.set_viewport_size(LAPTOP)
