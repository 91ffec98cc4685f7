"""E-mail in the browser: an admin invites a colleague and a colleague invites a vendor, each
link taken from the message a real SMTP server received; the vendor answers, submits and
downloads a copy; "forgot password". Screenshots at 1366, 820 and 390 px."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from service.auth.permissions import Role
from service.config import Settings
from service.db import create_session_factory, utcnow
from service.questionnaires.catalog import Catalog
from service.scoring.library import Library
from service.worker.runner import Worker
from tests import builders
from tests.smtp import Mailbox, parts
from tests.web.browser.conftest import LAPTOP, Server
from tests.web.browser.steps import answer_all, sign_in, wait_saved

OPENWEAVE = builders.example("openweave.answers")
WIDTHS = {"1366": (1366, 768), "820": (820, 1180), "390": (390, 844)}
NEW_PASSWORD = "sam chooses a long passphrase"


def shoot3(page: Page, folder: Path, name: str) -> None:
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=folder / f"{name}-{label}.png", full_page=True)
    page.set_viewport_size(LAPTOP)


def send_mail(server: Server, library: Library, settings: Settings, box: Mailbox) -> None:
    configured = settings.model_copy(update={"smtp_url": box.url})
    Worker(create_session_factory(server.engine), library, configured).send_mail()


def link_to(box: Mailbox, address: str, path: str) -> str:
    text, html = parts(box.by_recipient(address)[-1])
    found = re.search(rf"(http://\S+/{path}/\S+)", text)
    assert found, text
    assert f'href="{found.group(1)}"' in html
    return found.group(1)


def test_invitations_by_e_mail(
    page: Page,
    browser: Browser,
    server: Server,
    catalog: Catalog,
    library: Library,
    settings: Settings,
    mailbox: Mailbox,
    screenshots: Path,
    js_errors: list[str],
) -> None:
    base = server.url
    with server.session() as session:
        org = builders.organisation(session, "Acme Agency")
        admin = builders.user(session, org, Role.ADMIN, name="Ada Admin")
        client = builders.client(session, catalog, org, name="Northwind Retail")
        vendor = builders.vendor(session, org, name="OpenWeave AI")
        draft = builders.assessment(session, catalog, org, vendor_row=vendor, client_row=client)
        session.commit()

    # The admin invites a colleague; the colleague chooses a password from the e-mail's link.
    sign_in(page, base, admin.email, builders.PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    page.get_by_label("Name").fill("Sam Buyer")
    page.get_by_label("E-mail address").fill("sam@acme.example")
    page.get_by_label("Procurement").check()
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to sam@acme.example")).to_be_visible()
    shoot3(page, screenshots, "people")
    send_mail(server, library, settings, mailbox)
    password_link = link_to(mailbox, "sam@acme.example", "password")

    sam = browser.new_context(viewport=LAPTOP).new_page()
    sam.on("pageerror", lambda exc: js_errors.append(str(exc)))
    sam.goto(password_link)
    expect(sam.get_by_role("heading", name="Welcome: choose your password")).to_be_visible()
    shoot3(sam, screenshots, "choose-password")
    sam.get_by_label("New password").fill(NEW_PASSWORD)
    sam.get_by_label("The same password again").fill(NEW_PASSWORD)
    sam.get_by_role("button", name="Set password").click()
    expect(sam.get_by_text("Your password is set. Sign in with it now.")).to_be_visible()
    sign_in(sam, base, "sam@acme.example", NEW_PASSWORD)

    # Sam invites the vendor by e-mail, with a due date.
    due = utcnow().date() + timedelta(days=2)
    sam.goto(f"{base}/assessments/{draft.id}")
    sam.get_by_label("Contact name").fill("Jane Doe")
    sam.get_by_label("Contact e-mail").fill("jane@openweave.example")
    sam.get_by_label("Answers due by (optional)").fill(due.isoformat())
    sam.get_by_role("button", name="Create invitation link").click()
    expect(
        sam.get_by_text("The invitation is on its way to jane@openweave.example")
    ).to_be_visible()
    shown = sam.locator("#invite-link").input_value()
    shoot3(sam, screenshots, "invitation-sent")
    sam.goto(base)
    expect(sam.get_by_text("Due in 2 days")).to_be_visible()
    shoot3(sam, screenshots, "dashboard-due")

    send_mail(server, library, settings, mailbox)
    [message] = mailbox.by_recipient("jane@openweave.example")
    assert message["Subject"] == "Acme Agency asks you to answer a questionnaire about OpenWeave AI"
    vendor_link = link_to(mailbox, "jane@openweave.example", "invite")
    assert vendor_link == shown

    # The vendor answers from the e-mail's link, submits and downloads a copy.
    vendor_context = browser.new_context(viewport=LAPTOP, accept_downloads=True)
    vendor_context.set_default_timeout(10_000)
    jane = vendor_context.new_page()
    jane.on("pageerror", lambda exc: js_errors.append(str(exc)))
    jane.goto(vendor_link)
    answer_all(jane, OPENWEAVE)
    wait_saved(jane)
    jane.get_by_role("button", name="Submit answers").click()
    expect(jane.get_by_role("heading", name="Thank you, Jane Doe")).to_be_visible()
    shoot3(jane, screenshots, "vendor-thanks")
    with jane.expect_download() as download:
        jane.get_by_role("link", name="Download a copy of your answers (PDF)").click()
    pdf = Path(download.value.path()).read_bytes()
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Your answers about OpenWeave AI" in text
    (screenshots / "vendor-copy.pdf").write_bytes(pdf)

    vendor_context.close()
    assert js_errors == []


def test_forgot_password(page: Page, server: Server, screenshots: Path) -> None:
    page.goto(f"{server.url}/sign-in")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail address").fill("nobody@acme.example")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_text("If nobody@acme.example belongs to an active account")).to_be_visible()
    shoot3(page, screenshots, "forgot-password")
