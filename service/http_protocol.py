"""uvicorn's httptools protocol with a deadline and a size limit for a request's headers.

httptools (llhttp, the C parser Node.js uses) and uvloop are what uvicorn runs on when they
are installed (`uvicorn[standard]`). Against the pure-Python h11 protocol and asyncio's own
loop, one process served the API's list of 50 at 10 connections at 295-309 requests a second
instead of 235-279 (three runs each, a few minutes apart; the bare list of the benchmark, on
them too, 407-475 instead of 349-380: README, performance). Two things h11 gave or uvicorn
lacks are added here:

- a deadline: uvicorn has a keep-alive timeout for idle connections, but once a byte of a
  request has arrived it waits for the rest of the headers for ever, so a client sending a
  header byte every few seconds holds a connection (and one of `--limit-concurrency`)
  indefinitely. A request's headers must all arrive within STACKVET_HEADER_TIMEOUT_SECONDS
  of the connection opening or of the request's first byte; otherwise the connection is
  closed;
- a size limit: h11 refuses a request whose headers pass 16 KiB; llhttp keeps whatever
  arrives. Past `MAX_HEADER_BYTES` the answer is 431 and the connection is closed.
"""

from __future__ import annotations

import asyncio
import json
import logging

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from service.config import get_settings
from service.errors import PROBLEM_JSON, HeaderFieldsTooLarge, problem_type

logger = logging.getLogger(__name__)

MAX_HEADER_BYTES = 16 * 1024
"""The request line and headers of one request, at most (h11's limit)."""


def too_large() -> bytes:
    """The whole 431 response, problem+json like every error of the service."""
    body = json.dumps(
        {
            "type": problem_type(HeaderFieldsTooLarge.slug),
            "title": HeaderFieldsTooLarge.title,
            "status": HeaderFieldsTooLarge.status,
            "detail": f"The request line and headers exceed {MAX_HEADER_BYTES // 1024} KiB; "
            "send fewer or shorter headers.",
        }
    ).encode()
    head = (
        f"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: {PROBLEM_JSON}\r\n"
        f"connection: close\r\ncontent-length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class HeaderLimitsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline and a size limit for request headers."""

    _header_timer: asyncio.TimerHandle | None = None
    _in_headers = False
    """Between a request's first byte and the end of its headers."""
    _header_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._in_headers:  # this chunk did not finish the headers: all of it was headers
            self._header_bytes += len(data)
            if self._header_bytes > MAX_HEADER_BYTES:
                self._refuse_too_large()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_headers = True
        if self._header_timer is None:
            self._arm()  # the first bytes of a next request on a kept-alive connection

    def on_headers_complete(self) -> None:
        self._in_headers = False
        self._header_bytes = 0
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        seconds = get_settings().header_timeout_seconds
        self._header_timer = self.loop.call_later(seconds, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            logger.warning("closing a connection whose request headers were too slow")
            self.transport.close()

    def _refuse_too_large(self) -> None:
        self._disarm()
        if not self.transport.is_closing():
            logger.warning("refusing a request whose headers exceed %d bytes", MAX_HEADER_BYTES)
            self.transport.write(too_large())
            self.transport.close()
