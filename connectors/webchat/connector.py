"""The web chat connector: a websocket per browser tab, visitors recognised by a signed
token, replies queued in the store while the visitor is away and delivered on return.

Protocol (JSON text frames), browser → server: ``hello {token, locale, device?, greet?,
history?}``, ``message {id, text}``, ``choice {id, payload, title}``, ``history``; server →
browser: ``welcome {token, visitor}``, ``ack {id}`` (the message is recorded), ``message
{id, kind, author?, ...}``, ``history`` (``recalling``), ``typing``, ``error {code,
message}`` (``code`` as the HTTP status would be: 400
a bad frame, 429 a limit, 503 the store is down; the socket stays usable unless the server
closes it). Client ids are the dedupe keys, so a browser may resend after a reconnect
without a second effect. Limits: ``limits``; bounds on each field: ``frames``.
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

from bot.channels import (
    BaseConnector,
    Capabilities,
    ConnectorContext,
    SendContext,
    SendReceipt,
)
from bot.channels.render import cut
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
from connectors.webchat import frames, recalling, tokens
from connectors.webchat.limits import VisitorLimits
from connectors.webchat.settings import WebChatSettings

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
MAX_TEXT = 2000
#: The least time between two typing frames of one socket that are looked at.
TYPING_SECONDS = 0.5
PENDING_TTL = 7 * 24 * 3600
PENDING_MAX = 200
#: Seconds between two history frames a socket may ask for (each reads the store).
HISTORY_EVERY = 2.0


class WebChatConnector(BaseConnector):
    capabilities = Capabilities(max_text_length=4000, max_buttons=12, button_title_length=60,
                                images=True, files=True, typing=True)
    settings_model = WebChatSettings

    def __init__(self, *, channel: str = "webchat",
                 settings: WebChatSettings | None = None) -> None:
        super().__init__(channel=channel)
        self.settings = settings or WebChatSettings()
        self._context: ConnectorContext | None = None
        self._secret: bytes | None = None
        self._sockets: dict[str, set[WebSocket]] = defaultdict(set)
        self._listener: asyncio.Task[None] | None = None
        self._limits: VisitorLimits | None = None

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
        self._limits = VisitorLimits(context.state, self.settings)
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
        identity = self._identity(visitor)
        sender = SenderHint(locale=frames.locale(update.get("locale")),
                            address=frames.string(update.get("address")),
                            device=frames.device(update.get("device")))
        if kind == "choice":
            payload = frames.string(update.get("payload"))
            if not payload:  # an empty payload is no choice: nothing to record
                return []
            # The title is only what the visitor's page showed: as long as we ever send one.
            title = frames.string(update.get("title"))
            return [Inbound(identity=identity, message_id=message_id,
                            payload=payload[:frames.MAX_PAYLOAD],
                            text=cut(title, self.capabilities.button_title_length)
                            if title else None, sender=sender, raw=update)]
        text = (frames.string(update.get("text")) or "").strip()[:MAX_TEXT]
        if not text:
            return []
        return [Inbound(identity=identity, message_id=message_id, text=text, sender=sender,
                        raw=update)]

    def _identity(self, visitor: str) -> Identity:
        return Identity(channel=self.channel, account=self.account, user_id=visitor)

    async def _session(self, ws: WebSocket) -> None:
        context, secret = self._context, self._secret
        if context is None or secret is None or self._limits is None:
            await ws.close()
            return
        visitor: str | None = None
        locale: str | None = None
        typed_at = float("-inf")
        device: str | None = None
        history_asked = 0.0
        try:
            while (raw := await ws.receive_text()) is not None:
                frame = frames.decode(raw)
                if frame is None:
                    await frames.error(ws, 400, "frames must be JSON objects")
                    continue
                if frame.get("type") == "hello":
                    if visitor is None:
                        locale = frames.locale(frame.get("locale"))
                        device = frames.device(frame.get("device"))
                        visitor = await self._hello(ws, secret, frame)
                        if visitor is not None:
                            await recalling.on_open(ws, context, self._identity(visitor),
                                                    frame, SenderHint(locale=locale,
                                                                      device=device))
                    continue
                if visitor is None:
                    await frames.error(ws, 400, "say hello first")
                    continue
                if frame.get("type") == "typing":
                    # The page sends one every 2 s; more often is not ours: dropped unread.
                    if time.monotonic() - typed_at >= TYPING_SECONDS:
                        typed_at = time.monotonic()
                        await self._typing(context, visitor)
                    continue
                if frame.get("type") == "history":
                    # Asked again after a link joined another channel's conversation.
                    if time.monotonic() - history_asked >= HISTORY_EVERY:
                        history_asked = time.monotonic()
                        recollection = await recalling.recall(context,
                                                              self._identity(visitor))
                        await frames.send(ws, recalling.history_frame(
                            recollection, self._identity(visitor)))
                    continue
                if not await self._message(ws, context, {**frame, "visitor": visitor,
                                                         "locale": locale,
                                                         "device": device,
                                                         "address": ws.request.client}):
                    return
        except (ConnectionError, RuntimeError) as exc:
            log.debug("web chat socket ended: %s", exc)
        finally:
            if visitor is not None:
                self._sockets[visitor].discard(ws)
                if not self._sockets[visitor]:
                    del self._sockets[visitor]

    async def _hello(self, ws: WebSocket, secret: bytes, frame: Mapping[str, Any]) -> str | None:
        """Welcome the visitor the token names, or a new one if this address may start one;
        None (and an error frame: the socket stays usable) otherwise."""
        assert self._limits is not None
        visitor = tokens.verify(secret, frames.string(frame.get("token")))
        try:
            if visitor is None:
                if not await self._limits.admit_new_visitor(ws.request.client):
                    await frames.error(ws, 429, "too many new conversations from your "
                                                "network; try again later")
                    return None
                visitor = tokens.new_visitor_id()
        except StoreError:
            log.warning("web chat hello refused: store unavailable")
            await frames.error(ws, 503, "the chat is unavailable right now; try again shortly")
            return None
        self._sockets[visitor].add(ws)
        await frames.send(ws, {"type": "welcome", "visitor": visitor,
                               "token": tokens.sign(secret, visitor)})
        try:
            await self._flush_pending(visitor, ws)
        except StoreError:  # they stay waiting: delivered on the next notification or hello
            log.warning("web chat replies waiting for a visitor not delivered: store "
                        "unavailable")
        return visitor

    async def _typing(self, context: ConnectorContext, visitor: str) -> None:
        """The visitor is typing: told to the console, with no turn and nothing recorded."""
        if context.typing is None:
            return
        try:
            await context.typing(Identity(channel=self.channel, account=self.account,
                                          user_id=visitor))
        except StoreError:  # a hint only: the next keystroke sends another
            log.debug("web chat typing hint dropped: store unavailable")

    async def _message(self, ws: WebSocket, context: ConnectorContext,
                       frame: Mapping[str, Any]) -> bool:
        """Record one message frame and acknowledge it; False when the socket was closed."""
        assert self._limits is not None
        messages = self.parse(frame)
        if not messages:
            await frames.error(ws, 400, "message not understood")
            return True
        try:
            refused = await self._limits.admit_message(str(frame["visitor"]),
                                                       ws.request.client)
            if refused == "rate":
                await frames.error(ws, 429, "slow down a little")
                return True
            if refused == "unanswered":
                await frames.error(ws, 429, "please wait for an answer before writing more")
                return True
            await context.sink(messages)
        except StoreError:
            log.warning("web chat message not recorded: store unavailable")
            await frames.error(ws, 503, "not delivered, retrying")
            # Closing makes the browser reconnect (with back-off) and resend what was not
            # acknowledged, with the same ids: nothing is lost, nothing doubled.
            await ws.close()
            return False
        await frames.send(ws, {"type": "ack", "id": messages[0].message_id})
        return True

    async def forget(self, identity: Identity) -> None:
        """The visitor's waiting replies and limit buckets go with the customer."""
        if self._context is None or self._limits is None:
            return
        await self._context.state.delete(f"pending:{identity.user_id}")
        await self._limits.forget(identity.user_id)

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

    async def send(self, to: Identity, message: Outbound, *, key: str,
                   context: SendContext) -> SendReceipt:
        frame = json.dumps(_frame(message, key or f"m{time.time_ns()}"), ensure_ascii=False)
        sockets = list(self._sockets.get(to.user_id, ()))
        delivered = False
        for ws in sockets:
            try:
                await ws.send_text(frame)
                delivered = True
            except (ConnectionError, RuntimeError):
                self._sockets[to.user_id].discard(ws)
        if isinstance(message, Typing):
            return SendReceipt(platform_message_id=key or None)
        if self._context is None or self._limits is None:
            raise BotError("web chat connector is not started")
        try:
            await self._limits.answered(to.user_id)
        except StoreError:
            if not delivered:
                raise
            # Delivered: failing the send would only send it again. The visitor may meet
            # the unanswered limit early, until the next reply.
            log.warning("web chat: a visitor's unanswered count not reset: store unavailable")
        if not delivered:
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
        if message.author:  # an operator wrote it: the page shows their name
            frame["author"] = message.author
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
