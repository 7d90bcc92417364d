"""Raw Bot API update (a JSON dict) → ``Inbound``. Pure, and shared by both connectors so
aiogram and python-telegram-bot produce identical messages for the same update.

Only private chats are handled; groups, channels and update kinds we do not use give ``[]``.
Malformed updates never raise: they are logged and dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from bot.logs import describe
from bot.messages import Attachment, Identity, Inbound, SenderHint
from bot.phones import to_e164

log = logging.getLogger(__name__)

#: The update kinds we ask Telegram for (setWebhook / getUpdates ``allowed_updates``).
ALLOWED_UPDATES = ("message", "callback_query")
#: Long button payloads travel as this prefix plus a short key (see ``render``).
SHORT_PREFIX = "~"


def parse_update(update: Mapping[str, Any], *, account: str,
                 channel: str = "telegram") -> list[Inbound]:
    """The inbound messages in one update (at most one today); ``[]`` when none."""
    try:
        return _parse(update, account=account, channel=channel)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError,
            ValidationError) as exc:
        # ValueError covers pydantic's ValidationError too; OverflowError a number too big
        # for a float (a latitude of 10**400). A bad update is the sender's problem, not
        # ours: drop it without taking the loop down.
        update_id = update.get("update_id") if isinstance(update, Mapping) else None
        # Only an integer id is logged: formatting a deep tree would recurse.
        log.info("dropping a malformed Telegram update %s: %s",
                 update_id if isinstance(update_id, int) else "without an id", describe(exc))
        return []


def callback_query_id(update: Mapping[str, Any]) -> str | None:
    """The id to answer (answerCallbackQuery) when the update is a button press."""
    query = update.get("callback_query")
    if isinstance(query, Mapping) and isinstance(query.get("id"), str):
        return str(query["id"])
    return None


def _parse(update: Mapping[str, Any], *, account: str, channel: str) -> list[Inbound]:
    update_id = update["update_id"]
    if not isinstance(update_id, int):
        raise TypeError("update_id is not an integer")
    message_id = f"u{update_id}"
    if "message" in update:
        return _message(update["message"], message_id, account, channel, update)
    if "callback_query" in update:
        return _callback(update["callback_query"], message_id, account, channel, update)
    log.debug("ignoring Telegram update %d of kind %s", update_id,
              [k for k in update if k != "update_id"])
    return []


def _private(chat: Any) -> bool:
    return isinstance(chat, Mapping) and chat.get("type") == "private"


def _identity(user: Mapping[str, Any], account: str, channel: str) -> Identity:
    user_id = user["id"]
    if not isinstance(user_id, int):
        raise TypeError("from.id is not an integer")
    return Identity(channel=channel, account=account, user_id=str(user_id))


def _sender(user: Mapping[str, Any], verified_phone: str | None = None) -> SenderHint:
    name = " ".join(p for p in (user.get("first_name"), user.get("last_name"))
                    if isinstance(p, str) and p)
    locale = user.get("language_code")
    return SenderHint(name=name or None, locale=locale if isinstance(locale, str) else None,
                      verified_phone=verified_phone)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _timestamp(value: Any) -> float | None:
    try:
        return float(value) if isinstance(value, int | float) else None
    except OverflowError:  # a date of 10**400: keep the message, stamp it ourselves
        return None


def _size(photo: Mapping[str, Any]) -> tuple[float, float]:
    """How a photo size ranks (area, bytes); what is not a number counts as 0, so a string
    width is never multiplied by a huge height."""
    def number(key: str) -> float:
        value = photo.get(key)
        return value if isinstance(value, int | float) and not isinstance(value, bool) else 0

    return number("width") * number("height"), number("file_size")


def _message(message: Mapping[str, Any], message_id: str, account: str, channel: str,
             raw: Mapping[str, Any]) -> list[Inbound]:
    if not _private(message.get("chat")):
        kind = _at(message, "chat", "type")
        # Only a string is logged: formatting a deep tree would recurse.
        log.debug("ignoring a message from a %s chat",
                  kind if isinstance(kind, str) else type(kind).__name__)
        return []
    user = message.get("from")
    if not isinstance(user, Mapping) or user.get("is_bot"):
        return []
    caption = _text(message.get("caption"))
    text = _text(message.get("text")) or caption
    attachments: list[Attachment] = []
    verified: str | None = None
    if isinstance(contact := message.get("contact"), Mapping):
        number = contact["phone_number"]
        if not isinstance(number, str | int):  # str() of a deep tree would recurse
            raise TypeError("contact.phone_number is not a string")
        phone = to_e164(str(number))
        if phone is None:
            raise ValueError("a shared contact's number is not one with its country code")
        own = contact.get("user_id") == user["id"]
        attachments.append(Attachment(kind="contact", phone=phone, own_phone=own,
                                      name=contact.get("first_name")))
        verified = phone if own else None
    if isinstance(photos := message.get("photo"), list) and photos:
        largest = max(photos, key=_size)
        attachments.append(Attachment(kind="image", file_id=largest["file_id"], caption=caption))
    if isinstance(doc := message.get("document"), Mapping):
        attachments.append(Attachment(kind="file", file_id=doc["file_id"],
                                      name=doc.get("file_name"), mime_type=doc.get("mime_type"),
                                      caption=caption))
    if isinstance(place := message.get("location"), Mapping):
        attachments.append(Attachment(kind="location", latitude=float(place["latitude"]),
                                      longitude=float(place["longitude"])))
    if not text and not attachments:
        log.debug("ignoring a message with nothing we understand (%s)", sorted(message))
        return []
    inbound = Inbound(identity=_identity(user, account, channel), message_id=message_id,
                      text=text,
                      attachments=tuple(attachments), sender=_sender(user, verified), raw=raw)
    if (stamp := _timestamp(message.get("date"))) is not None:
        inbound = inbound.model_copy(update={"timestamp": stamp})
    return [inbound]


def _callback(query: Mapping[str, Any], message_id: str, account: str, channel: str,
              raw: Mapping[str, Any]) -> list[Inbound]:
    message = query.get("message")
    if message is not None and not _private(message.get("chat")):
        return []
    data = query.get("data")
    if not isinstance(data, str) or not data:
        return []  # a game button or an inline-mode message: nothing for a flow
    user = query["from"]
    return [Inbound(identity=_identity(user, account, channel), message_id=message_id,
                    payload=data, sender=_sender(user), raw=raw)]


def button_title(update: Mapping[str, Any], data: str) -> str | None:
    """The title of the pressed inline button, read from the keyboard it was on; None when
    the keyboard is missing or not of the shape Telegram sends."""
    rows = _at(update, "callback_query", "message", "reply_markup", "inline_keyboard")
    for row in rows if isinstance(rows, list) else ():
        for button in row if isinstance(row, list) else ():
            if isinstance(button, Mapping) and button.get("callback_data") == data:
                title = button.get("text")
                return title if isinstance(title, str) else None
    return None


def _at(tree: Mapping[str, Any], *keys: str) -> Any:
    node: Any = tree
    for key in keys:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node
