"""Webhooks answered by a lean ``asyncio.Protocol`` in front of aiohttp's connection handler.

Why: a web process answers webhooks thousands of times a second, and aiohttp's request
parsing and answer writing cost about 120 µs of server CPU per webhook on this machine
(``bench.http_ab --raw``: a bare aiohttp endpoint 180-205 µs against 60-80 µs for the
same HMAC check behind a minimal protocol; the web role ~370 µs, bench/README.md
"Session 10 (web22c)" and "Session 11 (web22d)"). Each connection starts here: a request
is parsed by ``httptools`` (llhttp, the parser aiohttp's own C parser is built on) and,
when it is a ``POST`` to a webhook route's literal path whose whole ``Content-Length``
body has arrived, answered here by the route's handler, with the bytes aiohttp would
write (``bot.web.lean_answer``). The 200 goes only once the handler (which records the
delivery durably) has returned; pipelined requests are answered one at a time, in order.

Everything else is handed to aiohttp, and the connection stays aiohttp's from then on:
``transport.set_protocol`` to a ``RequestHandler`` of the same server, which is given the
bytes of the request it starts with and all after it. Handed over: any other method or
path (pages, websockets, the console), a malformed head (aiohttp's 400), a body larger
than the route's limit (its handler's 413, then aiohttp's lingering read), a body not all
arrived with its head (the handler's ``body_timeout``, 408), chunked or encoded bodies,
``Expect``, ``Upgrade``, HTTP/1.1 without ``Host``, headers past aiohttp's limits or
repeated where it refuses them, a head with leading blank lines. What stays here is kept
as aiohttp keeps it: the header timeout (``keepalive_timeout``: an idle connection, or
one that has not sent a whole head, is closed that long after opening or after its last
answer), keep-alive and ``Connection: close``, HTTP/1.0, TCP keep-alive, a
``web.HTTPException`` a handler raises answered as that exception's response (as the
front door answers it), any other exception as aiohttp's 500 (504 for ``TimeoutError``)
closing the connection, and the server's graceful shutdown (``LeanConnections``: idle
connections close, answers in flight finish within the shutdown timeout).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final, cast

import httptools
from aiohttp import web
from aiohttp._cookie_helpers import parse_cookie_header
from aiohttp.tcp_helpers import tcp_keepalive
from multidict import CIMultiDict, CIMultiDictProxy, MultiDict, MultiDictProxy

from bot.web import lean_answer
from bot.web.lean_answer import Head
from bot.web.origin import PublicOrigin
from bot.web.types import Route, WebRequest

#: Bytes of a head past which, with no end in sight, aiohttp decides (431/400).
HEAD_LIMIT: Final = 16 * 1024
#: Unread bytes kept while an answer is on its way before reading pauses.
READ_LIMIT: Final = 2 * 1024 * 1024
_NO_QUERY: Final = MultiDictProxy(MultiDict[str]())
_NO_PARAMS: Final[Mapping[str, str]] = MappingProxyType({})

ClientOf = Callable[[WebRequest], str | None]


class LeanConnections:
    """The webhook routes, what every answer needs, and the open lean connections (for
    the server's shutdown). ``aiohttp_handler`` makes the connection handler a request
    is handed to."""

    def __init__(self, routes: Mapping[str, Route], *, aiohttp_handler: Callable[[],
                 asyncio.Protocol], origin: PublicOrigin, client_of: ClientOf | None,
                 header_timeout: float) -> None:
        self.routes = dict(routes)
        self.aiohttp_handler = aiohttp_handler
        self.origin = origin
        self.client_of = client_of
        self.header_timeout = header_timeout
        self.open: set[LeanConnection] = set()

    def __call__(self) -> LeanConnection:
        return LeanConnection(self)

    def close_idle(self) -> None:
        """Stop taking requests: idle connections close now, busy ones after answering."""
        for connection in list(self.open):
            connection.close()

    async def shutdown(self, timeout: float) -> None:
        """Wait up to ``timeout`` for the answers in flight, then cut what is left."""
        answers = {c.answering for c in self.open if c.answering is not None}
        if answers:
            await asyncio.wait(answers, timeout=timeout)
        for connection in list(self.open):
            if connection.answering is not None:
                connection.answering.cancel()
            connection.abort()


class LeanConnection(asyncio.Protocol):
    """One client connection until it is handed to aiohttp (if ever)."""

    def __init__(self, connections: LeanConnections) -> None:
        self._connections = connections
        self._transport: asyncio.Transport | None = None
        self._loop = asyncio.get_running_loop()
        self._buffer = bytearray()
        self._parser = httptools.HttpRequestParser(self)
        self._head = Head()
        self._headers_done = False
        self._version = "1.1"
        self._keep_alive = True
        self._closing = False
        self._paused = False
        #: The handler's task of the request being answered (one at a time, in order).
        self.answering: asyncio.Task[None] | None = None
        self._deadline = 0.0
        self._timer: asyncio.TimerHandle | None = None

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, only alike
        self._transport = cast(asyncio.Transport, transport)
        tcp_keepalive(self._transport)
        self._connections.open.add(self)
        self._deadline = self._loop.time() + self._connections.header_timeout
        self._timer = self._loop.call_at(self._deadline, self._idle_check)

    def data_received(self, data: bytes) -> None:
        if self._closing:
            return  # as aiohttp: nothing more is read once closing
        self._buffer += data
        if self.answering is None:
            self._advance()
        elif len(self._buffer) > READ_LIMIT and self._transport is not None:
            self._paused = True
            self._transport.pause_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self._connections.open.discard(self)
        self._closing = True
        self._transport = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # httptools callbacks

    def on_url(self, url: bytes) -> None:
        self._head.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head.headers.append((name, value))

    def on_headers_complete(self) -> None:
        # read now: once the message is complete the parser forgets its flags
        self._headers_done = True
        self._version = self._parser.get_http_version()
        self._keep_alive = self._parser.should_keep_alive()

    # requests

    def _advance(self) -> None:
        """Answer the next whole request in the buffer, or hand the connection over."""
        buffer = self._buffer
        if not buffer or self._transport is None:
            return
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(buffer) > HEAD_LIMIT or buffer[0] in b"\r\n":
                self._hand_over()
            return
        head_size = end + 4
        route, length = self._parse_head(bytes(buffer[:head_size]))
        if route is None or length is None or len(buffer) < head_size + length:
            self._hand_over()  # aiohttp's request, or a body still on its way
            return
        body = bytes(buffer[head_size:head_size + length])
        del buffer[:head_size + length]
        if self._paused and self._transport is not None:
            self._paused = False
            self._transport.resume_reading()
        self.answering = self._loop.create_task(self._answer(route, body))

    def _parse_head(self, head: bytes) -> tuple[Route | None, int | None]:
        self._head = Head()
        self._headers_done = False
        self._parser = httptools.HttpRequestParser(self)
        try:
            self._parser.feed_data(head)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade):
            return None, None  # malformed (aiohttp's 400) or a protocol switch
        if not self._headers_done or self._parser.should_upgrade():
            return None, None
        route = self._connections.routes.get(self._head.url.decode("latin-1"))
        if route is None:
            return None, None
        return route, self._head.check(self._parser.get_method(), self._version,
                                       route.max_body)

    async def _answer(self, route: Route, body: bytes) -> None:
        connections = self._connections
        version, keep_alive = self._version, self._keep_alive
        headers = self._head.multidict()
        host = headers.get("Host")
        request = self._request(route.path, headers, body)
        try:
            try:
                response = await route.handler(request)
                answer = lean_answer.encode(response, version=version, keep_alive=keep_alive,
                                            origin=connections.origin, host=host)
            except web.HTTPException as exc:  # the front door's answer: the exception itself
                keep_alive = keep_alive and exc.keep_alive is not False
                answer = lean_answer.exception(exc, version=version, keep_alive=keep_alive,
                                               origin=connections.origin, host=host)
        except Exception as exc:  # what aiohttp answers a handler's exception with
            status = 504 if isinstance(exc, TimeoutError) else 500
            lean_answer.server_log.exception("Error handling request from %s",
                                             request.remote, exc_info=exc)
            answer = lean_answer.error(status, version=version, origin=connections.origin,
                                       accept=headers.get("Accept", ""), host=host)
            keep_alive = False
        finally:
            self.answering = None
        transport = self._transport
        if transport is None or transport.is_closing():
            return  # the client went away: the handler's work (the record) still stands
        transport.write(answer)
        if not keep_alive or self._closing:
            self._closing = True
            transport.close()
            return
        self._deadline = self._loop.time() + connections.header_timeout
        if self._timer is None:
            self._timer = self._loop.call_at(self._deadline, self._idle_check)
        self._advance()

    def _request(self, path: str, headers: CIMultiDict[str], body: bytes) -> WebRequest:
        transport = self._transport
        origin = self._connections.origin
        seen = CIMultiDictProxy(origin.as_public(headers) if origin.netloc is not None
                                else headers)

        def cookies() -> Mapping[str, str]:
            parsed = parse_cookie_header(seen.get("Cookie", ""))
            return MappingProxyType({name: morsel.value for name, morsel in parsed})

        def peer() -> str | None:
            # Read only when a handler asks (no webhook does); a transport keeps its
            # peer's address after it closes (asyncio's and uvloop's alike).
            return _remote(transport.get_extra_info("peername")) if transport else None

        return WebRequest(method="POST", path=path, headers=seen, query=_NO_QUERY,
                          body=body, params=_NO_PARAMS, peer=peer, cookie_jar=cookies,
                          client_of=self._connections.client_of)

    # the connection's end

    def _idle_check(self) -> None:
        """aiohttp's keep-alive timer: closes a connection that has not sent a whole
        request by the deadline; a connection being answered is checked after it."""
        self._timer = None
        if self._transport is None or self.answering is not None:
            return
        if self._loop.time() < self._deadline:
            self._timer = self._loop.call_at(self._deadline, self._idle_check)
            return
        self.abort()

    def close(self) -> None:
        """Take no more requests; close now when idle, else after the answer."""
        self._closing = True
        if self.answering is None:
            self.abort()

    def abort(self) -> None:
        self._closing = True
        if self._transport is not None:
            self._transport.close()

    def _hand_over(self) -> None:
        """From now on aiohttp serves this connection, starting with the buffer."""
        transport = self._transport
        if transport is None:
            return
        self._connections.open.discard(self)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._paused:
            self._paused = False
            transport.resume_reading()
        handler = self._connections.aiohttp_handler()
        self._transport = None
        transport.set_protocol(handler)
        handler.connection_made(transport)
        data, self._buffer = bytes(self._buffer), bytearray()
        if data:
            handler.data_received(data)  # aiohttp answers its own parse errors


def _remote(peername: object) -> str | None:
    """``request.remote`` as aiohttp computes it from the socket's peer."""
    if peername is None:
        return None
    if isinstance(peername, (list, tuple)):
        return str(peername[0])
    return str(peername)
