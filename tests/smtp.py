"""A real local SMTP server (aiosmtpd) that records the messages it accepts, for tests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session, sessionmaker

from service.config import Settings
from service.scoring.library import Library
from service.worker.runner import Worker
from tests.processes import free_port


@dataclass
class Mailbox:
    """Answers each DATA with the replies in `script` in turn (then 250), records what it took.

    `hold` (when set) is waited on before the server answers a message: a test can kill the
    sender while its message is still unaccepted."""

    script: list[str] = field(default_factory=list)
    received: list[EmailMessage] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    hold: threading.Event | None = None
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?tls=none"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.arrived.set()
        if self.hold is not None:
            held = self.hold
            await asyncio.get_running_loop().run_in_executor(None, held.wait, 120)
            return "451 4.3.0 held by the test, not accepted"
        with self.lock:
            if self.script:
                return self.script.pop(0)
            message = message_from_bytes(envelope.content, policy=policy.default)
            assert isinstance(message, EmailMessage)
            self.received.append(message)
        return "250 OK"

    def by_recipient(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received if m["To"] == address]


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML parts of a received message."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None, "a plain-text part expected"
    assert html is not None, "an HTML part expected"
    return str(text.get_content()), str(html.get_content())


def deliver(
    factory: sessionmaker[Session], library: Library, settings: Settings, box: Mailbox
) -> int:
    """One worker round of e-mail, to `box`; returns how many messages it handled."""
    configured = settings.model_copy(update={"smtp_url": box.url})
    return Worker(factory, library, configured).send_mail()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    if box.hold is not None:
        box.hold.set()
    controller.stop()
