"""Live updates for consoles: one Redis subscription per process, fanned out to every
operator websocket of this process, so changes made by any process reach every console."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.handoff.queue import HandoffQueue
from bot.store.client import pubsub
from bot.web.types import WebSocket

log = logging.getLogger(__name__)


class LiveHub:
    def __init__(self, redis: Redis, queue: HandoffQueue) -> None:
        self.redis = redis
        self.queue = queue
        self._sockets: dict[WebSocket, str] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="operator-live")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        sockets = list(self._sockets)
        self._sockets.clear()
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)

    def join(self, ws: WebSocket, operator: str) -> None:
        self._sockets[ws] = operator

    async def leave(self, ws: WebSocket) -> None:
        operator = self._sockets.pop(ws, None)
        if operator is not None and operator not in self._sockets.values():
            with contextlib.suppress(RedisError, OSError):
                await self.queue.offline(operator)

    async def _listen(self) -> None:
        while True:  # the loop's boundary: reconnect after store failures
            try:
                async with await pubsub(self.redis) as subscription:
                    await subscription.subscribe(self.queue.live_channel)
                    async for message in subscription.listen():
                        if message.get("type") == "message":
                            await self._broadcast(message["data"])
            except (RedisError, OSError) as exc:
                log.warning("live updates interrupted: %s; reconnecting", exc)
                await asyncio.sleep(1)

    async def _broadcast(self, data: bytes | str) -> None:
        text = data.decode() if isinstance(data, bytes) else data
        json.loads(text)  # only well-formed frames are relayed
        for ws in list(self._sockets):
            try:
                await ws.send_text(text)
            except (ConnectionError, RuntimeError):
                await self.leave(ws)
