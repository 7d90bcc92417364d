"""The web chat connector: a websocket per browser tab, visitors recognised by a signed
token, replies queued in the store while the visitor is away and delivered on return.

Protocol (JSON text frames), browser → server: ``hello {token, locale}``,
``message {id, text}``, ``choice {id, payload, title}``; server → browser:
``welcome {token, visitor}``, ``ack {id}`` (the message is recorded), ``message {id, kind,
...}``, ``typing``, ``error {message}``. Client ids are the dedupe keys, so a browser may
resend after a reconnect without a second effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bot.errors import BotError, StoreError
from bot.messages import (
    Choices,
    File,
    Identity,
    Image,
    Inbound,
    Outbound,
    SenderHint,
    Text,
    Typing,
)
from bot.web.types import (
    AnyRoute,
    Route,
    StaticRoute,
    WebRequest,
    WebResponse,
    WebSocket,
    WebSocketRoute,
)
from connectors.base import BaseConnector, Capabilities, ConnectorContext, SendReceipt
from connectors.webchat import tokens
from connectors.webchat.settings import WebChatSettings

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
MAX_TEXT = 2000
PENDING_TTL = 7 * 24 * 3600
PENDING_MAX = 200


class WebChatConnector(BaseConnector):
    channel = "webchat"
    capabilities = Capabilities(max_text_length=4000, max_buttons=12, button_title_length=60,
                                images=True, files=True, typing=True)

    def __init__(self, *, name: str = "webchat", settings: WebChatSettings | None = None) -> None:
        super().__init__(name=name)
        self.settings = settings or WebChatSettings()
        self._context: ConnectorContext | None = None
        self._secret: bytes | None = None
        self._sockets: dict[str, set[WebSocket]] = defaultdict(set)
        self._listener: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(cls, name: str, settings: WebChatSettings) -> WebChatConnector:
        return cls(name=name, settings=settings)

    def routes(self) -> Sequence[AnyRoute]:
        routes: list[AnyRoute] = [
            WebSocketRoute("/webchat", self._session),
            StaticRoute("/webchat/static", str(STATIC)),
        ]
        if self.settings.page:
            routes.append(Route("GET", "/", self._page))
        return routes

    async def start(self, context: ConnectorContext) -> None:
        self._context = context
        configured = self.settings.secret
        if configured is not None:
            self._secret = configured.get_secret_value().encode()
        else:
            generated = tokens.new_visitor_id() + tokens.new_visitor_id()
            self._secret = (await context.state.put_if_absent("secret", generated)).encode()
        if context.receive:
            self._listener = asyncio.create_task(self._listen(context), name="webchat-notify")

    def continue_link(self, code: str) -> str | None:
        if self._context is None or not self._context.public_url:
            return None
        return f"{self._context.public_url.rstrip('/')}/?link={code}"

    async def _page(self, request: WebRequest) -> WebResponse:
        html = (STATIC / "index.html").read_bytes()
        return WebResponse(status=200, body=html, content_type="text/html",
                           headers={"Cache-Control": "no-cache"})

    # -- receiving ------------------------------------------------------------------------

    def parse(self, update: Mapping[str, Any]) -> list[Inbound]:
        """One browser frame (with the verified ``visitor`` added) → inbound messages."""
        kind = update.get("type")
        visitor = str(update.get("visitor") or "")
        message_id = update.get("id")
        if kind not in ("message", "choice") or not visitor or not isinstance(message_id, str):
            return []
        if not 0 < len(message_id) <= 100:
            return []
        identity = Identity(channel=self.channel, account=self.account, user_id=visitor)
        sender = SenderHint(locale=_str(update.get("locale")))
        if kind == "choice":
            payload = _str(update.get("payload"))
            if payload is None:
                return []
            return [Inbound(identity=identity, message_id=message_id, payload=payload[:1000],
                            text=_str(update.get("title")), sender=sender, raw=update)]
        text = (_str(update.get("text")) or "").strip()[:MAX_TEXT]
        if not text:
            return []
        return [Inbound(identity=identity, message_id=message_id, text=text, sender=sender,
                        raw=update)]

    async def _session(self, ws: WebSocket) -> None:
        context, secret = self._context, self._secret
        if context is None or secret is None:
            await ws.close()
            return
        visitor: str | None = None
        locale: str | None = None
        budget = _RateBudget(self.settings.rate_per_minute)
        try:
            while (raw := await ws.receive_text()) is not None:
                frame = _decode(raw)
                if frame is None:
                    await _send(ws, {"type": "error", "message": "frames must be JSON objects"})
                    continue
                if frame.get("type") == "hello":
                    if visitor is not None:
                        continue
                    locale = _str(frame.get("locale"))
                    visitor = tokens.verify(secret, _str(frame.get("token")))
                    visitor = visitor or tokens.new_visitor_id()
                    self._sockets[visitor].add(ws)
                    await _send(ws, {"type": "welcome", "visitor": visitor,
                                     "token": tokens.sign(secret, visitor)})
                    await self._flush_pending(visitor, ws)
                    continue
                if visitor is None:
                    await _send(ws, {"type": "error", "message": "say hello first"})
                    continue
                if not budget.take():
                    await _send(ws, {"type": "error", "message": "slow down a little"})
                    continue
                messages = self.parse({**frame, "visitor": visitor, "locale": locale})
                if not messages:
                    await _send(ws, {"type": "error", "message": "message not understood"})
                    continue
                try:
                    await context.sink(messages)
                except StoreError:
                    log.warning("web chat message not recorded: store unavailable")
                    await _send(ws, {"type": "error", "message": "not delivered, retrying"})
                    # Closing makes the browser reconnect (with back-off) and resend what was
                    # not acknowledged, with the same ids: nothing is lost, nothing doubled.
                    await ws.close()
                    return
                await _send(ws, {"type": "ack", "id": messages[0].message_id})
        except (ConnectionError, RuntimeError) as exc:
            log.debug("web chat socket ended: %s", exc)
        finally:
            if visitor is not None:
                self._sockets[visitor].discard(ws)
                if not self._sockets[visitor]:
                    del self._sockets[visitor]

    async def _flush_pending(self, visitor: str, ws: WebSocket) -> None:
        assert self._context is not None
        for item in await self._context.state.take_all(f"pending:{visitor}"):
            await ws.send_text(item)

    async def _listen(self, context: ConnectorContext) -> None:
        """Replies produced in another process (a worker) wait in the visitor's mailbox;
        the process that holds the visitor's socket is told, and delivers them."""
        while True:  # the loop's boundary: resubscribe after store failures
            try:
                async for visitor in context.state.listen("notify"):
                    for ws in list(self._sockets.get(visitor, ())):
                        await self._flush_pending(visitor, ws)
                        break
            except (StoreError, ConnectionError, RuntimeError) as exc:
                log.warning("web chat notifications interrupted: %s", exc)
                await asyncio.sleep(1)

    # -- sending --------------------------------------------------------------------------

    async def send(self, to: Identity, message: Outbound, *, key: str = "") -> SendReceipt:
        frame = json.dumps(_frame(message, key or f"m{time.time_ns()}"), ensure_ascii=False)
        sockets = list(self._sockets.get(to.user_id, ()))
        delivered = False
        for ws in sockets:
            try:
                await ws.send_text(frame)
                delivered = True
            except (ConnectionError, RuntimeError):
                self._sockets[to.user_id].discard(ws)
        if not delivered and not isinstance(message, Typing):
            if self._context is None:
                raise BotError("web chat connector is not started")
            # Kept until the visitor is back; whichever process has their socket now (if
            # any) is told to deliver it.
            await self._context.state.append(f"pending:{to.user_id}", frame,
                                             ttl_seconds=PENDING_TTL, max_items=PENDING_MAX)
            await self._context.state.publish("notify", to.user_id)
        return SendReceipt(platform_message_id=key or None)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        sockets = [ws for group in self._sockets.values() for ws in group]
        self._sockets.clear()
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


def _frame(message: Outbound, message_id: str) -> dict[str, Any]:
    if isinstance(message, Typing):
        return {"type": "typing"}
    frame: dict[str, Any] = {"type": "message", "id": message_id, "kind": message.kind}
    if isinstance(message, Text):
        frame["text"] = message.text
    elif isinstance(message, Choices):
        frame["text"] = message.text
        frame["choices"] = [{"payload": c.payload, "title": c.title} for c in message.choices]
    elif isinstance(message, Image):
        frame.update(url=message.url, caption=message.caption)
    elif isinstance(message, File):
        frame.update(url=message.url, name=message.name, caption=message.caption)
    else:
        frame.update(kind="text", text=getattr(message, "text", ""))
    return frame


def _decode(raw: str) -> dict[str, Any] | None:
    if len(raw) > 16_000:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


async def _send(ws: WebSocket, frame: dict[str, Any]) -> None:
    await ws.send_text(json.dumps(frame, ensure_ascii=False))


class _RateBudget:
    """A token bucket: ``per_minute`` messages, refilled continuously."""

    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.tokens = float(per_minute)
        self.rate = per_minute / 60.0
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
