"""An HTTP/1.1 server on 127.0.0.1 whose answers a test writes byte by byte: what a
well-behaved framework never sends (a close before any answer, a chunked answer split
across writes, a body until the close) is what a client must survive. TLS with ``ssl``.

``answer(request)`` gives the pieces to write (each one written and drained apart) and
whether to keep the connection; None closes the connection without a byte of answer.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Self


@dataclass(frozen=True)
class Received:
    head: bytes
    body: bytes
    #: Which connection (1, 2, ... in order of opening) and which request on it (1, ...).
    connection: int
    nth: int

    def header(self, name: str) -> str | None:
        for line in self.head.decode("latin-1").split("\r\n")[1:]:
            key, _, value = line.partition(":")
            if key.strip().lower() == name.lower():
                return value.strip()
        return None


@dataclass(frozen=True)
class Answer:
    pieces: Sequence[bytes]
    keep: bool = True


Answering = Callable[[Received], Awaitable[Answer | None]]

NO_CONTENT = b"HTTP/1.1 204 No Content\r\n\r\n"


async def no_content(request: Received) -> Answer | None:
    return Answer([NO_CONTENT])


class RawHttpServer:
    def __init__(self, answer: Answering = no_content, *,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.answer = answer
        self.ssl_context = ssl_context
        self.received: list[Received] = []
        self.connections = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    def url(self, path: str = "/events", host: str = "127.0.0.1") -> str:
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{host}:{self.port}{path}"

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0,
                                                  ssl=self.ssl_context)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        assert self._server is not None
        self._server.close()
        for handler in list(self._handlers):
            handler.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self.connections += 1
        connection, nth = self.connections, 0
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                nth += 1
                request = Received(head, b"", connection, nth)
                length = int(request.header("Content-Length") or 0)
                request = Received(head, await reader.readexactly(length), connection, nth)
                self.received.append(request)
                answer = await self.answer(request)
                if answer is None:
                    return
                for piece in answer.pieces:
                    writer.write(piece)
                    await writer.drain()
                if not answer.keep:
                    return
        finally:
            self._handlers.discard(task)
            writer.close()
