"""The event deliverer's HTTP client: POSTs over kept-alive HTTP/1.1 connections, a pool
per endpoint (scheme, host, port), and nothing else a webhook does not need.

What it does, as aiohttp's client did for the deliverer before: TLS with certificates
and host names verified (``ssl.create_default_context()``, or the context given), one
timeout for the whole request, connect included, credentials in the URL as Basic
authentication, an answer with a length, chunked or until the close, ``Connection:
close``. What it does not: follow redirects (a 3xx is the endpoint's answer, so a
failure: point the subscription at the final URL), proxies, cookies, compression.

A kept-alive connection the server closed while it sat idle fails the next request
before any byte of an answer; only then is the request sent once more, on a new
connection. It may still reach the endpoint twice (a server that handled it and closed
without answering); events are delivered at least once anyway, receivers dedupe by id.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
import time
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote, unquote, urlsplit

from bot.errors import EndpointError
from bot.webhooks.http_connection import Connection, Unanswered

#: Idle connections older than this are closed rather than used (servers drop theirs,
#: nginx after 75 s, Node after 5; aiohttp's client keeps its own 15 s).
IDLE_SECONDS: Final = 15.0
_PATH_SAFE: Final = "/%!$&'()*+,;=:@-._~"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A URL, parsed once: where to connect and the request's first lines."""

    secure: bool
    host: str
    port: int
    #: ``POST <target> HTTP/1.1``, ``Host``, ``User-Agent`` (and ``Authorization``).
    head: bytes

    @property
    def key(self) -> tuple[bool, str, int]:
        return self.secure, self.host, self.port

    @classmethod
    def of(cls, url: str, user_agent: str) -> Endpoint:
        """``url`` parsed; ``EndpointError`` when it is not one to post to (a delivery
        failure like any other: it shows in the dead letters)."""
        try:
            parts = urlsplit(url)
            secure = parts.scheme == "https"
            port = parts.port or (443 if secure else 80)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError("it needs http:// or https:// and a host")
            host = parts.hostname.encode("idna").decode("ascii")
        except (ValueError, UnicodeError) as exc:
            raise EndpointError(f"cannot post to {url!r}: {exc}; fix the subscription's "
                                "url") from exc
        named = f"[{host}]" if ":" in host else host
        authority = named if port == (443 if secure else 80) else f"{named}:{port}"
        target = quote(parts.path or "/", safe=_PATH_SAFE)
        if parts.query:
            target += "?" + quote(parts.query, safe=_PATH_SAFE + "?")
        lines = [f"POST {target} HTTP/1.1", f"Host: {authority}", f"User-Agent: {user_agent}"]
        if parts.username is not None:
            pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            lines.append(f"Authorization: Basic {base64.b64encode(pair.encode()).decode()}")
        return cls(secure, host, port, ("\r\n".join(lines) + "\r\n").encode())


class WebhookClient:
    """POSTs to webhook endpoints; ``close`` when done (or ``async with``)."""

    def __init__(self, *, user_agent: str = "Omnicanal-Webhooks/1",
                 ssl_context: ssl.SSLContext | None = None, max_idle: int = 16,
                 idle_seconds: float = IDLE_SECONDS) -> None:
        self.user_agent = user_agent
        self.max_idle = max_idle
        self.idle_seconds = idle_seconds
        #: Connections opened so far (a figure for tests and the bench: reuse shows).
        self.connections_opened = 0
        self._ssl = ssl_context
        self._endpoints: dict[str, Endpoint] = {}
        self._idle: dict[tuple[bool, str, int], list[Connection]] = {}

    async def __aenter__(self) -> WebhookClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def post(self, url: str, body: bytes, headers: dict[str, str], *,
                   timeout: float) -> int:
        """POST ``body`` to ``url``; the answer's status. ``TimeoutError`` when it takes
        over ``timeout`` seconds in all; ``EndpointError`` when the connection or the
        exchange fails."""
        endpoint = self._endpoints.get(url)
        if endpoint is None:
            endpoint = self._endpoints[url] = Endpoint.of(url, self.user_agent)
        fields = "".join([f"{name}: {value}\r\n" for name, value in headers.items()])
        if fields.count("\n") != len(headers):
            raise ValueError(f"a header name or value holds a line break: {headers!r}")
        request = b"".join((endpoint.head, fields.encode(),
                            b"Content-Length: %d\r\n\r\n" % len(body), body))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        idle = self._take_idle(endpoint.key)
        if idle is not None:
            try:
                return await self._exchange(endpoint, idle, request, timeout)
            except Unanswered:
                pass  # closed while idle, most likely: once more, on a new connection
        connection = await self._connect(endpoint, deadline - loop.time())
        return await self._exchange(endpoint, connection, request, deadline - loop.time())

    async def close(self) -> None:
        """Close the idle connections (a request in flight closes its own)."""
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()

    def _take_idle(self, key: tuple[bool, str, int]) -> Connection | None:
        connections = self._idle.get(key)
        while connections:
            connection = connections.pop()  # the most recently used: the least stale
            if not connection.closed and \
                    time.monotonic() - connection.idle_since < self.idle_seconds:
                return connection
            connection.close()
        return None

    async def _exchange(self, endpoint: Endpoint, connection: Connection, request: bytes,
                        timeout: float) -> int:
        if timeout <= 0:
            connection.close()
            raise TimeoutError()
        status = await connection.exchange(request, timeout)
        if connection.reusable:
            idle = self._idle.setdefault(endpoint.key, [])
            if len(idle) < self.max_idle:
                idle.append(connection)
            else:
                connection.close()
        return status

    async def _connect(self, endpoint: Endpoint, timeout: float) -> Connection:
        if timeout <= 0:
            raise TimeoutError()
        context: ssl.SSLContext | None = None
        if endpoint.secure:
            if self._ssl is None:
                self._ssl = ssl.create_default_context()
            context = self._ssl
        loop = asyncio.get_running_loop()
        try:
            _, connection = await asyncio.wait_for(loop.create_connection(
                Connection, endpoint.host, endpoint.port, ssl=context,
                server_hostname=endpoint.host if context is not None else None), timeout)
        except TimeoutError:
            raise
        except ssl.SSLCertVerificationError as exc:
            raise EndpointError(f"the TLS certificate of {endpoint.host}:{endpoint.port} "
                                f"was refused: {exc.verify_message}") from exc
        except OSError as exc:
            raise EndpointError(f"could not connect to {endpoint.host}:{endpoint.port}: "
                                f"{exc}") from exc
        self.connections_opened += 1
        return connection
