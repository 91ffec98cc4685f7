"""Handing a message to an SMTP server, with the standard library's smtplib.

`STACKVET_SMTP_URL` says where and how:

    smtp://user:pass@host:587      STARTTLS (required: refused if the server does not offer it)
    smtps://user:pass@host:465     TLS from the first byte
    smtp://host:25?tls=none        plain text, for a relay on the same host or network only

User name and password are URL-encoded (`%40` for `@`). Without `STACKVET_SMTP_URL` no
e-mail leaves the process: `LogSender` writes each message to the log instead, which is what
`make run` does. No third-party library: smtplib, ssl and email.message cover SMTP with TLS,
authentication and multipart messages, and one fewer dependency is one fewer to patch.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

logger = logging.getLogger("stackvet.mail")

TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Outgoing:
    message_id: str
    """Stable per outbox row: a resent message carries the same Message-ID."""
    sender: str
    recipient: str
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Sent:
    ok: bool
    permanent: bool = False
    """The server refused the message itself (5xx): sending it again cannot help."""
    error: str | None = None


class Sender(Protocol):
    def send(self, message: Outgoing) -> Sent: ...


def build(message: Outgoing) -> EmailMessage:
    email = EmailMessage()
    email["From"] = message.sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = format_datetime(datetime.now(UTC))
    email["Message-ID"] = message.message_id
    email.set_content(message.text)
    email.add_alternative(message.html, subtype="html")
    return email


def message_id(row_id: str, sender: str) -> str:
    """The same for every attempt at one outbox row, so a receiving server can spot a repeat."""
    domain = sender.rpartition("@")[2].strip("> ") or "stackvet.invalid"
    return f"<{row_id}@{domain}>"


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    user: str | None
    password: str | None


def parse_url(url: str) -> SmtpServer:
    """Settings validation calls this, so a malformed URL stops start-up with a clear error."""
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ValueError(
            "STACKVET_SMTP_URL must look like smtp://user:pass@host:587 (STARTTLS) or "
            "smtps://user:pass@host:465 (TLS)"
        )
    tls = parse_qs(parts.query).get("tls", [""])[0]
    if tls not in {"", "none"}:
        raise ValueError("STACKVET_SMTP_URL: the only tls option is tls=none (a local relay)")
    implicit = parts.scheme == "smtps"
    return SmtpServer(
        host=parts.hostname,
        port=parts.port or (465 if implicit else 587),
        implicit_tls=implicit,
        starttls=not implicit and tls != "none",
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


class SmtpSender:
    def __init__(self, url: str) -> None:
        self.server = parse_url(url)

    def send(self, message: Outgoing) -> Sent:
        try:
            with self._connect() as smtp:
                smtp.send_message(build(message))
        except smtplib.SMTPRecipientsRefused as exc:
            return Sent(ok=False, permanent=True, error=_short(exc.recipients))
        except smtplib.SMTPResponseException as exc:
            permanent = 500 <= exc.smtp_code < 600 and exc.smtp_code not in {530, 535}
            return Sent(ok=False, permanent=permanent, error=_short(f"{exc.smtp_code} {exc}"))
        except (OSError, smtplib.SMTPException) as exc:
            return Sent(ok=False, error=_short(f"{type(exc).__name__}: {exc}"))
        return Sent(ok=True)

    def _connect(self) -> smtplib.SMTP:
        server, context = self.server, ssl.create_default_context()
        smtp: smtplib.SMTP
        if server.implicit_tls:
            smtp = smtplib.SMTP_SSL(
                server.host, server.port, timeout=TIMEOUT_SECONDS, context=context
            )
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
        try:
            smtp.ehlo()
            if server.starttls:
                if not smtp.has_extn("starttls"):
                    raise smtplib.SMTPNotSupportedError(
                        "the server does not offer STARTTLS; use smtps:// or, for a local "
                        "relay, ?tls=none"
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
            if server.user:
                smtp.login(server.user, server.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


class LogSender:
    """Development: the message goes to the log (`make run` shows it in the terminal)."""

    def send(self, message: Outgoing) -> Sent:
        logger.info(
            "e-mail (not sent: STACKVET_SMTP_URL is not set)\nTo: %s\nSubject: %s\n\n%s",
            message.recipient,
            message.subject,
            message.text,
        )
        return Sent(ok=True)


def sender_for(smtp_url: str | None) -> Sender:
    return SmtpSender(smtp_url) if smtp_url else LogSender()


def _short(value: object) -> str:
    return str(value)[:500]
