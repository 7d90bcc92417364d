"""Live updates for consoles: one Redis subscription per process, fanned out to every
operator websocket of this process, so changes made by any process reach every console.

Each frame goes only to those who may see it (a plain operator hears of queued
conversations and their own, a supervisor of all), and only while the socket's login
lasts: the session is re-checked before each frame, and a logout anywhere closes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.errors import StoreError
from bot.operator.auth import Caller
from bot.store.handoff import HandoffQueue
from bot.web.types import WebSocket

log = logging.getLogger(__name__)

#: Whether a console session still exists (``OperatorAuth.session_alive``).
SessionCheck = Callable[[str], Awaitable[bool]]
ENDED = "session_ended"


class LiveHub:
    def __init__(self, queue: HandoffQueue,
                 session_alive: SessionCheck | None = None) -> None:
        self.queue = queue
        self.session_alive = session_alive
        self._sockets: dict[WebSocket, Caller] = {}
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

    def join(self, ws: WebSocket, caller: Caller) -> None:
        self._sockets[ws] = caller

    async def leave(self, ws: WebSocket) -> None:
        caller = self._sockets.pop(ws, None)
        if caller is not None and caller.account.id not in (
                c.account.id for c in self._sockets.values()):
            with contextlib.suppress(StoreError):
                await self.queue.offline(caller.account.id)

    async def session_ended(self, session_id: str | None) -> None:
        """Close this login's sockets here, and tell the other processes to close theirs
        (by a digest: the channel never carries a usable session id)."""
        if session_id is None:
            return
        tag = _tag(session_id)
        await self._close_session(tag)
        await self.queue.publish({"type": ENDED, "session": tag})

    async def _close_session(self, tag: str) -> None:
        ended = [ws for ws, caller in self._sockets.items()
                 if caller.session_id is not None and _tag(caller.session_id) == tag]
        for ws in ended:
            await self._drop(ws)

    async def _listen(self) -> None:
        while True:  # the loop's boundary: reconnect after store failures
            try:
                async for message in self.queue.listen():
                    await self._broadcast(message)
            except StoreError as exc:
                log.warning("live updates interrupted: %s; reconnecting", exc)
                await asyncio.sleep(1)

    async def _broadcast(self, data: str) -> None:
        frame = json.loads(data)  # only well-formed frames are relayed
        if not isinstance(frame, dict):
            return
        if frame.get("type") == ENDED:
            await self._close_session(str(frame.get("session")))
            return
        for ws, caller in list(self._sockets.items()):
            shown = _shown(frame, caller)
            if shown is None:
                continue
            if not await self._still_logged_in(caller):
                await self._drop(ws)
                continue
            try:
                await ws.send_text(shown)
            except (ConnectionError, RuntimeError):
                await self.leave(ws)

    async def _still_logged_in(self, caller: Caller) -> bool:
        if caller.session_id is None or self.session_alive is None:
            return True  # a bearer token lives as long as the config
        try:
            return await self.session_alive(caller.session_id)
        except StoreError:
            return False  # cannot tell: the console reconnects and re-authenticates

    async def _drop(self, ws: WebSocket) -> None:
        await self.leave(ws)
        with contextlib.suppress(ConnectionError, RuntimeError):
            await ws.close()


def _shown(frame: dict[str, Any], caller: Caller) -> str | None:
    """The frame as this caller may see it, or None. Conversation and typing frames carry
    who may see them (``queued``, ``operators``); that is stripped before it reaches a
    console."""
    kind = frame.get("type")
    if kind not in ("conversation", "typing"):
        return json.dumps(frame)
    public = {"type": kind, "customer_id": frame.get("customer_id")}
    if caller.supervisor or frame.get("queued") \
            or caller.account.id in (frame.get("operators") or []):
        return json.dumps(public)
    return None


def _tag(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()[:32]
