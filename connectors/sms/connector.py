"""The SMS connector, through Twilio: signed webhooks in, the Messages API out.

SMS shows text only: the core renders choices as a numbered list (a reply "2" picks the
second) and images as their links. Long texts go as several messages of at most
``max_segments`` segments each (``connectors.sms.segments``). The sender's number is
carrier-verified, so it is the identity (E.164) and a vouched phone, which links a
customer known by that number elsewhere (after their yes, like a WhatsApp number). The
carrier's STOP and START keywords mark the message with a consent change for the core to
record (``Inbound.consent``); Twilio itself confirms them and blocks sending after STOP
(error 21610, an ``Unreachable``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import aiohttp

from bot.channels import (
    BaseConnector,
    Capabilities,
    ConnectorContext,
    ConnectorState,
    SendContext,
    SendReceipt,
)
from bot.errors import BotError, StoreError, TransientError
from bot.messages import Identity, Outbound, Typing, text_of
from bot.web.types import AnyRoute
from connectors.sms import api
from connectors.sms.parse import Addressing, parse_message, parse_status
from connectors.sms.segments import split_messages
from connectors.sms.settings import SmsSettings
from connectors.sms.signature import SignatureChecker
from connectors.sms.webhook import TwilioWebhook

log = logging.getLogger(__name__)

#: How long a sent message's id is kept against its idempotency key: a retry or a resend
#: after a crash within this time is recognised and not sent (and billed) twice.
SENT_TTL = 2 * 24 * 3600


class SmsConnector(BaseConnector):
    """One Twilio number or Messaging Service (``account`` names it)."""

    # Texts are cut into messages here, by segments (the renderer's cut counts characters).
    capabilities = Capabilities(max_text_length=16_000, max_buttons=0)
    settings_model = SmsSettings

    def __init__(self, *, channel: str = "sms", settings: SmsSettings) -> None:
        super().__init__(channel=channel, account=settings.account)
        self.settings = settings
        self.url = api.messages_url(settings.api_base, settings.account_sid)
        self.addressing = Addressing.of(channel, settings)
        self.webhook = TwilioWebhook(
            channel=channel, path=settings.path,
            checker=SignatureChecker(settings.auth_token.get_secret_value()),
            parse_message=lambda fields: parse_message(fields, self.addressing),
            parse_status=lambda fields: parse_status(fields, self.addressing))
        if settings.api_key_sid is not None and settings.api_key_secret is not None:
            login, secret = settings.api_key_sid, settings.api_key_secret
        else:
            login, secret = settings.account_sid, settings.auth_token
        self._authorization = api.basic_auth(login, secret.get_secret_value())
        self._context: ConnectorContext | None = None
        self._session: aiohttp.ClientSession | None = None

    def routes(self) -> Sequence[AnyRoute]:
        return self.webhook.routes()

    def continue_link(self, code: str) -> str | None:
        """An ``sms:`` link that opens the phone's messages app with the code typed in."""
        number = self.settings.phone_number
        return f"sms:{number}?body={code}" if number else None

    async def start(self, context: ConnectorContext) -> None:
        self._context = context
        self.webhook.bind(context)
        self._session = aiohttp.ClientSession()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- sending --------------------------------------------------------------------------

    async def send(self, to: Identity, message: Outbound, *, key: str,
                   context: SendContext) -> SendReceipt:
        if isinstance(message, Typing):
            return SendReceipt()
        receipt = SendReceipt()
        pieces = split_messages(text_of(message) or "…", self.settings.max_segments)
        for index, piece in enumerate(pieces):
            receipt = await self._send_piece(to.user_id, piece, f"{key}.{index}" if index
                                             else key)
        return receipt

    async def _send_piece(self, to: str, body: str, key: str) -> SendReceipt:
        if self._session is None or self._context is None:
            raise BotError("the SMS connector is not started")
        state = self._context.state
        try:
            known = await state.get(f"sent:{key}")
        except StoreError as exc:
            raise TransientError(self.channel, f"cannot tell whether {key} was sent: {exc}"
                                 ) from exc
        if known is not None:
            log.info("%s: message %s was sent before; not sent again", self.channel, key)
            return SendReceipt(platform_message_id=known)
        answer = await api.create_message(self._session, self.channel, self.url,
                                          self._form(to, body), self._authorization)
        sid = str(answer["sid"])
        await self._remember(state, key, sid)
        return SendReceipt(platform_message_id=sid)

    def _form(self, to: str, body: str) -> dict[str, str]:
        form = {"To": to, "Body": body}
        if self.settings.messaging_service_sid is not None:
            form["MessagingServiceSid"] = self.settings.messaging_service_sid
        elif self.settings.phone_number is not None:
            form["From"] = self.settings.phone_number
        base = self._context.public_url if self._context is not None else None
        if self.settings.status_callbacks and base:
            form["StatusCallback"] = base.rstrip("/") + self.webhook.status_path
        return form

    async def _remember(self, state: ConnectorState, key: str, sid: str) -> None:
        try:
            await state.put(f"sent:{key}", sid, ttl_seconds=SENT_TTL)
        except StoreError as exc:  # sent all the same: a failure here must not resend it
            log.warning("%s: sent %s but could not note it (%s); a resend after a crash "
                        "would send it again", self.channel, key, exc)
