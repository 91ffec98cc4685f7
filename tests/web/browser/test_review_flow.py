"""The review workflow in the browser: a vendor answers through a link, a reviewer asks about two
answers, the vendor replies, approval waits for the open request, the report carries the
condition and the clarifications, and reopening starts version 2 while version 1's report
still downloads byte for byte from its old URL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from service.auth.permissions import Role
from service.config import Settings
from service.questionnaires.catalog import Catalog
from service.scoring.library import Library
from tests import builders
from tests.reporting.conftest import pdf_text
from tests.smtp import Mailbox
from tests.web.browser.conftest import LAPTOP, TABLET, Server
from tests.web.browser.steps import answer_all, sign_in, wait_saved
from tests.web.browser.test_invitation_flow import invite
from tests.web.browser.test_mail_flow import link_to, send_mail

OPENWEAVE = builders.example("openweave.answers")
PHONE: ViewportSize = {"width": 390, "height": 844}
VERSION_Q = "Which version of that framework runs in production?"
SERVING_Q = "Which software serves the models in production?"
CUDA = "Which CUDA version does the image need?"
VLLM = "Is vLLM built from source or taken from the official image?"
CONDITION = "Pin the serving image by digest before go-live."


def vendor_link(page: Page, base: str, assessment_id: object, mail: MailRun) -> str:
    """The link the vendor receives: the worker sends the invitation through a real SMTP
    server (aiosmtpd), and the link is read from the message it received."""
    shown = invite(page, base, assessment_id, "Jane Doe", "jane@vendor.example")
    send_mail(mail.server, mail.library, mail.settings, mail.box)
    [message] = mail.box.by_recipient("jane@vendor.example")
    assert "OpenWeave AI" in message["Subject"]
    link = link_to(mail.box, "jane@vendor.example", "invite")
    assert link == shown
    return link


@dataclass(frozen=True)
class MailRun:
    server: Server
    library: Library
    settings: Settings
    box: Mailbox


def new_page(browser: Browser, js_errors: list[str]) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport=LAPTOP, accept_downloads=True)
    context.set_default_timeout(10_000)
    opened = context.new_page()
    opened.on("pageerror", lambda exc: js_errors.append(str(exc)))
    return context, opened


def shoot_all(page: Page, folder: Path, name: str) -> None:
    """The page at 1366, 820 and 390 pixels wide, whole."""
    for label, size in (("laptop", LAPTOP), ("tablet", TABLET), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=folder / f"{name}-{label}.png", full_page=True)
    page.set_viewport_size(LAPTOP)


def ask(page: Page, question_id: str, message: str) -> None:
    if page.locator("#ask").get_attribute("open") is None:
        page.locator("#ask summary").click()
    page.get_by_label("Question", exact=True).select_option(question_id)
    page.get_by_label("What do you need to know?").fill(message)
    page.get_by_role("button", name="Add the request").click()
    expect(page.locator(".flash")).to_contain_text("Clarification requested.")


def reply(page: Page, question: str, message: str) -> None:
    box = page.locator("article.thread", has_text=question)
    box.get_by_label("Your reply").fill(message)
    box.get_by_role("button", name="Send reply").click()


def open_box(page: Page, summary: str) -> None:
    page.locator("summary", has_text=summary).click()


def test_review_flow(
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
        alice = builders.user(session, org, Role.PROCUREMENT, name="Alice Example")
        rita = builders.user(session, org, Role.REVIEWER, name="Rita Reviewer")
        client = builders.client(session, catalog, org, name="Northwind Retail")
        vendor = builders.vendor(session, org, name="OpenWeave AI")
        draft = builders.assessment(session, catalog, org, vendor_row=vendor, client_row=client)
        session.commit()
    url = f"{base}/assessments/{draft.id}"

    # The agency invites the vendor; the vendor answers and submits.
    sign_in(page, base, alice.email, builders.PASSWORD)
    link = vendor_link(page, base, draft.id, MailRun(server, library, settings, mailbox))
    vendor_context, vendor_page = new_page(browser, js_errors)
    vendor_page.goto(link)
    answer_all(vendor_page, OPENWEAVE)
    wait_saved(vendor_page)
    vendor_page.get_by_role("button", name="Submit answers").click()
    expect(vendor_page.get_by_role("heading", name="Thank you, Jane Doe")).to_be_visible()

    # The reviewer asks about two answers and sends the assessment back.
    review_context, reviewer = new_page(browser, js_errors)
    sign_in(reviewer, base, rita.email, builders.PASSWORD)
    reviewer.goto(f"{base}/")
    expect(reviewer.locator(".stats")).to_contain_text("1awaiting review")
    reviewer.goto(url)
    expect(reviewer.get_by_text("preview, not approved yet")).to_be_visible()
    reviewer.get_by_role("button", name="Start review").click()
    expect(reviewer.locator(".flash")).to_contain_text("Review started")
    ask(reviewer, "framework.version", CUDA)
    ask(reviewer, "serving.stack", VLLM)
    shoot_all(reviewer, screenshots, "review-in-review")
    open_box(reviewer, "Request changes")
    reviewer.get_by_label("Message").fill("Two answers need detail before we can approve.")
    reviewer.get_by_role("button", name="Request changes").click()
    expect(reviewer.locator(".flash")).to_contain_text("Changes requested")

    # The vendor sees both requests at the top and next to the questions, answers one, resubmits.
    vendor_page.goto(link)
    expect(
        vendor_page.get_by_role("heading", name="Acme Agency asks about 2 answers")
    ).to_be_visible()
    expect(vendor_page.locator('[data-question="framework.version"] .qnote')).to_contain_text(CUDA)
    expect(vendor_page.locator('[data-question="serving.stack"] .qnote')).to_contain_text(VLLM)
    assert "recommended" not in vendor_page.content().lower()
    shoot_all(vendor_page, screenshots, "review-vendor-requests")
    reply(vendor_page, VERSION_Q, "CUDA 12.4, from the official PyTorch image.")
    expect(vendor_page.get_by_text("Reply sent to Acme Agency.")).to_be_visible()
    vendor_page.get_by_role("button", name="Submit answers").click()
    expect(vendor_page.get_by_role("heading", name="Thank you, Jane Doe")).to_be_visible()

    # Approval is refused while one request is open.
    reviewer.goto(url)
    reviewer.get_by_role("button", name="Start review").click()
    open_box(reviewer, "Approve")
    reviewer.get_by_role("button", name="Approve and publish the report").click()
    expect(reviewer.locator(".flash")).to_contain_text("1 clarification request is still open")
    expect(reviewer.locator(".flash")).to_contain_text("serving.stack")

    # The vendor answers the second (a reply; the answers are locked in review).
    vendor_page.goto(link)
    expect(vendor_page.get_by_text("cannot be changed now; you can still reply")).to_be_visible()
    reply(vendor_page, SERVING_Q, "The official vLLM image, pinned by tag.")
    expect(vendor_page.get_by_text("Reply sent to Acme Agency.")).to_be_visible()

    # The reviewer approves with one condition.
    reviewer.goto(url)
    open_box(reviewer, "Approve")
    reviewer.get_by_label("Conditions").fill(CONDITION)
    reviewer.get_by_role("button", name="Approve and publish the report").click()
    expect(reviewer.locator(".flash")).to_contain_text("Approved: the report is published.")
    expect(reviewer.locator("#review")).to_contain_text(CONDITION)
    shoot_all(reviewer, screenshots, "review-approved")

    # The report shows the condition and both clarifications.
    first = reviewer.request.get(f"{url}/report.pdf")
    assert first.status == 200
    (screenshots / "review-report.pdf").write_bytes(first.body())
    text = pdf_text(first.body())
    for expected in (CONDITION, CUDA, VLLM, "CUDA 12.4", "The official vLLM image"):
        assert expected in text, expected
    assert "Approved by Rita Reviewer" in text

    # Reopening starts version 2; version 1's report still downloads, byte for byte.
    page.goto(url)
    page.get_by_role("button", name="Start version 2").click()
    expect(page.locator(".flash")).to_contain_text("Version 2 started as a draft")
    expect(page.locator("#review")).to_contain_text("v1 · Approved")
    assert f"/assessments/{draft.id}" not in page.url
    shoot_all(page, screenshots, "review-version-2")
    again = page.request.get(f"{url}/report.pdf")
    assert again.status == 200
    assert again.body() == first.body()
    page.goto(url)
    expect(page.get_by_text("is the current one")).to_be_visible()
    vendor_page.goto(link)
    expect(vendor_page.get_by_text("reviewed and closed this questionnaire")).to_be_visible()
    vendor_context.close()
    review_context.close()
    assert js_errors == []
