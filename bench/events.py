"""Event webhooks in the benchmark: one subscription to a fast local endpoint (an aiohttp
handler on 127.0.0.1 that answers 204), delivered by the real ``EventDeliverer`` in the
same process, on a Redis client of its own: its round trips are not the message path's
(the harness counts the pipeline's), while its CPU and server commands count in full."""

from __future__ import annotations

import asyncio
import contextlib
import socket

from aiohttp import web
from redis.asyncio import Redis

from bot.config.events import EventsSettings
from bot.store.batching import CommandBatcher
from bot.store.hooks import EventOutbox
from bot.store.store import Store
from bot.webhooks.events import BusinessEvents
from bot.webhooks.worker import EventDeliverer

SECRET = "bench-webhook-secret"


class EventsBench:
    """Turns events on in ``store`` and delivers them until ``close``."""

    def __init__(self, store: Store, url: str) -> None:
        self.store = store
        self.redis_url = url
        self.received = 0
        self._runner: web.AppRunner | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._redis: Redis | None = None

    async def start(self) -> None:
        async def receive(request: web.Request) -> web.Response:
            await request.read()
            self.received += 1
            return web.Response(status=204)

        app = web.Application()
        app.router.add_post("/events", receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(self._runner, sock).start()
        settings = EventsSettings(subscriptions=[{
            "url": f"http://127.0.0.1:{sock.getsockname()[1]}/events", "secret": SECRET,
            "name": "bench"}], concurrency=32)
        self.store.enable_events(subscriptions=["bench"], lease_seconds=60,
                                 source=BusinessEvents())
        self._redis = Redis.from_url(self.redis_url)
        outbox = EventOutbox(self._redis, CommandBatcher(self._redis), self.store.keys,
                             subscriptions=["bench"], lease_ms=60_000)
        deliverer = EventDeliverer(outbox=outbox, settings=settings, poll_seconds=0.05)
        self._task = asyncio.create_task(deliverer.run(self._stop))

    async def close(self) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._runner is not None:
            await self._runner.cleanup()
        if self._redis is not None:
            await self._redis.aclose()
