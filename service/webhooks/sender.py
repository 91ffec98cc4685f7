"""One HTTP attempt to deliver a webhook, to an address checked just before connecting.

The connection goes to the exact address that passed the check (the host name is kept for
the Host header and TLS), so a DNS answer that changes between check and connect cannot
redirect it (DNS rebinding). Redirects are not followed, timeouts are short, and only the
first kilobytes of the answer are read.

Behind an egress proxy (STACKVET_WEBHOOK_PROXY) the same holds: the host is resolved and its
addresses checked here, and the proxy is asked for the checked address (an absolute-form
request for http, CONNECT for https, with TLS still verified against the host name), so the
proxy's own DNS answer never decides where a webhook goes.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

from service.webhooks.targets import Target, TargetRefused, resolve

RESPONSE_EXCERPT_BYTES = 2048
TIMEOUT = httpx.Timeout(connect=3.0, read=5.0, write=5.0, pool=3.0)
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
) -> Attempt:
    started = time.perf_counter()
    try:
        target = resolve(url, allow_private=allow_private)
        status, excerpt = _post(target, body, headers, proxy)
    except TargetRefused as exc:
        return _failure(started, f"refused: {exc}")
    except httpx.TimeoutException:
        return _failure(started, "timed out")
    except httpx.HTTPError as exc:
        return _failure(started, f"{type(exc).__name__}: {exc}"[:500])
    duration = round((time.perf_counter() - started) * 1000)
    error = None if 200 <= status < 300 else f"HTTP {status}"
    return Attempt(status, duration, error, excerpt)


def _failure(started: float, error: str) -> Attempt:
    return Attempt(None, round((time.perf_counter() - started) * 1000), error, None)


def _post(
    target: Target, body: bytes, headers: dict[str, str], proxy: str | None
) -> tuple[int, str]:
    parts = urlsplit(target.url)
    address = target.addresses[0]
    host = f"[{address}]" if isinstance(address, ipaddress.IPv6Address) else str(address)
    pinned = urlunsplit((parts.scheme, f"{host}:{target.port}", parts.path or "/", parts.query, ""))
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
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
            excerpt = _read_excerpt(response)
        finally:
            response.close()
    return response.status_code, excerpt


def _read_excerpt(response: httpx.Response) -> str:
    collected = b""
    for chunk in response.iter_raw():
        collected += chunk
        if len(collected) >= RESPONSE_EXCERPT_BYTES:
            break
    return collected[:RESPONSE_EXCERPT_BYTES].decode("utf-8", errors="replace")
