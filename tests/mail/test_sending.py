"""E-mails through the outbox to a real SMTP server: parts, links, retries, refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from service.auth.permissions import Role
from service.config import Settings
from service.db import utcnow
from service.invitations import service as invitation_service
from service.mail import notifications, outbox
from service.mail.models import MailMessage, MailStatus
from service.mail.sender import Outgoing, SmtpSender, parse_url
from service.questionnaires.catalog import Catalog
from service.scoring.library import Library
from service.worker.runner import Worker
from tests import builders
from tests.smtp import Mailbox, parts


def worker_for(
    factory: sessionmaker[Session], library: Library, settings: Settings, mailbox: Mailbox
) -> Worker:
    configured = settings.model_copy(
        update={"smtp_url": mailbox.url, "mail_from": "Acme vetting <vetting@acme.example>"}
    )
    return Worker(factory, library, configured)


def test_an_invitation_arrives_with_both_parts_and_the_link(
    session: Session,
    session_factory: sessionmaker[Session],
    catalog: Catalog,
    library: Library,
    settings: Settings,
    mailbox: Mailbox,
) -> None:
    org = builders.organisation(session, "Acme Procurement")
    draft = builders.assessment(session, catalog, org, title="Vision models for Northwind")
    actor = builders.principal(session, org)
    created = invitation_service.create_invitation(
        session,
        actor,
        draft,
        contact_name="Jane <Doe>",
        contact_email="jane@vendor.example",
        due_on=utcnow().date() + timedelta(days=7),
        agency_contact="Alice Buyer <alice@acme.example>",
    )
    link = f"https://vet.acme.example/invite/{created.token}"
    invitation_service.email_invitation(session, actor, draft, created, link, "Alice Buyer")
    session.commit()

    assert worker_for(session_factory, library, settings, mailbox).send_mail() == 1

    [message] = mailbox.received
    assert message["To"] == "jane@vendor.example"
    assert message["From"] == "Acme vetting <vetting@acme.example>"
    assert message["Subject"] == (
        "Acme Procurement asks you to answer a questionnaire about " + draft.vendor.name
    )
    text, html = parts(message)
    assert link in text
    assert f'href="{link}"' in html
    assert "Hello Jane <Doe>," in text
    assert "Hello Jane &lt;Doe&gt;," in html, "the HTML part escapes what people typed"
    assert "Please submit your answers by" in text
    assert "Reply to Alice Buyer <alice@acme.example>" in text
    assert "Sent by Acme Procurement with stackvet" in html
    row = session.scalar(select(MailMessage))
    assert row is not None
    session.refresh(row)
    assert row.status is MailStatus.SENT
    assert row.attempts == 1
    assert created.token not in row.text_body + row.html_body, "the link is not kept once sent"


def test_a_temporary_failure_is_retried_later_and_a_refusal_is_final(
    session: Session,
    session_factory: sessionmaker[Session],
    catalog: Catalog,
    library: Library,
    settings: Settings,
    mailbox: Mailbox,
) -> None:
    org = builders.organisation(session)
    user = builders.user(session, org, Role.PROCUREMENT, email="rev@agency.example")
    draft = builders.assessment(session, catalog, org)
    notifications.assessment_submitted(session, draft, "Jane Doe (vendor invitation)")
    session.commit()
    mailbox.script = ["451 4.4.1 try again later"]
    worker = worker_for(session_factory, library, settings, mailbox)

    before = utcnow()
    assert worker.send_mail() == 1
    row = session.scalar(select(MailMessage).where(MailMessage.recipient == user.email))
    assert row is not None
    session.refresh(row)
    assert (row.status, row.attempts) == (MailStatus.PENDING, 1)
    assert row.last_error is not None
    assert row.last_error.startswith("451")
    assert before + timedelta(seconds=40) < row.next_attempt_at < before + timedelta(seconds=90)
    assert worker.send_mail() == 0, "not due again before the backoff"

    row.next_attempt_at = utcnow()
    session.commit()
    assert worker.send_mail() == 1
    session.refresh(row)
    assert (row.status, row.attempts, row.sent_at is not None) == (MailStatus.SENT, 2, True)
    [message] = mailbox.by_recipient(user.email)
    assert message["Subject"] == f"Submitted for review: {draft.title}"
    assert "Jane Doe (vendor invitation) submitted the answers" in parts(message)[0]

    mailbox.script = ["550 5.1.1 no such mailbox"]
    notifications.assessment_submitted(session, draft, "Jane Doe (vendor invitation)")
    session.commit()
    assert worker.send_mail() == 1
    failed = session.scalar(select(MailMessage).where(MailMessage.status == MailStatus.FAILED))
    assert failed is not None
    assert failed.attempts == 1, "a refusal is not retried"
    assert failed.last_error is not None
    assert failed.last_error.startswith("550")


def test_backoff_doubles_and_is_capped() -> None:
    waits = [outbox.backoff(attempt).total_seconds() for attempt in (1, 2, 3, 12)]
    assert 48 <= waits[0] <= 72
    assert 96 <= waits[1] <= 144
    assert 192 <= waits[2] <= 288
    assert waits[3] <= 6 * 3600 * 1.2


def test_smtp_urls_are_understood_or_refused_clearly() -> None:
    server = parse_url("smtp://me%40acme.example:s%3Acret@mail.acme.example:587")
    assert (server.host, server.port, server.starttls, server.implicit_tls) == (
        "mail.acme.example",
        587,
        True,
        False,
    )
    assert (server.user, server.password) == ("me@acme.example", "s:cret")
    assert parse_url("smtps://mail.acme.example").port == 465
    assert parse_url("smtp://relay:25?tls=none").starttls is False
    for bad in ("http://mail.acme.example", "smtp://", "smtp://relay?tls=maybe"):
        with pytest.raises(ValueError, match="STACKVET_SMTP_URL"):
            parse_url(bad)


def test_starttls_is_required_unless_the_url_says_otherwise(mailbox: Mailbox) -> None:
    """The test server offers no STARTTLS: smtp:// refuses to send credentials in clear."""
    message = Outgoing(
        message_id="<1@acme.example>",
        sender="vetting@acme.example",
        recipient="jane@vendor.example",
        subject="Hello",
        text="Hello",
        html="<p>Hello</p>",
    )
    sent = SmtpSender(f"smtp://user:pw@127.0.0.1:{mailbox.port}").send(message)
    assert not sent.ok
    assert not sent.permanent
    assert sent.error is not None
    assert "does not offer STARTTLS" in sent.error
    assert mailbox.received == []
    assert SmtpSender(mailbox.url).send(message).ok
    assert [m["Message-ID"] for m in mailbox.received] == ["<1@acme.example>"]
