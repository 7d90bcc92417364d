"""The WhatsApp Cloud API connector: signed webhooks in, Graph API sends out.

Choices become reply buttons (up to 3) or a list (up to 10 rows); the core turns longer
ones into a numbered list. Outside the 24-hour window only a configured template may be
sent, per origin of the message; otherwise the send fails with ``OutsideWindow``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from bot.channels import (
    Capabilities,
    ConnectorSettings,
    ConnectorState,
    DeliveryStatus,
    SendContext,
    SendReceipt,
)
from bot.channels.render import cut, split_text
from bot.errors import BotError, OutsideWindow
from bot.messages import (
    Choices,
    File,
    Identity,
    Image,
    Inbound,
    Outbound,
    Template,
    Text,
    Typing,
    text_of,
)
from connectors.meta import payloads, window
from connectors.meta.base import MetaConnectorBase
from connectors.meta.graph import JSON, TokenBucket, post_json
from connectors.meta.whatsapp_ids import is_bsuid
from connectors.meta.whatsapp_parse import parse_delivery, parse_messages, parse_statuses
from connectors.meta.whatsapp_phones import KnownPhones

log = logging.getLogger(__name__)

BODY_LIMIT = 1024
ROW_ID_LIMIT = 200  # row ids ≤ 200, button ids ≤ 256: one limit for both
EMPTY_BODY = "👇"


class WhatsAppTemplate(BaseModel):
    """An approved template sent outside the 24-hour window."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    #: The template's name, as approved in WhatsApp Manager.
    name: str = Field(min_length=1, max_length=512)
    #: The template's language code, e.g. ``en`` or ``es_ES``.
    language: str = Field(default="en", min_length=2, max_length=15)
    #: Put the message's text into body parameter {{1}}.
    body_text: bool = True


class WhatsAppSettings(ConnectorSettings):
    """One WhatsApp business number (``connectors.whatsapp``)."""

    #: The Cloud API access token (a system user's, read it from the environment).
    access_token: SecretStr
    #: The business number's id (not the number): the identities' account.
    phone_number_id: str = Field(min_length=1)
    #: The app's secret: every webhook delivery's ``X-Hub-Signature-256`` is checked with
    #: it.
    app_secret: SecretStr
    #: The token Meta echoes when the webhook is set up (``hub.verify_token``).
    verify_token: SecretStr
    #: The Graph API address (a test server can stand in).
    graph_base: str = "https://graph.facebook.com"
    #: The Graph API version in every call's path.
    api_version: str = "v21.0"
    #: Our HTTP route for the webhook.
    path: str = "/webhooks/whatsapp"
    #: Templates per message origin ("operator", "system", "bot") for outside the window.
    templates: dict[str, WhatsAppTemplate] = Field(default_factory=dict)
    #: Messages per second sent from this number (the Cloud API's throughput).
    max_per_second: float = Field(default=80, gt=0, le=1000)
    #: The label of the button that opens a list.
    list_button: str = Field(default="☰", min_length=1, max_length=20)
    #: The business number as customers dial it (e.g. "+1 555 000 1111"), for the
    #: click-to-chat links that carry a link code.
    display_phone_number: str | None = None


class WhatsAppConnector(MetaConnectorBase):
    """One WhatsApp business number (``account`` is its phone number id)."""

    capabilities = Capabilities(max_text_length=4096, max_buttons=10, button_title_length=24,
                                images=True, files=True, templates=True, window_hours=24)
    settings_model = WhatsAppSettings

    def __init__(self, *, channel: str = "whatsapp", settings: WhatsAppSettings) -> None:
        super().__init__(channel=channel, account=settings.phone_number_id)
        self.settings = settings
        self.url = (f"{settings.graph_base.rstrip('/')}/{settings.api_version}"
                    f"/{settings.phone_number_id}/messages")
        self.webhook = self._webhook(
            path=settings.path, app_secret=settings.app_secret,
            verify_token=settings.verify_token, expected_object="whatsapp_business_account",
            read=self.parse_delivery)
        self.limiter = TokenBucket(settings.max_per_second)
        self.phones = KnownPhones()

    def continue_link(self, code: str) -> str | None:
        number = "".join(c for c in self.settings.display_phone_number or "" if c.isdigit())
        return f"https://wa.me/{number}?text={code}" if number else None

    # -- receiving ------------------------------------------------------------------------

    def parse(self, update: Mapping[str, Any]) -> list[Inbound]:
        return parse_messages(update, self.settings.phone_number_id, self.channel)

    def parse_statuses(self, update: Mapping[str, Any]) -> list[DeliveryStatus]:
        return parse_statuses(update, self.settings.phone_number_id, self.channel)

    def parse_delivery(self, update: Mapping[str, Any],
                       ) -> tuple[list[Inbound], list[DeliveryStatus]]:
        """Messages and statuses in one walk (the webhook's reading)."""
        return parse_delivery(update, self.settings.phone_number_id, self.channel)

    async def _expand(self, inbounds: list[Inbound]) -> list[Inbound]:
        numbers = self.phones.new_numbers(self._state, inbounds)
        if numbers:  # most deliveries bring none: no coroutine for nothing
            await self.phones.remember(self._state, numbers)
        return await super()._expand(inbounds)

    @property
    def _state(self) -> ConnectorState | None:
        return self._context.state if self._context else None

    # -- sending --------------------------------------------------------------------------

    async def forget(self, identity: Identity) -> None:
        """The phone number kept for the customer's BSUID goes with them."""
        await self.phones.forget(self._state, identity.user_id)

    async def send(self, to: Identity, message: Outbound, *, key: str,
                   context: SendContext) -> SendReceipt:
        if isinstance(message, Typing):
            return SendReceipt()  # no typing indicator without an inbound message id
        address = await self.phones.address(self._state, to.user_id)
        inside = window.inside(await context.last_inbound_at())
        if isinstance(message, Template):  # a notification: free text while the window is open
            body = message_body(address, Text(text=message.text)) if inside \
                else approved_template_body(address, message)
            return await self._post(_tracked(body, key))
        if not inside:
            template = self.settings.templates.get(context.origin)
            if template is None:
                raise OutsideWindow(self.channel, f"{context.origin} message to {to.user_id}"
                                    " outside the 24-hour window and no template is configured"
                                    f" for it (connectors.{self.channel}.templates."
                                    f"{context.origin})")
            body = template_body(address, template, text_of(message))
            return await self._post(_tracked(body, key))
        receipt = SendReceipt()
        bodies = await self._bodies(address, message)
        for index, body in enumerate(bodies):
            receipt = await self._post(_tracked(body, f"{key}.{index}" if index else key))
        return receipt

    async def _bodies(self, to: str, message: Outbound) -> list[JSON]:
        if isinstance(message, Choices):
            ids = [await payloads.button_id(self._state, c.payload, ROW_ID_LIMIT)
                   for c in message.choices]
            return choices_bodies(to, message, ids, self.settings.list_button)
        return [message_body(to, message)]

    async def _post(self, body: JSON) -> SendReceipt:
        if self._session is None:
            raise BotError("the WhatsApp connector is not started")
        await self.limiter.acquire()
        headers = {"Authorization": f"Bearer {self.settings.access_token.get_secret_value()}"}
        answer = await post_json(self._session, self.channel, self.url, body, headers=headers)
        messages = answer.get("messages")
        first = messages[0] if isinstance(messages, list) and messages else {}
        ident = first.get("id") if isinstance(first, dict) else None
        return SendReceipt(platform_message_id=ident if isinstance(ident, str) else None)


def _tracked(body: JSON, key: str) -> JSON:
    """Carry our idempotency key in ``biz_opaque_callback_data`` (echoed in statuses): a
    resend after a crash has the same key, so the send can be recognised as a repeat."""
    return {**body, "biz_opaque_callback_data": key} if key else body


def _envelope(to: str, kind: str, content: JSON) -> JSON:
    """``to`` is a phone number (identities stored before BSUIDs are keyed by it) or a
    BSUID, which Meta takes as ``recipient`` (it would read ``to`` as a number)."""
    address = "recipient" if is_bsuid(to) else "to"
    return {"messaging_product": "whatsapp", "recipient_type": "individual", address: to,
            "type": kind, kind: content}


def message_body(to: str, message: Outbound) -> JSON:
    """The send body of a text, image or file (other kinds are degraded to text)."""
    if isinstance(message, Image):
        return _envelope(to, "image", _some(link=message.url, caption=message.caption))
    if isinstance(message, File):
        return _envelope(to, "document", _some(link=message.url, filename=message.name,
                                               caption=message.caption))
    if isinstance(message, Text):
        return _envelope(to, "text", {"body": message.text, "preview_url": False})
    # RequestPhone and anything else: the number is already known on WhatsApp.
    return _envelope(to, "text", {"body": text_of(message) or "…"})


def choices_bodies(to: str, message: Choices, ids: Sequence[str], list_button: str) -> list[JSON]:
    """Reply buttons (≤ 3) or a list (≤ 10 rows); text over the body limit goes first."""
    parts = split_text(message.text or EMPTY_BODY, BODY_LIMIT)
    bodies = [_envelope(to, "text", {"body": part}) for part in parts[:-1]]
    body = {"text": parts[-1]}
    if len(message.choices) <= 3:
        buttons = [{"type": "reply", "reply": {"id": ident, "title": cut(c.title, 20)}}
                   for c, ident in zip(message.choices, ids, strict=True)]
        interactive: JSON = {"type": "button", "body": body, "action": {"buttons": buttons}}
    else:
        rows = [_some(id=ident, title=cut(c.title, 24),
                      description=cut(c.description, 72) if c.description else None)
                for c, ident in zip(message.choices[:10], ids, strict=False)]
        interactive = {"type": "list", "body": body,
                       "action": {"button": cut(list_button, 20), "sections": [{"rows": rows}]}}
    bodies.append(_envelope(to, "interactive", interactive))
    return bodies


def template_body(to: str, template: WhatsAppTemplate, text: str) -> JSON:
    content: JSON = {"name": template.name, "language": {"code": template.language}}
    if template.body_text:
        # Template parameters may not hold newlines, tabs or runs of spaces (error 132018).
        flat = " ".join(text.split()) or "…"
        content["components"] = [{"type": "body",
                                  "parameters": [{"type": "text", "text": flat}]}]
    return _envelope(to, "template", content)


def approved_template_body(to: str, message: Template) -> JSON:
    """A notification as the approved template it is mapped to, with its parameters."""
    content: JSON = {"name": message.name, "language": {"code": message.language}}
    if message.parameters:
        content["components"] = [{"type": "body", "parameters": [
            {"type": "text", "text": " ".join(value.split()) or "…"}
            for value in message.parameters]}]
    return _envelope(to, "template", content)


def _some(**fields: Any) -> JSON:
    return {k: v for k, v in fields.items() if v is not None}
