"""What every fake platform server shares: its aiohttp app served on 127.0.0.1 at a free
port (``base_url`` once started), as an async context manager."""

from __future__ import annotations

import socket
from types import TracebackType
from typing import Self

from aiohttp import web


class LocalServer:
    #: Appended to ``http://127.0.0.1:<port>`` to make ``base_url`` (e.g. ``/v1``).
    url_path = ""
    #: Seconds aiohttp waits for open requests at close.
    shutdown_timeout = 60.0
    _runner: web.AppRunner | None = None
    base_url = ""

    def app(self) -> web.Application:
        raise NotImplementedError

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app(), access_log=None,
                                     shutdown_timeout=self.shutdown_timeout)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(self._runner, sock).start()
        self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}{self.url_path}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()
