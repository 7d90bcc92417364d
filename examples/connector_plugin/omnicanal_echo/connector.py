"""The echo channel: JSON over HTTP in, an outbox read over HTTP out.

A customer's app POSTs ``{"user": "ana", "id": "m1", "text": "hi"}`` to
``/webhooks/<channel>`` (with ``X-Echo-Secret`` when a secret is configured); the bot's
replies wait in the store until the app GETs ``/webhooks/<channel>/outbox?user=ana``,
which hands them out and empties the outbox. It is a stand-in for a platform's API that a
test can drive over real HTTP, and it shows every part of the contract a channel needs:
settings, capabilities, a verified route, the sink, ConnectorState and one send.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field, SecretStr

from bot.channels import (
    BaseConnector,
    Capabilities,
    ConnectorContext,
    ConnectorSettings,
    ConnectorState,
    SendContext,
    SendReceipt,
)
from bot.errors import BotError, StoreError
from bot.messages import Identity, Inbound, Outbound, Typing, text_of
from bot.web.types import AnyRoute, Route, WebRequest, WebResponse

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Echo-Secret"  # noqa: S105 - a header name


class EchoSettings(ConnectorSettings):
    """``connectors.<channel>`` in config.yaml, validated by the loader with this model."""

    #: Shared with the sending app; POSTs without it are refused before parsing.
    secret: SecretStr | None = None
    #: Replies kept per customer until the app fetches them, and for how long.
    outbox_size: int = Field(default=100, ge=1, le=10_000)
    outbox_ttl_seconds: int = Field(default=24 * 3600, ge=60)


class EchoConnector(BaseConnector):
    #: Text only: the core turns buttons into a numbered list (a typed "2" picks the
    #: second choice) and splits texts longer than 1000 characters.
    capabilities = Capabilities(max_text_length=1000, max_buttons=0)
    settings_model = EchoSettings

    def __init__(self, *, channel: str = "echo", settings: EchoSettings | None = None) -> None:
        super().__init__(channel=channel)
        self.settings = settings or EchoSettings()
        self.path = f"/webhooks/{channel}"
        self._context: ConnectorContext | None = None

    def routes(self) -> Sequence[AnyRoute]:
        return [Route("POST", self.path, self._receive, max_body=64 * 1024),
                Route("GET", f"{self.path}/outbox", self._outbox)]

    async def start(self, context: ConnectorContext) -> None:
        self._context = context

    # -- receiving ------------------------------------------------------------------------

    def parse(self, update: Mapping[str, Any]) -> list[Inbound]:
        """One POSTed message → inbound messages (pure: what tests feed directly)."""
        user, message_id, text = update.get("user"), update.get("id"), update.get("text")
        if not (isinstance(user, str) and user and isinstance(message_id, str) and message_id
                and isinstance(text, str) and text.strip()):
            return []
        return [Inbound(identity=Identity(channel=self.channel, user_id=user),
                        message_id=message_id, text=text.strip(), raw=dict(update))]

    async def _receive(self, request: WebRequest) -> WebResponse:
        if not self._authorised(request):
            return WebResponse.text(401, f"{SECRET_HEADER} missing or wrong")
        context = self._context
        if context is None:
            return WebResponse.text(503, "not started")
        try:
            update = json.loads(request.body)
        except ValueError:
            update = None
        messages = self.parse(update) if isinstance(update, dict) else []
        if not messages:
            # Malformed: sending it again cannot help, so acknowledge it (and say why).
            log.info("%s: a delivery without user, id and text was ignored", self.channel)
            return WebResponse.text(200, "ignored")
        try:
            await context.sink(messages)  # returns once durably recorded
        except StoreError as exc:
            log.warning("%s: delivery not recorded, the app should retry: %s", self.channel, exc)
            return WebResponse.text(503, "retry later")
        return WebResponse.text(200, "ok")

    def _authorised(self, request: WebRequest) -> bool:
        if self.settings.secret is None:
            return True
        given = request.header(SECRET_HEADER) or ""
        return hmac.compare_digest(given.encode(), self.settings.secret.get_secret_value().encode())

    # -- sending --------------------------------------------------------------------------

    async def send(self, to: Identity, message: Outbound, *, key: str,
                   context: SendContext) -> SendReceipt:
        # No window on this channel: ``context.last_inbound_at()`` is never awaited, so the
        # dispatcher reads nothing from the store for it.
        if isinstance(message, Typing):
            return SendReceipt()
        item = json.dumps({"key": key, "text": text_of(message), "origin": context.origin})
        await self._state().append(f"outbox:{to.user_id}", item,
                                   max_items=self.settings.outbox_size,
                                   ttl_seconds=self.settings.outbox_ttl_seconds)
        return SendReceipt(platform_message_id=key or None)

    async def _outbox(self, request: WebRequest) -> WebResponse:
        if not self._authorised(request):
            return WebResponse.text(401, f"{SECRET_HEADER} missing or wrong")
        user = request.query.get("user", "")
        items = await self._state().take_all(f"outbox:{user}") if user else []
        body = json.dumps([json.loads(item) for item in items])
        return WebResponse(status=200, body=body, content_type="application/json")

    def _state(self) -> ConnectorState:
        if self._context is None:
            raise BotError(f"connector {self.channel} is not started")
        return self._context.state
