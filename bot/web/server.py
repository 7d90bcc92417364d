"""The one HTTP server: adapts framework-neutral routes to aiohttp.

Connectors and the core declare ``Route``, ``WebSocketRoute`` and ``StaticRoute``; this
module is the only place that knows aiohttp's server types.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import cast

from aiohttp import WSCloseCode, WSMsgType, web
from multidict import CIMultiDict, CIMultiDictProxy

from bot.web.front import DirectHandler, FrontRunner, LeanSite, is_literal
from bot.web.headers import add_security_headers
from bot.web.lean import ClientOf
from bot.web.origin import PublicOrigin
from bot.web.types import AnyRoute, Route, StaticRoute, WebRequest, WebSocketRoute

log = logging.getLogger(__name__)

AiohttpHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: Seconds to let a client finish sending a body we answered without reading (413, 408).
LINGER = 1.0



def _to_request(request: web.BaseRequest, body: bytes, origin: PublicOrigin,
                client_of: ClientOf | None = None, *, routed: bool = True) -> WebRequest:
    # aiohttp's own read-only views, not copies (header lookups are case-insensitive);
    # the peer's address and the cookies are looked up only if the handler asks.
    headers: Mapping[str, str] = request.headers
    if origin.netloc is not None:
        headers = CIMultiDictProxy(origin.as_public(CIMultiDict(request.headers)))
    return WebRequest(
        method=request.method,
        path=request.path,
        headers=headers,
        query=request.query,
        body=body,
        # A literal path answered in front of the router has no match info (nor params).
        params=request.match_info if routed and isinstance(request, web.Request) else {},
        peer=lambda: request.remote,
        cookie_jar=lambda: request.cookies,
        client_of=client_of,
    )


async def _read_body(request: web.BaseRequest, limit: int) -> bytes | None:
    """The whole body, or None as soon as it is larger than ``limit``.

    Read to the end: a body may arrive in several pieces (chunked, or a slow client), and
    a handler that got only the first would check a signature over part of it."""
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks = []
    size = 0
    while chunk := await request.content.readany():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _arrived_body(request: web.BaseRequest, limit: int) -> bytes | None:
    """The body of a request whose body has all arrived (``request.content.is_eof()``: a
    webhook's usually has, with its headers); None when larger than ``limit``. Nothing is
    left to wait for, so no timer is armed: a timeout costs more CPU than the reading."""
    length = request.content_length  # parsed from the header on each read
    if length is not None and length > limit:
        return None
    body = request.content.read_nowait()
    return body if len(body) <= limit else None


class _AiohttpWebSocket:
    def __init__(self, ws: web.WebSocketResponse, request: WebRequest) -> None:
        self._ws = ws
        self.request = request

    async def receive_text(self) -> str | None:
        while True:
            message = await self._ws.receive()
            if message.type == WSMsgType.TEXT:
                return cast(str, message.data)
            if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED,
                                WSMsgType.ERROR):
                return None
            # binary frames are ignored: the protocol is JSON text

    async def send_text(self, text: str) -> None:
        await self._ws.send_str(text)

    async def close(self) -> None:
        await self._ws.close()


class WebServer:
    """Serves every route on one host and port.

    Slow clients are bounded: a connection must send a request's headers within
    ``header_timeout`` of opening (or of its last answer; an idle keep-alive connection
    is closed then too) and its body within ``body_timeout`` (else 408). Websocket
    upgrades from another origin than ours are refused (403) before any handler runs.
    POSTs to literal paths (the webhooks) are answered before aiohttp parses them
    (``bot.web.lean``) when they came whole, else in front of the ``Application``
    (``bot.web.front``): its middlewares and router do not see them.
    """

    def __init__(self, *, host: str, port: int, routes: Iterable[AnyRoute],
                 public_url: str | None = None, header_timeout: float = 15.0,
                 body_timeout: float = 10.0, client_of: ClientOf | None = None,
                 shutdown_timeout: float = 5.0) -> None:
        self.host = host
        self.port = port
        self.origin = PublicOrigin.from_url(public_url)
        self.header_timeout = header_timeout
        self.body_timeout = body_timeout
        #: Seconds the answers in flight get to finish when the server closes.
        self.shutdown_timeout = shutdown_timeout
        self.client_of = client_of
        self.app = web.Application(client_max_size=1024 * 1024)
        self.app.on_response_prepare.append(self._secure)
        #: The websockets open now: closed (1001, going away) when the server closes.
        self._sockets: set[web.WebSocketResponse] = set()
        self.app.on_shutdown.append(self._going_away)
        #: POSTs to literal paths (the webhooks), answered before the Application's router.
        self._direct: dict[str, DirectHandler] = {}
        #: The same routes, answered by the lean listener (``bot.web.lean``).
        self._webhooks: dict[str, Route] = {}
        for route in routes:
            self.add(route)
        self._runner: web.AppRunner | None = None

    def add(self, route: AnyRoute) -> None:
        router = self.app.router
        if isinstance(route, Route):
            router.add_route(route.method, route.path, self._http(route))
            if route.method == "POST" and is_literal(route.path):
                self._direct[route.path] = self._http(route, routed=False)
                self._webhooks[route.path] = route
        elif isinstance(route, WebSocketRoute):
            router.add_get(route.path, self._websocket(route))
        elif isinstance(route, StaticRoute):
            router.add_static(route.prefix, route.directory, follow_symlinks=False)

    def _request(self, request: web.BaseRequest, body: bytes, *, routed: bool = True) -> WebRequest:
        return _to_request(request, body, self.origin, self.client_of, routed=routed)

    async def _secure(self, request: web.Request, response: web.StreamResponse) -> None:
        self._add_headers(request, response)

    def _add_headers(self, request: web.BaseRequest, response: web.StreamResponse) -> None:
        content_type = response.content_type
        # Only a page's policy names the host (every webhook's answer is plain text).
        host = request.headers.get("Host") if content_type == "text/html" else None
        add_security_headers(response.headers, content_type=content_type,
                             origin=self.origin, host_header=host)

    def _http(self, route: Route, *, routed: bool = True) -> DirectHandler:
        async def handle(request: web.BaseRequest) -> web.StreamResponse:
            if request.content.is_eof():
                body = _arrived_body(request, route.max_body)
            else:
                try:
                    async with asyncio.timeout(self.body_timeout):
                        body = await _read_body(request, route.max_body)
                except TimeoutError:
                    return web.Response(status=408, text="request body too slow",
                                        headers={"Connection": "close"})
            if body is None:
                return web.Response(status=413, text="request body too large")
            response = await route.handler(self._request(request, body, routed=routed))
            payload = response.body.encode() if isinstance(response.body, str) else (
                response.body)
            return web.Response(status=response.status, body=payload,
                                content_type=response.content_type,
                                headers=response.headers or None)

        return handle

    def _websocket(self, route: WebSocketRoute) -> AiohttpHandler:
        async def handle(request: web.Request) -> web.StreamResponse:
            if not self.origin.allows(request.headers.get("Origin"),
                                      request.headers.get("Host")):
                return web.Response(status=403, text="websocket from another origin refused")
            ws = web.WebSocketResponse(heartbeat=30, max_msg_size=64 * 1024)
            await ws.prepare(request)
            self._sockets.add(ws)
            try:
                await route.handler(_AiohttpWebSocket(ws, self._request(request, b"")))
            finally:
                self._sockets.discard(ws)
            if not ws.closed:
                await ws.close()
            return ws

        return handle

    async def _going_away(self, app: web.Application) -> None:
        """At shutdown, before aiohttp waits for the handlers in flight: a websocket's
        handler waits for its client's next frame, which may never come, so every open
        one would hold the close for the whole ``shutdown_timeout``, then be cancelled.
        Closed first (1001, going away), its handler ends; the client reconnects to
        another process."""
        await asyncio.gather(*(ws.close(code=WSCloseCode.GOING_AWAY,
                                        message=b"server shutting down")
                               for ws in list(self._sockets)), return_exceptions=True)

    async def start(self) -> None:
        # keepalive_timeout is aiohttp's only bound on reading headers: it closes a
        # connection that has not sent a whole request by then (counted from opening, or
        # from the last answer on a kept-alive one).
        self._runner = FrontRunner(self.app, direct=self._direct, secure=self._add_headers,
                                   webhooks=self._webhooks, origin=self.origin,
                                   client_of=self.client_of, access_log=None, handle_signals=False,
                                   shutdown_timeout=self.shutdown_timeout,
                                   keepalive_timeout=self.header_timeout,
                                   lingering_time=LINGER)
        await self._runner.setup()
        site = LeanSite(self._runner, self.host, self.port)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        log.info("HTTP server on http://%s:%d", self.host, self.port)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
