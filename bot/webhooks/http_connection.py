"""One kept-alive HTTP/1.1 connection to a webhook endpoint, as an asyncio protocol: a
request goes out as one write, the answer is read by ``httptools`` (llhttp, the C parser
of Node.js, as uvicorn reads requests with it) and only its status is kept.

Why not aiohttp's client: a webhook POST needs none of what it is built for (cookies,
redirects, proxies, decompression, streaming, a multidict per answer), and measured per
request it cost 2.5 to 3 times the CPU of this exchange (bench/README.md, "Session 10
(hook22)"). Why a parser and not ``bytes.split``: chunked answers, answers without a
length and a server's malformed framing are exactly where a hand-made parser goes wrong.
"""

from __future__ import annotations

import asyncio
import time
from typing import Final, cast

import httptools

from bot.errors import EndpointError

#: How much of an answer's body is read (and dropped) to keep the connection; past it
#: the status stands and the connection is closed instead of read to its end.
BODY_LIMIT: Final = 64 * 1024


class Connection(asyncio.Protocol):
    """One connection; one request at a time (``exchange``)."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        #: Set once an answer came whole and the server keeps the connection open.
        self.reusable = False
        #: ``time.monotonic()`` when it went back to the pool (idle since).
        self.idle_since = 0.0
        self._answer: asyncio.Future[int] | None = None
        self._answered = False  # some byte of the current answer arrived
        self._status = 0
        self._body_bytes = 0

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, only alike
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self._answered = True
        if self._answer is None:  # nothing asked: a server talking out of turn
            self.close()
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(EndpointError(f"the endpoint's answer is not valid HTTP/1.1: {exc}"))

    def eof_received(self) -> bool | None:
        self.connection_lost(None)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.reusable = False
        if self._answer is None or self._answer.done():
            return
        if self._status >= 200:  # the status came (a body until the close, or cut short:
            # it is dropped either way, as aiohttp's caller never read it)
            self._answer.set_result(self._status)
        elif not self._answered:
            self._fail(Unanswered("the endpoint closed the connection before answering"
                                  + (f" ({exc})" if exc else "")))
        else:
            self._fail(EndpointError("the endpoint closed the connection mid-answer"
                                     + (f" ({exc})" if exc else "")))

    # httptools callbacks

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if status >= 200:  # 1xx are interim: the answer follows
            self._status = status

    def on_body(self, body: bytes) -> None:
        self._body_bytes += len(body)
        if self._body_bytes > BODY_LIMIT and self._status >= 200:
            self._finish(self._status, keep=False)

    def on_message_complete(self) -> None:
        if self._status >= 200:
            self._finish(self._status, keep=self.parser.should_keep_alive())

    # the request

    async def exchange(self, request: bytes, timeout: float) -> int:
        """Send ``request`` (whole, as one write) and wait for the answer's status;
        ``TimeoutError`` after ``timeout`` seconds, ``EndpointError`` when the
        connection fails or the answer is not HTTP."""
        if self.closed or self.transport is None or self.transport.is_closing():
            raise Unanswered("the connection was closed before the request was sent")
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[int] = loop.create_future()
        self._answer = answer
        self._answered = False
        self._status = self._body_bytes = 0
        self.reusable = False
        self.transport.write(request)
        expiry = loop.call_later(timeout, self._expire, answer)
        try:
            return await answer
        finally:
            expiry.cancel()
            self._answer = None
            if not self.reusable:
                self.close()

    def close(self) -> None:
        self.reusable = False
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def _finish(self, status: int, *, keep: bool) -> None:
        answer = self._answer
        if answer is not None and not answer.done():
            self.reusable = keep
            self.idle_since = time.monotonic()
            answer.set_result(status)

    def _fail(self, error: Exception) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(error)
        self.close()

    def _expire(self, answer: asyncio.Future[int]) -> None:
        if not answer.done():
            answer.set_exception(TimeoutError())


class Unanswered(EndpointError):
    """The connection ended before any byte of the answer: on a kept-alive connection,
    most likely the server closing it while idle, so the request may go once more on a
    fresh one."""
