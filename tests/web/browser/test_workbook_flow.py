"""The Excel round-trip in the browser: download the workbook, fill it, upload it, see answers."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from service.auth.permissions import Role
from service.questionnaires.catalog import Catalog
from tests import builders
from tests.spreadsheets.workbooks import fill
from tests.web.browser.conftest import Server
from tests.web.browser.steps import question, shoot, sign_in

PHONE = {"width": 390, "height": 844}


def test_download_fill_and_upload_the_workbook(
    page: Page,
    server: Server,
    catalog: Catalog,
    screenshots: Path,
    js_errors: list[str],
    tmp_path: Path,
) -> None:
    with server.session() as session:
        org = builders.organisation(session, "Acme Agency")
        user = builders.user(session, org, Role.PROCUREMENT, name="Alice Example")
        vendor = builders.vendor(session, org, name="OpenWeave AI")
        client = builders.client(session, catalog, org, name="Northwind Retail")
        draft = builders.assessment(
            session,
            catalog,
            org,
            vendor_row=vendor,
            client_row=client,
            answers={"framework.primary": "pytorch"},
        )
        link = builders.invitation(session, draft)
        scored = builders.assessment(
            session,
            catalog,
            org,
            client_row=client,
            answers=builders.example("openweave.answers"),
            submitted=True,
        )
        session.commit()
    sign_in(page, server.url, user.email, builders.PASSWORD)
    page.goto(f"{server.url}/assessments/{draft.id}")
    card = page.locator("#workbook")
    card.locator("summary").click()
    with page.expect_download() as downloading:
        card.get_by_role("link", name="Download with current answers").click()
    downloaded = Path(downloading.value.path())
    assert downloaded.read_bytes().startswith(b"PK")

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(
        fill(downloaded.read_bytes(), {"serving.stack": "vLLM", "framework.version": "latest"})
    )
    card.get_by_label("Filled workbook").set_input_files(bad)
    card.get_by_role("button", name="Upload and import answers").click()
    problems = page.locator("#workbook-problems")
    expect(problems).to_contain_text("nothing was saved")
    expect(problems).to_contain_text("framework.version")
    expect(problems).to_contain_text("Training framework and version, cell D")
    page.locator("#workbook").scroll_into_view_if_needed()
    page.screenshot(path=screenshots / "workbook-refused-laptop.png")
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.locator("#workbook").screenshot(path=screenshots / "workbook-refused-phone.png")
    page.set_viewport_size({"width": 1366, "height": 768})

    good = tmp_path / "good.xlsx"
    good.write_bytes(
        fill(
            downloaded.read_bytes(),
            {"serving.stack": "vLLM", "framework.version": "2.14.1", "hf.model_swappable": "Yes"},
        )
    )
    expect(page.locator("#workbook")).to_have_attribute("open", "")
    page.locator("#workbook").get_by_label("Filled workbook").set_input_files(good)
    page.locator("#workbook").get_by_role("button", name="Upload and import answers").click()
    expect(page.get_by_role("status").first).to_contain_text("3 answers changed")
    expect(question(page, "framework.version").locator("input").first).to_have_value("2.14.1")
    stack = question(page, "serving.stack")
    selected = stack.locator("select") if stack.locator("select").count() else None
    if selected is not None:
        expect(selected).to_have_value("vllm")
    else:
        expect(stack.locator('input[value="vllm"]')).to_be_checked()
    expect(question(page, "hf.model_swappable").locator('input[value="true"]')).to_be_checked()
    shoot(page, screenshots, "workbook-imported")
    page.goto(f"{server.url}/assessments/{draft.id}/history")
    expect(page.locator("main")).to_contain_text("Alice Example")
    expect(page.locator("main")).to_contain_text("3 answers from a workbook")

    # The exports: the dashboard's list with its filters, the findings of a scored assessment.
    page.goto(f"{server.url}/?status=draft")
    with page.expect_download() as listing:
        page.get_by_role("link", name="CSV").click()
    exported = Path(listing.value.path()).read_text(encoding="utf-8-sig")
    assert str(draft.id) in exported
    assert str(scored.id) not in exported
    shoot(page, screenshots, "dashboard-exports")
    page.goto(f"{server.url}/assessments/{scored.id}")
    with page.expect_download() as findings:
        page.get_by_role("link", name="Findings (Excel)").click()
    assert Path(findings.value.path()).read_bytes().startswith(b"PK")
    shoot(page, screenshots, "result-exports")

    # The vendor's invitation page has the same card.
    page.goto(f"{server.url}/invite/{link.token}")
    page.locator("#workbook summary").click()
    expect(page.locator("#workbook")).to_contain_text("Download blank")
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.locator("#workbook").screenshot(path=screenshots / "invite-workbook-phone.png")
    assert js_errors == []
