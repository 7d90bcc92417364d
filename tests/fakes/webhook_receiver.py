"""A fake webhook endpoint on 127.0.0.1: checks every request's signature with the
documented algorithm (``bot.webhooks.signing.verify``), records what arrives in arrival
order (the events of a batched request one by one), and can be told to fail (500) or to
hang."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from aiohttp import web

from bot.webhooks.signing import HEADER, verify
from tests.fakes.local_server import LocalServer


class FakeReceiver(LocalServer):
    def __init__(self, secret: str) -> None:
        self.secret = secret
        #: Every accepted event, in arrival order (duplicates included).
        self.received: list[dict[str, Any]] = []
        #: Requests answered 500 / refused for a bad signature / hung.
        self.failed = 0
        self.forged = 0
        self.hanging = 0
        #: Each accepted request: its URL's ``s`` query (which subscription) and how many
        #: events it carried (a batch, ``{"events": [...]}``, or one event).
        self.requests: list[tuple[str, int]] = []
        #: Answer 500 until this time (``time.monotonic``).
        self.fail_until = 0.0
        #: Hang every request (never answer) while set.
        self.hang = False
        #: Set once a request hangs: the sender is stuck on this endpoint from then on.
        self.hung = asyncio.Event()
        self._arrived = asyncio.Condition()

    url_path = "/events"
    shutdown_timeout = 0.1

    @property
    def url(self) -> str:
        """Where the subscription posts its events."""
        return self.base_url

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/events", self._post)
        return app

    async def close(self) -> None:
        self.hang = False
        await super().close()

    def ids(self) -> set[str]:
        return {event["id"] for event in self.received}

    async def wait_for(self, count: int, *, timeout: float = 30.0) -> None:
        """Until ``count`` distinct event ids have arrived."""
        async with asyncio.timeout(timeout), self._arrived:
            await self._arrived.wait_for(lambda: len(self.ids()) >= count)

    async def wait_failed(self, count: int = 1, *, timeout: float = 30.0) -> None:
        """Until ``count`` requests have been answered 500 (``fail_until``)."""
        async with asyncio.timeout(timeout), self._arrived:
            await self._arrived.wait_for(lambda: self.failed >= count)

    async def _post(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not verify(self.secret, body, request.headers.get(HEADER, "")):
            self.forged += 1
            return web.Response(status=400, text="bad signature")
        if self.hang:
            self.hanging += 1
            self.hung.set()
            await asyncio.Event().wait()  # until the client gives up (its timeout)
        if time.monotonic() < self.fail_until:
            async with self._arrived:
                self.failed += 1
                self._arrived.notify_all()
            return web.Response(status=500)
        parsed = json.loads(body)
        if "events" in parsed:  # a batching subscription's envelope
            events = parsed["events"]
            assert request.headers["Omnicanal-Event-Count"] == str(len(events))
        else:
            events = [parsed]
            assert request.headers["Omnicanal-Event-Id"] == parsed["id"]
        async with self._arrived:
            self.requests.append((request.query.get("s", ""), len(events)))
            self.received.extend(events)
            self._arrived.notify_all()
        return web.Response(status=204)
