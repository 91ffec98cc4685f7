"""Deliveries through an egress proxy (STACKVET_WEBHOOK_PROXY), with the target still checked.

The proxy is real: a small forwarding HTTP proxy on localhost that records what it was asked
for and passes it on.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from sqlalchemy.orm import Session, sessionmaker

from service.auth.models import Organisation
from service.config import Settings
from service.scoring.library import Library
from service.webhooks import sender
from service.webhooks.events import EventType
from service.webhooks.service import record_event
from service.worker.runner import Worker
from tests import builders
from tests.receiver import Receiver


@dataclass
class Proxy:
    url: str = ""
    requested: list[str] = field(default_factory=list)


def forward(handler: BaseHTTPRequestHandler, proxy: Proxy) -> None:
    """Pass an absolute-form request (`POST http://host:port/path`) on to its host."""
    proxy.requested.append(f"{handler.command} {handler.path}")
    target = urlsplit(handler.path)
    body = handler.rfile.read(int(handler.headers.get("content-length", 0)))
    upstream = http.client.HTTPConnection(target.hostname or "", target.port or 80, timeout=5)
    try:
        headers = {k: v for k, v in handler.headers.items() if k.lower() != "proxy-connection"}
        upstream.request(handler.command, target.path or "/", body=body, headers=headers)
        answer = upstream.getresponse()
        content = answer.read()
    finally:
        upstream.close()
    handler.send_response(answer.status)
    handler.send_header("Content-Length", str(len(content)))
    handler.end_headers()
    handler.wfile.write(content)


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    recording = Proxy()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            forward(self, recording)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recording.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield recording
    server.shutdown()
    server.server_close()


def test_a_delivery_goes_through_the_proxy_to_the_checked_address(
    proxy: Proxy, receiver: Receiver
) -> None:
    attempt = sender.deliver(
        receiver.url, b'{"n": 1}', {"webhook-id": "msg_1"}, allow_private=True, proxy=proxy.url
    )
    assert attempt.succeeded, attempt.error
    assert attempt.excerpt == "ok"
    port = urlsplit(receiver.url).port
    assert proxy.requested == [f"POST http://127.0.0.1:{port}/hooks/stackvet"]
    assert [r.body for r in receiver.received] == [b'{"n": 1}']
    assert receiver.received[0].headers["webhook-id"] == "msg_1"


def test_the_target_is_still_checked_when_a_proxy_is_set(proxy: Proxy, receiver: Receiver) -> None:
    """The proxy could reach private addresses; stackvet refuses them before asking it."""
    attempt = sender.deliver(receiver.url, b"{}", {}, allow_private=False, proxy=proxy.url)
    assert attempt.status_code is None
    assert attempt.error is not None
    assert attempt.error.startswith("refused: 127.0.0.1 resolves to 127.0.0.1, a loopback address")
    assert proxy.requested == []
    assert receiver.received == []


def test_a_name_is_resolved_here_and_the_proxy_is_asked_for_the_address(
    proxy: Proxy, receiver: Receiver
) -> None:
    """The proxy's own DNS never decides where a webhook goes (no rebinding through it)."""
    url = receiver.url.replace("127.0.0.1", "localhost")
    attempt = sender.deliver(url, b"{}", {}, allow_private=True, proxy=proxy.url)
    assert attempt.succeeded, attempt.error
    assert proxy.requested[0].startswith(("POST http://127.0.0.1:", "POST http://[::1]:"))
    assert receiver.received[0].headers["Host"] == f"localhost:{urlsplit(url).port}"


def test_the_worker_uses_the_configured_proxy(
    proxy: Proxy,
    receiver: Receiver,
    session_factory: sessionmaker[Session],
    session: Session,
    org: Organisation,
    library: Library,
    settings: Settings,
) -> None:
    builders.webhook(session, org, url=receiver.url, events=["assessment.scored"])
    record_event(session, org.id, EventType.ASSESSMENT_SCORED, {"n": 1})
    session.commit()
    worker = Worker(
        session_factory, library, settings.model_copy(update={"webhook_proxy": proxy.url})
    )
    assert worker.deliver() == 1
    assert len(proxy.requested) == 1
    assert len(receiver.received) == 1
