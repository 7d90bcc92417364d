"""A reference below the bare endpoint: the same HMAC check behind a minimal
``asyncio.Protocol`` (no aiohttp), to show what aiohttp's own HTTP machinery costs per
webhook: ``python -m bench.http_ab --raw`` runs it beside bare in every round.

It is a measuring stick, not a server: it reads ``Content-Length`` bodies only (no
chunked bodies, no limits, no timeouts, no keep-alive rules), so it does far less than
the bare endpoint and the web role must do; what it shows is how much of the bare
endpoint's CPU is HTTP plumbing rather than the check itself.
"""

from __future__ import annotations

import asyncio

from connectors.meta.webhook import SIGNATURE_HEADER, signature_valid

_OK = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
       b"Content-Length: 2\r\n\r\nok")
_FORBIDDEN = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"
_HEADER = SIGNATURE_HEADER.lower()


class RawWebhookProtocol(asyncio.Protocol):
    """Kept-alive requests on one connection, each answered 200 when its body is signed."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while (end := self._buffer.find(b"\r\n\r\n")) >= 0:
            lines = self._buffer[:end].decode("latin-1").split("\r\n")[1:]
            headers = {name.strip().lower(): value.strip()
                       for name, _, value in (line.partition(":") for line in lines)}
            start = end + 4
            stop = start + int(headers.get("content-length", "0"))
            if len(self._buffer) < stop:
                return
            body, self._buffer = self._buffer[start:stop], self._buffer[stop:]
            signed = signature_valid(self._secret, body, headers.get(_HEADER))
            assert self._transport is not None
            self._transport.write(_OK if signed else _FORBIDDEN)


async def serve(port: int, secret: bytes) -> asyncio.Server:
    loop = asyncio.get_running_loop()
    return await loop.create_server(lambda: RawWebhookProtocol(secret), "127.0.0.1", port)
