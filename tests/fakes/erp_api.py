"""A fake ERP's catalogue endpoint on 127.0.0.1: ``GET /catalogue`` answers the document
with an ``ETag`` and ``Last-Modified``, and 304 when the caller's ``If-None-Match`` names
the current one (it never sends the body again then). A test changes ``document`` (or sets
``raw`` to serve bytes as they are, e.g. bad data), or ``status`` to make it fail."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from aiohttp import web

from tests.fakes.local_server import LocalServer

LAST_MODIFIED = "Tue, 01 Dec 2026 10:00:00 GMT"


class FakeERP(LocalServer):
    def __init__(self, document: dict[str, Any], *, token: str | None = None) -> None:
        self.document: dict[str, Any] = document
        self.raw: bytes | None = None
        #: Answer this instead (a 503: the ERP is down).
        self.status: int | None = None
        #: The bearer token the endpoint demands, if any.
        self.token = token
        #: (If-None-Match sent, status answered) of every request.
        self.requests: list[tuple[str | None, int]] = []

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/catalogue", self._catalogue)
        return app

    def body(self) -> bytes:
        return self.raw if self.raw is not None else json.dumps(self.document).encode()

    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body()).hexdigest()[:16] + '"'

    async def _catalogue(self, request: web.Request) -> web.Response:
        sent = request.headers.get("If-None-Match")
        answer = self._answer(request, sent)
        self.requests.append((sent, answer.status))
        return answer

    def _answer(self, request: web.Request, sent: str | None) -> web.Response:
        if self.token is not None and request.headers.get("Authorization") != \
                f"Bearer {self.token}":
            return web.Response(status=401)
        if self.status is not None:
            return web.Response(status=self.status)
        headers = {"ETag": self.etag(), "Last-Modified": LAST_MODIFIED}
        if sent == self.etag():
            return web.Response(status=304, headers=headers)
        return web.Response(body=self.body(), headers=headers,
                            content_type="application/json")
