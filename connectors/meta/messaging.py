"""What Messenger and Instagram Direct share: Meta's "messaging" platform.

Both deliver ``entry[].messaging[]`` events (``sender.id``, ``message.mid``/``text``,
``quick_reply.payload``, ``is_echo``, postbacks) on a webhook signed with the app secret,
and both send ``{recipient: {id}, messaging_type, message: {text, quick_replies}}`` to
``/me/messages``, with a message tag outside the 24-hour window (HUMAN_AGENT for operators,
within 7 days). A channel of this family says only what differs: its settings, its token,
its webhook object and the events of its own (Instagram's stories).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field, SecretStr

from bot.channels import ConnectorSettings, SendContext, SendReceipt
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

PAYLOAD_LIMIT = 1000
MAX_QUICK_REPLIES = 13
QUICK_REPLY_TITLE = 20
EMPTY_TEXT = "👇"
ATTACHMENTS: dict[str, AttachmentKind] = {"image": "image", "file": "file", "audio": "audio",
                                          "video": "video", "location": "location"}


class MessagingSettings(ConnectorSettings):
    """The keys every channel of the messaging platform has."""

    #: The app's secret: every webhook delivery's ``X-Hub-Signature-256`` is checked with
    #: it.
    app_secret: SecretStr
    #: The token Meta echoes when the webhook is set up (``hub.verify_token``).
    verify_token: SecretStr
    #: The Graph API address (a test server can stand in).
    graph_base: str = "https://graph.facebook.com"
    #: The Graph API version in every call's path.
    api_version: str = "v21.0"
    #: Message tags per origin for outside the 24-hour window.
    tags: dict[str, str] = Field(default_factory=lambda: {"operator": "HUMAN_AGENT"})


class MetaMessagingConnector(MetaConnectorBase):
    """One account (a page, an Instagram professional account) of the messaging platform.

    Subclasses set ``webhook_object`` and implement ``_token``; they may read more of a
    message in ``_message_event`` or add events in ``_other_event``.
    """

    webhook_object: str

    def __init__(self, *, channel: str, settings: MessagingSettings, account: str | None,
                 path: str) -> None:
        super().__init__(channel=channel, account=account or "default")
        self._fixed_account = account
        self.url = f"{settings.graph_base.rstrip('/')}/{settings.api_version}/me/messages"
        self.tags = settings.tags
        self.webhook = self._webhook(path=path, app_secret=settings.app_secret,
                                     verify_token=settings.verify_token,
                                     expected_object=self.webhook_object)

    def _token(self) -> SecretStr:
        raise NotImplementedError

    # -- receiving ------------------------------------------------------------------------

    def parse(self, update: Mapping[str, Any]) -> list[Inbound]:
        """Every customer message and postback of a delivery; echoes are skipped."""
        inbounds: list[Inbound] = []
        for entry in as_list(update.get("entry")):
            account = self._fixed_account or str(entry.get("id") or "default")
            for event in as_list(entry.get("messaging")):
                inbound = self._event(event, account)
                if inbound is not None:
                    inbounds.append(inbound)
        return inbounds

    def _event(self, event: Mapping[str, Any], account: str) -> Inbound | None:
        user = as_dict(event.get("sender")).get("id")
        if not isinstance(user, str) or not user or user == account:
            return None
        identity = Identity(channel=self.channel, account=account, user_id=user)
        message, postback = as_dict(event.get("message")), as_dict(event.get("postback"))
        if message:
            if message.get("is_echo"):
                return None
            return self._message_event(message, identity, event)
        if other := self._other_event(event, identity):
            return other
        if postback:
            payload = as_str(postback.get("payload"))
            # Postbacks of old clients have no mid: derive a stable one from the event.
            mid = as_str(postback.get("mid")) or f"pb:{user}:{event.get('timestamp')}"
            if payload:
                return Inbound(identity=identity, message_id=mid, payload=payload,
                               text=as_str(postback.get("title")), raw=event)
        return None

    def _message_event(self, message: Mapping[str, Any], identity: Identity,
                       event: Mapping[str, Any]) -> Inbound | None:
        mid = as_str(message.get("mid"))
        text = as_str(message.get("text"))
        payload = as_str(as_dict(message.get("quick_reply")).get("payload"))
        attachments = tuple(attachments_of(message.get("attachments")))
        if mid and (text or payload or attachments):
            return Inbound(identity=identity, message_id=mid, text=text, payload=payload,
                           attachments=attachments, sender=SenderHint(), raw=event)
        return None

    def _other_event(self, event: Mapping[str, Any], identity: Identity) -> Inbound | None:
        """An event that is neither a message nor a plain postback: a referral (an m.me or
        ig.me link with ``?ref=``, e.g. a link code), the same as Telegram's /start ref."""
        referral = as_dict(event.get("referral")) or as_dict(
            as_dict(event.get("postback")).get("referral"))
        ref = as_str(referral.get("ref"))
        if ref:
            return Inbound(identity=identity, text=f"/start {ref}", raw=event,
                           message_id=f"ref:{identity.user_id}:{event.get('timestamp')}")
        return None

    # -- sending --------------------------------------------------------------------------

    async def send(self, to: Identity, message: Outbound, *, key: str,
                   context: SendContext) -> SendReceipt:
        last_inbound_at = await context.last_inbound_at()
        if window.inside(last_inbound_at):
            return await self._post(to, message, {"messaging_type": "RESPONSE"})
        if isinstance(message, Typing):
            return SendReceipt()
        tag = self.tags.get(context.origin)
        if tag is None or not window.messenger_tag_allowed(tag, last_inbound_at):
            raise OutsideWindow(self.channel, f"{context.origin} message to {to.user_id}"
                                " outside the 24-hour window"
                                + (f" and the {tag} tag's 7 days" if tag else
                                   f"; no tag configured (connectors.{self.channel}.tags."
                                   f"{context.origin})"))
        return await self._post(to, message, {"messaging_type": "MESSAGE_TAG", "tag": tag})

    async def _post(self, to: Identity, message: Outbound, kind: JSON) -> SendReceipt:
        if self._session is None:
            raise BotError(f"the {self.channel} connector is not started")
        body: JSON = {"recipient": {"id": to.user_id}}
        if isinstance(message, Typing):
            body["sender_action"] = "typing_on"
        else:
            body |= kind
            body["message"] = await self._message(message)
        params = {"access_token": self._token().get_secret_value()}
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
            replies = [{"content_type": "text", "title": cut(c.title, QUICK_REPLY_TITLE),
                        "payload": await payloads.button_id(state, c.payload, PAYLOAD_LIMIT)}
                       for c in message.choices[:MAX_QUICK_REPLIES]]
            return {"text": message.text or EMPTY_TEXT, "quick_replies": replies}
        return {"text": text_of(message) or EMPTY_TEXT}


def attachments_of(value: object) -> list[Attachment]:
    found: list[Attachment] = []
    for item in as_list(value):
        kind = ATTACHMENTS.get(str(item.get("type")))
        payload = as_dict(item.get("payload"))
        if kind == "location":
            point = as_dict(payload.get("coordinates"))
            found.append(Attachment(kind=kind, latitude=_number(point.get("lat")),
                                    longitude=_number(point.get("long"))))
        elif kind is not None:
            found.append(Attachment(kind=kind, url=as_str(payload.get("url"))))
    return found


def as_list(value: object) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def as_dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def as_str(value: object) -> str | None:
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
