"""uvicorn's h11 protocol with a deadline for a request's headers.

uvicorn has a keep-alive timeout for idle connections, but once a byte of a request has
arrived it waits for the rest of the headers for ever: a client sending a header byte every
few seconds holds a connection (and one of `--limit-concurrency`) indefinitely. Here a
request's headers must all arrive within STACKVET_HEADER_TIMEOUT_SECONDS of the connection
opening or of the previous response; otherwise the connection is closed.
"""

from __future__ import annotations

import asyncio
import logging

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from service.config import get_settings

logger = logging.getLogger(__name__)


class HeaderTimeoutProtocol(H11Protocol):
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._header_timer is None and self.conn.their_state is h11.IDLE:
            self._arm()  # the first bytes of a next request on a kept-alive connection
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm()  # the headers are complete

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
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            logger.warning("closing a connection whose request headers were too slow")
            self.transport.close()
