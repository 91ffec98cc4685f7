"""A webhook receiver that answers one byte every few seconds (a slow-loris receiver)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"


@dataclass
class SlowReceiver:
    gap_seconds: float = 4.0
    url: str = ""
    ids: list[str] = field(default_factory=list)
    open_now: int = 0
    most_open: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    closing: threading.Event = field(default_factory=threading.Event)

    def handle(self, conn: socket.socket) -> None:
        with self.lock:
            self.open_now += 1
            self.most_open = max(self.most_open, self.open_now)
        try:
            with conn:
                self._answer_slowly(conn)
        finally:
            with self.lock:
                self.open_now -= 1

    def _answer_slowly(self, conn: socket.socket) -> None:
        request = b""
        conn.settimeout(30)
        while b"\r\n\r\n" not in request:
            chunk = conn.recv(65536)
            if not chunk:
                return
            request += chunk
        head = request.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
        webhook_id = next(
            (
                line.split(":", 1)[1].strip()
                for line in head.split("\r\n")
                if line.startswith("webhook-id:")
            ),
            "",
        )
        with self.lock:
            self.ids.append(webhook_id)
        for byte in ANSWER:
            if self.closing.wait(self.gap_seconds):
                return
            try:
                conn.sendall(bytes([byte]))
            except OSError:
                return  # the sender gave up


def serve_slowly(receiver: SlowReceiver) -> socket.socket:
    listener = socket.create_server(("127.0.0.1", 0))
    receiver.url = f"http://127.0.0.1:{listener.getsockname()[1]}/hooks/slow"

    def accept() -> None:
        while not receiver.closing.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=receiver.handle, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return listener


@pytest.fixture
def slow_receiver() -> Iterator[SlowReceiver]:
    receiver = SlowReceiver()
    listener = serve_slowly(receiver)
    yield receiver
    receiver.closing.set()
    listener.close()
