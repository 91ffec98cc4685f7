"""One HTTP attempt to deliver a webhook, to an address checked just before connecting.

The connection goes to the exact address that passed the check (the host name is kept for
the Host header and TLS), so a DNS answer that changes between check and connect cannot
redirect it (DNS rebinding). Redirects are not followed, and only the first 2 KiB of the
answer are read. Each attempt has one overall deadline (connect, send and read together):
httpx's timeouts apply to each socket operation, so a receiver that trickles a byte every few
seconds would never trip them; a watchdog shuts the attempt's socket down at the deadline.

Behind an egress proxy (STACKVET_WEBHOOK_PROXY) the same holds: the host is resolved and its
addresses checked here, and the proxy is asked for the checked address (an absolute-form
request for http, CONNECT for https, with TLS still verified against the host name), so the
proxy's own DNS answer never decides where a webhook goes.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from service.webhooks.targets import Target, TargetRefused, resolve

RESPONSE_EXCERPT_BYTES = 2048
TIMEOUT = httpx.Timeout(connect=3.0, read=5.0, write=5.0, pool=3.0)
DEADLINE_SECONDS = 10.0
"""Connect, send and read together, whatever the receiver does."""
USER_AGENT = "stackvet-webhooks/1.0"


@dataclass(frozen=True)
class Attempt:
    status_code: int | None
    duration_ms: int
    error: str | None
    excerpt: str | None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410


def deliver(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    allow_private: bool,
    proxy: str | None = None,
    deadline: float = DEADLINE_SECONDS,
) -> Attempt:
    started = time.perf_counter()
    watchdog = Watchdog(deadline)
    try:
        target = resolve(url, allow_private=allow_private)
        status, excerpt = _post(target, body, headers, proxy, watchdog)
    except TargetRefused as exc:
        return _failure(started, f"refused: {exc}")
    except httpx.TimeoutException:
        return _failure(started, "timed out")
    except httpx.HTTPError as exc:
        if watchdog.expired:
            return _failure(started, f"timed out: no complete answer within {deadline:g} s")
        return _failure(started, f"{type(exc).__name__}: {exc}"[:500])
    finally:
        watchdog.cancel()
    duration = round((time.perf_counter() - started) * 1000)
    error = None if 200 <= status < 300 else f"HTTP {status}"
    return Attempt(status, duration, error, excerpt)


def _failure(started: float, error: str) -> Attempt:
    return Attempt(None, round((time.perf_counter() - started) * 1000), error, None)


@dataclass
class Watchdog:
    """Shuts the attempt's socket down when the deadline passes, whatever it is waiting for."""

    seconds: float
    expired: bool = False
    _socket: socket.socket | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _timer: threading.Timer | None = None

    def __post_init__(self) -> None:
        self._timer = threading.Timer(self.seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace hook: note the socket as soon as the connection exists."""
        if event in {"connection.connect_tcp.complete", "connection.start_tls.complete"}:
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            with self._lock:
                self._socket = sock
                if self.expired:
                    self._shutdown()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            self._shutdown()

    def _shutdown(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(OSError):  # already closed
                self._socket.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()


def _post(
    target: Target,
    body: bytes,
    headers: dict[str, str],
    proxy: str | None,
    watchdog: Watchdog,
) -> tuple[int, str]:
    parts = urlsplit(target.url)
    address = target.addresses[0]
    host = f"[{address}]" if isinstance(address, ipaddress.IPv6Address) else str(address)
    pinned = urlunsplit((parts.scheme, f"{host}:{target.port}", parts.path or "/", parts.query, ""))
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    extensions: dict[str, Any] = {"trace": watchdog.trace}
    if target.scheme == "https":
        extensions["sni_hostname"] = target.host
    with httpx.Client(
        timeout=TIMEOUT, follow_redirects=False, trust_env=False, proxy=proxy
    ) as client:
        request = client.build_request(
            "POST",
            pinned,
            content=body,
            headers={
                **headers,
                "Host": host_header,
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
            },
            extensions=extensions,
        )
        response = client.send(request, stream=True)
        try:
            excerpt = _read_excerpt(response, watchdog)
        finally:
            response.close()
    return response.status_code, excerpt


def _read_excerpt(response: httpx.Response, watchdog: Watchdog) -> str:
    """Up to 2 KiB of the body; the status line has already decided the outcome, so a body
    cut short by the deadline keeps what arrived."""
    collected = b""
    try:
        for chunk in response.iter_raw():
            collected += chunk
            if len(collected) >= RESPONSE_EXCERPT_BYTES or watchdog.expired:
                break
    except httpx.HTTPError:
        if not watchdog.expired:
            raise
    return collected[:RESPONSE_EXCERPT_BYTES].decode("utf-8", errors="replace")
