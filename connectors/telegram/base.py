"""What both Telegram connectors share: parsing, rendering, the polling loop, the webhook
handler, pacing and long button payloads. Subclasses only say how to call their SDK.

Polling confirms updates (advances the offset) only after the sink returned, i.e. after
they are durably recorded: a crash or a store outage means Telegram hands them out again,
and the inbox deduplicates them by update id.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import os
import socket
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from bot.channels import BaseConnector, ConnectorContext, SendContext, SendReceipt
from bot.errors import AuthenticationFailed, BotError, StoreError, TransientError
from bot.messages import Identity, Inbound, Outbound
from bot.web.json_input import json_object
from bot.web.types import AnyRoute, Route, WebRequest, WebResponse
from connectors.telegram import render, updates
from connectors.telegram.pacing import Pacer
from connectors.telegram.settings import TelegramSettings

log = logging.getLogger(__name__)

#: Seconds a dead poller's lease lasts before another process polls instead.
POLLER_LEASE = 10.0

CALLBACK_TTL = 30 * 24 * 3600
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


class TelegramConnectorBase(BaseConnector):
    """A Telegram bot over some SDK. Subclasses implement the four ``_sdk_*`` methods and
    translate the SDK's exceptions into ``ConnectorError`` subclasses there."""

    capabilities = render.CAPABILITIES
    settings_model = TelegramSettings

    def __init__(self, *, channel: str = "telegram", settings: TelegramSettings) -> None:
        super().__init__(channel=channel, account=settings.bot_id)
        self.settings = settings
        self.pacer = Pacer(per_chat=settings.per_chat_rate, overall=settings.global_rate)
        self._context: ConnectorContext | None = None
        self._poller: asyncio.Task[None] | None = None
        self._renewer: asyncio.Task[None] | None = None
        self.username: str | None = settings.bot_username
        self._stopping = asyncio.Event()

    # -- what subclasses provide ----------------------------------------------------------

    @abstractmethod
    async def _sdk_open(self) -> None:
        """Create the SDK client."""

    @abstractmethod
    async def _sdk_close(self) -> None:
        """Release the SDK client's connections."""

    @abstractmethod
    async def _sdk_call(self, call: render.ApiCall) -> object:
        """Run one Bot API method; raise ``ConnectorError`` subclasses on failure."""

    @abstractmethod
    async def _sdk_get_updates(self, offset: int | None, timeout: int) -> list[dict[str, Any]]:
        """getUpdates, with each update converted to its Bot API JSON dict."""

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self, context: ConnectorContext) -> None:
        self._context = context
        self._stopping.clear()
        await self._sdk_open()
        await self._learn_username()
        if not context.receive:
            return  # a worker process: send only; the web processes receive
        allowed = list(updates.ALLOWED_UPDATES)
        if self.settings.mode == "webhook":
            secret = self.settings.secret_token
            if secret is None:  # the settings validator prevents this
                raise BotError("webhook mode needs secret_token")
            await self._sdk_call(render.ApiCall("setWebhook", {
                "url": self.settings.webhook_url, "secret_token": secret.get_secret_value(),
                "allowed_updates": allowed}))
        elif self.settings.mode == "polling":
            await self._sdk_call(render.ApiCall("deleteWebhook", {}))
            self._poller = asyncio.create_task(self._poll(), name=f"telegram-poll:{self.channel}")

    async def _learn_username(self) -> None:
        """getMe: checks the token at start-up (a rejected one stops start-up with the key to
        fix) and learns the username for t.me deep links."""
        self.username = self.settings.bot_username
        try:
            me = await self._sdk_call(render.ApiCall("getMe", {}))
        except TransientError as exc:
            log.warning("Telegram unreachable at start-up (%s); will keep trying", exc)
            return
        self.username = self.username or getattr(me, "username", None)

    def continue_link(self, code: str) -> str | None:
        return f"https://t.me/{self.username}?start={code}" if self.username else None

    async def close(self) -> None:
        self._stopping.set()
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None
        await self._sdk_close()

    # -- receiving --------------------------------------------------------------------------

    def parse(self, update: Mapping[str, Any]) -> list[Inbound]:
        return updates.parse_update(update, account=self.account, channel=self.channel)

    async def receive(self, batch: Sequence[Mapping[str, Any]]) -> None:
        """Parse, restore long payloads, record (raises ``StoreError``), answer buttons."""
        context = self._require_context()
        messages: list[Inbound] = []
        for update in batch:
            for inbound in self.parse(update):
                restored = await self._restore_payload(inbound, update)
                if restored is not None:
                    messages.append(restored)
        if messages:
            await context.sink(messages)
        for update in batch:
            if (query_id := updates.callback_query_id(update)) is not None:
                await self._answer_callback(query_id)

    async def _restore_payload(self, inbound: Inbound,
                               update: Mapping[str, Any]) -> Inbound | None:
        payload = inbound.payload
        if payload is None or not payload.startswith(updates.SHORT_PREFIX):
            return inbound
        stored = await self._require_context().state.get(f"cb:{payload}")
        if stored is not None:
            return inbound.model_copy(update={"payload": stored})
        # Expired or never stored: pass the button's title as text, so the flow can still
        # match it (or say it did not understand); never a payload we cannot vouch for.
        title = updates.button_title(update, payload)
        log.info("unknown or expired button key %s from %s", payload, inbound.identity.key)
        return inbound.model_copy(update={"payload": None, "text": title}) if title else None

    async def _answer_callback(self, query_id: str) -> None:
        # Stops the button's spinner; a failure here must not lose or repeat the message.
        try:
            await self._sdk_call(render.ApiCall("answerCallbackQuery",
                                                {"callback_query_id": query_id}))
        except BotError as exc:
            log.debug("answerCallbackQuery %s failed: %s", query_id, exc)

    async def _poll(self) -> None:
        offset: int | None = None
        backoff = 0.5
        while not self._stopping.is_set():
            try:
                # One poller across all processes (Telegram answers a second with 409):
                # whoever holds the lease polls; the others wait and take over within
                # POLLER_LEASE seconds when the poller dies.
                if not await self._poller_lease():
                    await self._pause(1.0)
                    offset = None  # Telegram resends what the last poller did not confirm
                    continue
                batch = await self._sdk_get_updates(offset, self.settings.poll_timeout)
                if batch:
                    await self.receive(batch)
                    offset = max(int(u["update_id"]) for u in batch) + 1
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except AuthenticationFailed as exc:
                log.error("Telegram rejected the bot token of connector %s: %s; fix "
                          "connectors.%s.token", self.channel, exc, self.channel)
                await self._pause(60.0)
            except StoreError as exc:
                log.warning("telegram updates not recorded (will fetch them again): %s", exc)
                await self._pause(backoff)
                backoff = min(backoff * 2, 30.0)
            except Exception:  # the loop boundary: log, back off, go on
                log.exception("telegram polling of connector %s failed; retrying in %.1fs",
                              self.channel, backoff)
                await self._pause(backoff)
                backoff = min(backoff * 2, 30.0)

    async def _poller_lease(self) -> bool:
        """Whether this process is the poller; the lease is renewed in the background
        while held, so a long poll never outlives it."""
        if self._context is None:
            return True
        holder = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"
        held = await self._context.state.hold("poller", holder, ttl_seconds=POLLER_LEASE)
        if held and (self._renewer is None or self._renewer.done()):
            self._renewer = asyncio.create_task(self._renew(holder), name="telegram-lease")
        return held

    async def _renew(self, holder: str) -> None:
        assert self._context is not None
        while not self._stopping.is_set():
            await self._pause(POLLER_LEASE / 3)
            try:
                if not await self._context.state.hold("poller", holder,
                                                      ttl_seconds=POLLER_LEASE):
                    return
            except StoreError as exc:
                log.warning("could not renew the Telegram poller lease: %s", exc)
                return

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    def routes(self) -> Sequence[AnyRoute]:
        if self.settings.mode != "webhook":
            return ()
        return (Route("POST", self.settings.path, self._webhook),)

    async def _webhook(self, request: WebRequest) -> WebResponse:
        secret = self.settings.secret_token
        given = request.header(SECRET_HEADER) or ""
        if secret is None or not hmac.compare_digest(given.encode(),
                                                     secret.get_secret_value().encode()):
            return WebResponse.text(401, "unauthorized")
        update = json_object(request.body)
        if update is None:
            # Not JSON, nested past any real update, or not an object: a bad request (it
            # shows in getWebhookInfo's last_error), never a 500.
            log.warning("telegram webhook: body is not a JSON object; refused")
            return WebResponse.text(400, "the body must be a JSON object")
        try:
            await self.receive([update])
        except StoreError as exc:
            log.warning("telegram webhook update not recorded; Telegram will redeliver: %s", exc)
            return WebResponse.text(503, "try again")
        return WebResponse.text(200, "ok")

    # -- sending ----------------------------------------------------------------------------

    async def send(self, to: Identity, message: Outbound, *, key: str,
                   context: SendContext) -> SendReceipt:
        state = self._require_context().state
        for short, payload in render.long_payloads(message).items():
            await state.put(f"cb:{short}", payload, ttl_seconds=CALLBACK_TTL)
        chat_id = int(to.user_id)
        await self.pacer.wait(chat_id)
        result = await self._sdk_call(render.render_call(chat_id, message))
        return SendReceipt(platform_message_id=render.message_id_of(result))

    def _require_context(self) -> ConnectorContext:
        if self._context is None:
            raise BotError(f"telegram connector {self.channel} is not started")
        return self._context
