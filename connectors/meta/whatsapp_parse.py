"""WhatsApp Cloud API webhook deliveries → ``Inbound`` and ``DeliveryStatus`` (pure).

Every entry, change and message of a batch is read; changes for another phone number
(one app may serve several) and unknown message kinds are skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

from bot.channels import DeliveryStatus
from bot.messages import Attachment, AttachmentKind, Inbound, SenderHint
from connectors.meta.whatsapp_ids import (
    IDENTITIES_KEPT,
    Contacts,
    id_change,
    sender,
    status_recipient,
)

log = logging.getLogger(__name__)

CHANNEL = "whatsapp"
MEDIA: dict[str, AttachmentKind] = {"image": "image", "document": "file", "audio": "audio",
                                    "video": "video", "sticker": "sticker"}


def _values(update: Mapping[str, Any], phone_number_id: str) -> list[Mapping[str, Any]]:
    """The changes' values addressed to ``phone_number_id``.

    Read on every webhook, so the shape Meta sends is read first by plain indexing (a
    quarter of the bytecode of checking each level's type); anything else in it (a
    missing key, a level of another type) raises on the way and the delivery is walked
    again with every level checked, which skips what is unreadable and keeps the rest."""
    try:
        values: list[Mapping[str, Any]] = []
        for entry in update["entry"]:
            for change in entry["changes"]:
                if change["field"] != "messages":
                    continue
                value = change["value"]
                number = value["metadata"]["phone_number_id"]
                if number != phone_number_id:
                    log.debug("delivery for phone number %r skipped", number)
                    continue
                values.append(value)
        return values
    except (KeyError, TypeError):  # TypeError: a list or a string where a dict was expected
        return _values_checked(update, phone_number_id)


def _values_checked(update: Mapping[str, Any],
                    phone_number_id: str) -> list[Mapping[str, Any]]:
    values: list[Mapping[str, Any]] = []
    entries = update.get("entry")
    for entry in entries if isinstance(entries, list) else ():
        changes = entry.get("changes") if isinstance(entry, dict) else None
        for change in changes if isinstance(changes, list) else ():
            if not isinstance(change, dict):
                continue
            value = change.get("value")
            if change.get("field") != "messages" or not isinstance(value, dict):
                continue
            metadata = value.get("metadata")
            number = metadata.get("phone_number_id") if isinstance(metadata, dict) else None
            if number != phone_number_id:
                log.debug("delivery for phone number %r skipped", number)
                continue
            values.append(value)
    return values


def parse_delivery(update: Mapping[str, Any], phone_number_id: str, channel: str = CHANNEL,
                   ) -> tuple[list[Inbound], list[DeliveryStatus]]:
    """A delivery's customer messages and the statuses of our messages, in one walk of
    its changes (what the webhook reads; ``parse_messages`` and ``parse_statuses`` walk
    for one of the two)."""
    inbounds: list[Inbound] = []
    statuses: list[DeliveryStatus] = []
    for value in _values(update, phone_number_id):
        _read_messages(value, phone_number_id, channel, inbounds)
        _read_statuses(value, phone_number_id, channel, statuses)
    return inbounds, statuses


def parse_messages(update: Mapping[str, Any], phone_number_id: str,
                   channel: str = CHANNEL) -> list[Inbound]:
    """Every customer message of a delivery addressed to ``phone_number_id``; identities
    carry ``channel`` (the connector's name in config.yaml)."""
    inbounds: list[Inbound] = []
    for value in _values(update, phone_number_id):
        _read_messages(value, phone_number_id, channel, inbounds)
    return inbounds


def parse_statuses(update: Mapping[str, Any], phone_number_id: str,
                   channel: str = CHANNEL) -> list[DeliveryStatus]:
    """Every status (sent, delivered, read, failed) of our messages in a delivery."""
    statuses: list[DeliveryStatus] = []
    for value in _values(update, phone_number_id):
        _read_statuses(value, phone_number_id, channel, statuses)
    return statuses


def _read_messages(value: Mapping[str, Any], phone_number_id: str, channel: str,
                   inbounds: list[Inbound]) -> None:
    """Appends to ``inbounds`` the customer messages of one change's value."""
    messages = value.get("messages")
    if not isinstance(messages, list) or not messages:
        return
    contacts = Contacts(value.get("contacts"))
    for message in messages:
        if not isinstance(message, dict):
            continue
        inbound = (_id_change(message, phone_number_id, channel)
                   if message.get("type") == "system"
                   else _message(message, contacts, phone_number_id, channel))
        if inbound is not None:
            inbounds.append(inbound)


def _read_statuses(value: Mapping[str, Any], phone_number_id: str, channel: str,
                   statuses: list[DeliveryStatus]) -> None:
    """Appends to ``statuses`` the statuses of our messages in one change's value."""
    items = value.get("statuses")
    if not items:  # a customer's message: most deliveries
        return
    for item in _list(items):
        wamid, status = item.get("id"), item.get("status")
        recipient = status_recipient(item, phone_number_id, channel)
        if not (isinstance(wamid, str) and isinstance(status, str) and recipient):
            continue
        errors = [_error(e) for e in _list(item.get("errors"))]
        statuses.append(DeliveryStatus(
            identity=recipient[0], aliases=recipient[1],
            platform_message_id=wamid, status=status,
            timestamp=_float(item.get("timestamp")), error="; ".join(errors) or None))


def _id_change(message: Mapping[str, Any], phone_number_id: str,
               channel: str) -> Inbound | None:
    """A number or BSUID change, as a notice for the core (see ``Inbound.notice``)."""
    message_id = _str(message.get("id"))
    change = id_change(message, phone_number_id, channel)
    if message_id is None or change is None:
        log.info("whatsapp system message of type %r skipped",
                 _dict(message.get("system")).get("type"))
        return None
    return Inbound(identity=change.new, aliases=change.old, message_id=message_id,
                   notice="identity_changed",
                   sender=SenderHint(verified_phone=f"+{change.phone}" if change.phone
                                     else None),
                   raw=message)


def _message(message: Mapping[str, Any], contacts: Contacts,
             phone_number_id: str, channel: str) -> Inbound | None:
    message_id, kind = message.get("id"), message.get("type")
    who = sender(message, contacts, phone_number_id, channel)
    if who is None or not (isinstance(message_id, str) and message_id):
        log.info("whatsapp message without a sender id or message id skipped")
        return None
    text: str | None = None
    payload: str | None = None
    attachments: tuple[Attachment, ...] = ()
    content = _dict(message.get(kind)) if isinstance(kind, str) else {}
    if kind == "text":
        text = _str(content.get("body"))
    elif kind == "interactive":
        reply = _dict(content.get(str(content.get("type"))))
        payload, text = _str(reply.get("id")), _str(reply.get("title"))
    elif kind == "button":  # a quick-reply button of a template
        payload, text = _str(content.get("payload")), _str(content.get("text"))
    elif isinstance(kind, str) and kind in MEDIA:
        attachments = (Attachment(kind=MEDIA[kind], file_id=_str(content.get("id")),
                                  mime_type=_str(content.get("mime_type")),
                                  caption=_str(content.get("caption")),
                                  name=_str(content.get("filename"))),)
    elif kind == "location":
        attachments = (Attachment(kind="location", latitude=_float(content.get("latitude")),
                                  longitude=_float(content.get("longitude")),
                                  name=_str(content.get("name"))),)
    elif kind == "contacts":
        attachments = tuple(_contacts(message.get("contacts")))
    if text is None and payload is None and not attachments:
        log.info("whatsapp message of type %r skipped", kind)
        return None
    return Inbound(
        identity=who.identity, aliases=who.aliases,
        message_id=message_id, text=text, payload=payload, attachments=attachments,
        sender=_hint(who.name, who.username, who.phone),
        raw=message)


#: ``SenderHint``s handed out by ``_hint``, bounded like ``whatsapp_ids.identity``'s.
_HINTS: dict[tuple[str | None, str | None, str | None], SenderHint] = {}


def _hint(name: str | None, username: str | None, phone: str | None) -> SenderHint:
    """What Meta says of the sender (frozen, the same for each of their messages), shared
    between their messages. A phone number Meta sends with a message is the sender's own,
    verified by the platform; without one (a BSUID alone), nothing is vouched for."""
    key = (name, username, phone)
    known = _HINTS.get(key)
    if known is None:
        if len(_HINTS) >= IDENTITIES_KEPT:
            _HINTS.clear()
        known = _HINTS[key] = SenderHint(name=name, username=username,
                                         verified_phone=f"+{phone}" if phone else None)
    return known


def _error(error: Mapping[str, Any]) -> str:
    details = _dict(error.get("error_data")).get("details") or error.get("title")
    return f"{error.get('code')}: {details}"


def _contacts(value: object) -> Iterator[Attachment]:
    for card in _list(value):
        name = _str(_dict(card.get("name")).get("formatted_name"))
        for phone in _list(card.get("phones")):
            number = _str(phone.get("phone"))
            if number:
                # A shared card is someone's number, not proof of the sender's own.
                yield Attachment(kind="contact", phone=number, name=name, own_phone=False)


def _list(value: object) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):  # OverflowError: 10**400
        return 0.0
