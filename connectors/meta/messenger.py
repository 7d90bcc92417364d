"""The Messenger connector: signed page webhooks in, Send API out.

Choices become quick replies (up to 13). Outside the 24-hour window a message goes out
only with the tag configured for its origin (HUMAN_AGENT for operators by default, allowed
for 7 days); otherwise the send fails with ``OutsideWindow``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from pydantic import Field, SecretStr

from bot.channels import Capabilities, ConnectorSettings, SendContext, SendReceipt
from bot.channels.render import cut
from bot.errors import BotError, OutsideWindow
from bot.messages import (
    Attachment,
    AttachmentKind,
    Choices,
    File,
    Identity,
    Image,
    Inbound,
    Outbound,
    SenderHint,
    Typing,
    text_of,
)
from connectors.meta import payloads, window
from connectors.meta.base import MetaConnectorBase
from connectors.meta.graph import JSON, post_json

log = logging.getLogger(__name__)

PAYLOAD_LIMIT = 1000
EMPTY_TEXT = "👇"
ATTACHMENTS: dict[str, AttachmentKind] = {"image": "image", "file": "file", "audio": "audio",
                                          "video": "video", "location": "location"}


class MessengerSettings(ConnectorSettings):
    page_token: SecretStr
    app_secret: SecretStr
    verify_token: SecretStr
    #: The page's id; when unset, identities use the page id of each delivery.
    page_id: str | None = None
    graph_base: str = "https://graph.facebook.com"
    api_version: str = "v21.0"
    path: str = "/webhooks/messenger"
    #: Message tags per origin for outside the 24-hour window.
    tags: dict[str, str] = Field(default_factory=lambda: {"operator": "HUMAN_AGENT"})
    #: The page's username, for m.me links that carry a link code (``ref``).
    page_username: str | None = None


class MessengerConnector(MetaConnectorBase):
    """One Facebook page. User ids are page-scoped ids (PSIDs)."""

    capabilities = Capabilities(max_text_length=2000, max_buttons=13, button_title_length=20,
                                images=True, files=True, typing=True)
    settings_model = MessengerSettings

    def __init__(self, *, channel: str = "messenger", settings: MessengerSettings) -> None:
        super().__init__(channel=channel, account=settings.page_id or "default")
        self.settings = settings
        self.url = f"{settings.graph_base.rstrip('/')}/{settings.api_version}/me/messages"
        self.webhook = self._webhook(path=settings.path, app_secret=settings.app_secret,
                                     verify_token=settings.verify_token,
                                     expected_object="page")

    def continue_link(self, code: str) -> str | None:
        page = self.settings.page_username or self.settings.page_id
        return f"https://m.me/{page}?ref={code}" if page else None

    # -- receiving ------------------------------------------------------------------------

    def parse(self, update: Mapping[str, Any]) -> list[Inbound]:
        """Every customer message and postback of a page delivery; echoes are skipped."""
        inbounds: list[Inbound] = []
        for entry in _list(update.get("entry")):
            page = self.settings.page_id or str(entry.get("id") or "default")
            for event in _list(entry.get("messaging")):
                inbound = self._event(event, page)
                if inbound is not None:
                    inbounds.append(inbound)
        return inbounds

    def _event(self, event: Mapping[str, Any], page: str) -> Inbound | None:
        psid = _dict(event.get("sender")).get("id")
        if not isinstance(psid, str) or not psid or psid == page:
            return None
        identity = Identity(channel=self.channel, account=page, user_id=psid)
        message, postback = _dict(event.get("message")), _dict(event.get("postback"))
        if message and not message.get("is_echo"):
            mid = _str(message.get("mid"))
            text = _str(message.get("text"))
            payload = _str(_dict(message.get("quick_reply")).get("payload"))
            attachments = tuple(_attachments(message.get("attachments")))
            if mid and (text or payload or attachments):
                return Inbound(identity=identity, message_id=mid, text=text, payload=payload,
                               attachments=attachments, sender=SenderHint(), raw=event)
        elif referral := _dict(event.get("referral")) or _dict(postback.get("referral")):
            # An m.me link with ?ref= (e.g. a link code): the same as Telegram's /start ref.
            ref = _str(referral.get("ref"))
            if ref:
                return Inbound(identity=identity, text=f"/start {ref}", raw=event,
                               message_id=f"ref:{psid}:{event.get('timestamp')}")
        if postback:
            payload = _str(postback.get("payload"))
            # Postbacks of old clients have no mid: derive a stable one from the event.
            mid = _str(postback.get("mid")) or f"pb:{psid}:{event.get('timestamp')}"
            if payload:
                return Inbound(identity=identity, message_id=mid, payload=payload,
                               text=_str(postback.get("title")), raw=event)
        return None

    # -- sending --------------------------------------------------------------------------

    async def send(self, to: Identity, message: Outbound, *, key: str,
                   context: SendContext) -> SendReceipt:
        last_inbound_at = await context.last_inbound_at()
        if window.inside(last_inbound_at):
            return await self._post(to, message, {"messaging_type": "RESPONSE"})
        if isinstance(message, Typing):
            return SendReceipt()
        tag = self.settings.tags.get(context.origin)
        if tag is None or not window.messenger_tag_allowed(tag, last_inbound_at):
            raise OutsideWindow(self.channel, f"{context.origin} message to {to.user_id}"
                                " outside the 24-hour window"
                                + (f" and the {tag} tag's 7 days" if tag else
                                   f"; no tag configured (connectors.{self.channel}.tags."
                                   f"{context.origin})"))
        return await self._post(to, message, {"messaging_type": "MESSAGE_TAG", "tag": tag})

    async def _post(self, to: Identity, message: Outbound, kind: JSON) -> SendReceipt:
        if self._session is None:
            raise BotError("the Messenger connector is not started")
        body: JSON = {"recipient": {"id": to.user_id}}
        if isinstance(message, Typing):
            body["sender_action"] = "typing_on"
        else:
            body |= kind
            body["message"] = await self._message(message)
        params = {"access_token": self.settings.page_token.get_secret_value()}
        answer = await post_json(self._session, self.channel, self.url, body, params=params)
        mid = answer.get("message_id")
        return SendReceipt(platform_message_id=mid if isinstance(mid, str) else None)

    async def _message(self, message: Outbound) -> JSON:
        if isinstance(message, Image | File):
            kind = "image" if isinstance(message, Image) else "file"
            return {"attachment": {"type": kind,
                                   "payload": {"url": message.url, "is_reusable": True}}}
        if isinstance(message, Choices):
            state = self._context.state if self._context else None
            replies = [{"content_type": "text", "title": cut(c.title, 20),
                        "payload": await payloads.button_id(state, c.payload, PAYLOAD_LIMIT)}
                       for c in message.choices[:13]]
            return {"text": message.text or EMPTY_TEXT, "quick_replies": replies}
        return {"text": text_of(message) or EMPTY_TEXT}


def _attachments(value: object) -> list[Attachment]:
    found: list[Attachment] = []
    for item in _list(value):
        kind = ATTACHMENTS.get(str(item.get("type")))
        payload = _dict(item.get("payload"))
        if kind == "location":
            point = _dict(payload.get("coordinates"))
            found.append(Attachment(kind=kind, latitude=_number(point.get("lat")),
                                    longitude=_number(point.get("long"))))
        elif kind is not None:
            found.append(Attachment(kind=kind, url=_str(payload.get("url"))))
    return found


def _list(value: object) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _number(value: object) -> float | None:
    """A coordinate, or None when it is not a number (a string or 10**400 would make the
    whole delivery unreadable, and lose the messages beside it)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    try:
        return float(value)
    except OverflowError:
        return None
