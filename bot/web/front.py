"""POSTs to literal paths (the webhooks) answered in front of aiohttp's ``Application``.

A webhook is the one request a web process serves thousands of times a second, and the
``Application`` layer costs it CPU it does not need: the router's resolve, a match info
built and frozen, the middleware chain, and the ``on_response_prepare`` signal that adds
the security headers (about 7% of a webhook's samples, the same share as the whole bare
endpoint's dispatch). ``FrontDoor`` sits where aiohttp's server calls the application:
a ``POST`` whose raw request target is exactly a route's literal path goes straight to
that route's handler, and every other request (another method, a query string, a
percent-encoded or ``{placeholder}`` path, ``Expect: 100-continue``) is handed to the
``Application`` unchanged, so both answer the same: the handler is the same function,
the security headers are added here as the signal would add them, and an exception gets
aiohttp's own error answer (500, or 504 for a ``TimeoutError``) with the headers too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, cast

from aiohttp import hdrs, web

from bot.web.lean import ClientOf, LeanConnections
from bot.web.origin import PublicOrigin
from bot.web.types import Route

#: A route's handler: it takes the request as aiohttp's server made it (no match info).
DirectHandler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]
#: Adds what every answer carries (``bot.web.headers``) to a response about to go out.
Secure = Callable[[web.BaseRequest, web.StreamResponse], None]


class FrontDoor:
    """The server's request handler: ``direct`` (literal path → handler) for POSTs to
    those paths, ``application`` (the ``Application``'s own handler) for the rest."""

    def __init__(self, application: Callable[[web.BaseRequest], Awaitable[web.StreamResponse]],
                 direct: Mapping[str, DirectHandler], secure: Secure) -> None:
        self._application = application
        self._direct = dict(direct)
        self._secure = secure

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        handler = self._direct.get(request.raw_path) if request.method == "POST" else None
        if handler is None or hdrs.EXPECT in request.headers:
            return await self._application(request)
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            # Raised on to aiohttp, which answers with it (returning one is deprecated).
            self._secure(request, exc)
            raise
        except TimeoutError:
            response = request.protocol.handle_error(request, 504)
        except Exception as exc:  # what aiohttp answers a handler's exception with
            response = request.protocol.handle_error(request, 500, exc)
        self._secure(request, response)
        return response


class FrontRunner(web.AppRunner):
    """An ``AppRunner`` whose server calls a ``FrontDoor`` before the application, and
    whose connections start on the lean webhook listener (``bot.web.lean``, through a
    ``LeanSite``), which hands what it does not answer to this server's handlers."""

    def __init__(self, app: web.Application, *, direct: Mapping[str, DirectHandler],
                 secure: Secure, webhooks: Mapping[str, Route], origin: PublicOrigin,
                 client_of: ClientOf | None, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._direct = direct
        self._secure_answer = secure
        self._webhooks = webhooks
        self._origin = origin
        self._client_of = client_of
        self._keepalive_timeout = float(kwargs.get("keepalive_timeout", 75.0))
        self.lean: LeanConnections | None = None
        self._lean_closing: asyncio.Future[None] | None = None

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        server.request_handler = FrontDoor(server.request_handler, self._direct,
                                           self._secure_answer)
        self.lean = LeanConnections(self._webhooks, aiohttp_handler=server,
                                    origin=self._origin, client_of=self._client_of,
                                    header_timeout=self._keepalive_timeout)
        return server

    async def shutdown(self) -> None:
        # aiohttp's own connections have had ``pre_shutdown`` (idle ones closed) and get
        # ``Server.shutdown`` after this; the lean ones get the same, started here and
        # waited for in ``_cleanup_server``, so that both waits run at once: the answers
        # in flight on either get ``shutdown_timeout`` in all, not that twice over.
        if self.lean is not None:
            self.lean.close_idle()
            self._lean_closing = asyncio.ensure_future(
                self.lean.shutdown(self._shutdown_timeout))
        await super().shutdown()

    async def _cleanup_server(self) -> None:
        closing, self._lean_closing = self._lean_closing, None
        if closing is not None:
            await closing
        await super()._cleanup_server()


class LeanSite(web.TCPSite):
    """A ``TCPSite`` listening with the runner's lean connections as the protocol (what
    ``TCPSite.start`` does with the aiohttp server; no TLS: the web role sits behind a
    proxy that terminates it)."""

    async def start(self) -> None:
        await web.BaseSite.start(self)
        lean = cast(FrontRunner, self._runner).lean
        assert lean is not None, "start the runner (setup) before its site"
        self._server = await asyncio.get_running_loop().create_server(
            lean, self._host, self._port, backlog=self._backlog,
            reuse_address=self._reuse_address, reuse_port=self._reuse_port)
        sockets = self._server.sockets
        self._bound_port = sockets[0].getsockname()[1] if sockets else self._port


def is_literal(path: str) -> bool:
    """True when ``path`` has no ``{placeholder}`` (it names one exact target)."""
    return "{" not in path
