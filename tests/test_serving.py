"""How `stackvet serve` treats connections: a 500 leaves the connection usable and carries
the request id; request headers that trickle in are cut off."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import uvicorn
from fastapi import FastAPI

from service.config import Settings, get_settings
from service.http_protocol import HeaderLimitsProtocol
from service.main import create_app
from service.questionnaires.catalog import Catalog
from service.scoring.library import Library
from tests.processes import free_port, wait_for


@contextmanager
def serving(app: FastAPI) -> Iterator[int]:
    port = free_port()
    config = uvicorn.Config(
        app, port=port, lifespan="off", log_level="critical", http=HeaderLimitsProtocol
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started, 60, "uvicorn to start")
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(30)


def _exchange(sock: socket.socket, path: str) -> bytes:
    """Send one keep-alive request and read its whole response (Content-Length framed)."""
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: test\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head.lower()


@pytest.fixture
def app(settings: Settings, catalog: Catalog, library: Library) -> FastAPI:
    app = create_app(settings, catalog=catalog, library=library)

    def explode() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/explode", explode)
    return app


def test_a_500_keeps_the_connection_usable_and_names_the_request(app: FastAPI) -> None:
    with serving(app) as port, socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        failed = _exchange(sock, "/explode")
        assert failed.startswith(b"http/1.1 500")
        assert b"x-request-id: " in failed
        assert b"content-type: application/problem+json" in failed
        assert b"connection: close" not in failed
        fine = _exchange(sock, "/healthz")  # the same connection
        assert fine.startswith(b"http/1.1 200"), fine


def test_headers_that_trickle_in_are_cut_off(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STACKVET_HEADER_TIMEOUT_SECONDS", "0.5")
    get_settings.cache_clear()
    try:
        with (
            serving(app) as port,
            socket.create_connection(("127.0.0.1", port), timeout=30) as sock,
        ):
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n")
            started = time.monotonic()
            closed = False
            while time.monotonic() - started < 10:  # a header byte every 0.2 s
                try:
                    sock.sendall(b"X")
                    sock.settimeout(0.2)
                    closed = sock.recv(1) == b""
                except TimeoutError:
                    continue
                except OSError:
                    closed = True
                if closed:
                    break
            assert closed, "the trickling connection was still open after 10 s"
            assert time.monotonic() - started < 5
            with socket.create_connection(("127.0.0.1", port), timeout=30) as fresh:
                assert _exchange(fresh, "/healthz").startswith(b"http/1.1 200")
    finally:
        get_settings.cache_clear()


def test_headers_past_16_kib_are_refused_with_431(app: FastAPI) -> None:
    """llhttp keeps whatever headers arrive; the protocol answers 431 past 16 KiB and closes,
    as h11 refused them, and a request under the limit is served."""
    with serving(app) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n")
            filler = b"X-Filler: " + b"a" * 1000 + b"\r\n"
            refused = b""
            with contextlib.suppress(OSError):  # the server may close while we still send
                for _ in range(40):  # 40 KB of headers, a line at a time
                    sock.sendall(filler)
            with contextlib.suppress(OSError):
                while chunk := sock.recv(65536):
                    refused += chunk
        head, _, body = refused.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 431 "), refused[:200]
        assert b"content-type: application/problem+json" in head
        problem = json.loads(body)
        assert problem["status"] == 431
        assert problem["type"].endswith("/problems/header-fields-too-large")
        assert "16 KiB" in problem["detail"]
        with socket.create_connection(("127.0.0.1", port), timeout=30) as fresh:
            fresh.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n" + filler * 10 + b"\r\n")
            assert fresh.recv(65536).startswith(b"HTTP/1.1 200")
