"""Framework-neutral HTTP and websocket shapes that connectors use to declare routes.

Connectors never see aiohttp: they get a ``WebRequest`` (raw body bytes, so signatures
are checked over exactly what arrived) and answer a ``WebResponse``; the one HTTP server
in ``bot.web.server`` adapts them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol


def _nobody() -> str | None:
    return None


def _no_cookies() -> Mapping[str, str]:
    return {}


@dataclass(frozen=True, slots=True)
class WebRequest:
    method: str
    path: str
    #: Looked up through ``header()``, whose name is case-insensitive.
    headers: Mapping[str, str]
    query: Mapping[str, str]
    body: bytes = b""
    #: Values of ``{name}`` placeholders in the route's path.
    params: Mapping[str, str] = field(default_factory=dict)
    #: Where ``remote`` and ``cookies`` come from, read only when a handler asks: most
    #: never do (no webhook does), and reading them costs more than the rest of the request.
    peer: Callable[[], str | None] = field(default=_nobody, repr=False)
    cookie_jar: Callable[[], Mapping[str, str]] = field(default=_no_cookies, repr=False)
    #: How the server works out ``client`` (believing our own proxies' forwarded address).
    client_of: Callable[[WebRequest], str | None] | None = field(default=None, repr=False)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def remote(self) -> str | None:
        """The client's address (the nearest hop: a proxy's, behind one)."""
        return self.peer()

    @property
    def client(self) -> str | None:
        """The client's address: behind one of our proxies (``server.trusted_proxies``),
        the one it forwarded; else the peer's."""
        return self.client_of(self) if self.client_of is not None else self.remote

    @property
    def cookies(self) -> Mapping[str, str]:
        return self.cookie_jar()


@dataclass(frozen=True, slots=True)
class WebResponse:
    status: int = 200
    body: bytes | str = b""
    content_type: str = "text/plain"
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def text(cls, status: int, text: str) -> WebResponse:
        return cls(status=status, body=text, content_type="text/plain")


class WebSocket(Protocol):
    """One open websocket, as a connector sees it."""

    request: WebRequest

    async def receive_text(self) -> str | None:
        """The next text frame, or None once the peer has gone."""

    async def send_text(self, text: str) -> None: ...

    async def close(self) -> None: ...


HttpHandler = Callable[[WebRequest], Awaitable[WebResponse]]
WebSocketHandler = Callable[[WebSocket], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Route:
    """An HTTP route a component serves on the one server."""

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "*"]
    path: str
    handler: HttpHandler
    #: Bodies larger than this are refused with 413 before the handler runs.
    max_body: int = 1024 * 1024


@dataclass(frozen=True, slots=True)
class WebSocketRoute:
    path: str
    handler: WebSocketHandler


@dataclass(frozen=True, slots=True)
class StaticRoute:
    prefix: str
    directory: str


AnyRoute = Route | WebSocketRoute | StaticRoute
