"""Twilio's webhook parameters → ``Inbound`` and ``DeliveryStatus`` (pure).

Twilio posts form fields: ``MessageSid``, ``AccountSid``, ``From``, ``To``, ``Body``,
``NumMedia`` with ``MediaUrl<n>`` / ``MediaContentType<n>``, ``MessagingServiceSid``,
and ``OptOutType`` (STOP, START, HELP) where a Messaging Service has Advanced Opt-Out.
Status callbacks carry ``MessageSid``, ``MessageStatus`` and, on failure, ``ErrorCode``.
A message for another account, number or service, or from a sender that is not a phone
number (``whatsapp:...``, ``rcs:...``: other channels on the same webhook), is skipped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass

from bot.channels import DeliveryStatus
from bot.messages import Attachment, AttachmentKind, ConsentChange, Identity, Inbound, SenderHint
from bot.phones import to_e164
from connectors.sms.settings import SmsSettings

log = logging.getLogger(__name__)

#: Twilio attaches at most 10 media to one MMS.
MAX_MEDIA = 10
MEDIA_KINDS: dict[str, AttachmentKind] = {"image": "image", "video": "video", "audio": "audio"}


@dataclass(frozen=True, slots=True)
class Addressing:
    """What a delivery must be addressed to, and how identities are named."""

    channel: str
    account_sid: str
    #: Our side of the identities (the Messaging Service, else the number).
    account: str
    phone_number: str | None
    messaging_service_sid: str | None
    opt_out: frozenset[str]
    opt_in: frozenset[str]
    consents: tuple[str, ...]

    @classmethod
    def of(cls, channel: str, settings: SmsSettings) -> Addressing:
        return cls(channel=channel, account_sid=settings.account_sid, account=settings.account,
                   phone_number=settings.phone_number,
                   messaging_service_sid=settings.messaging_service_sid,
                   opt_out=frozenset(settings.opt_out_keywords),
                   opt_in=frozenset(settings.opt_in_keywords),
                   consents=tuple(settings.keyword_consents))

    def ours(self, fields: Mapping[str, str], our_side: str) -> bool:
        """Whether a delivery is for this account and our number or service (``our_side``
        names the field with our number: ``To`` inbound, ``From`` in a status)."""
        if fields.get("AccountSid") != self.account_sid:
            return False
        service = fields.get("MessagingServiceSid")
        if self.messaging_service_sid is not None and service == self.messaging_service_sid:
            return True
        return self.phone_number is not None and fields.get(our_side) == self.phone_number


def is_e164(number: str) -> bool:
    """Exactly a number in E.164 (what Twilio sends for a phone): the identity's key."""
    return number.startswith("+") and to_e164(number) == number


def parse_message(fields: Mapping[str, str], addressing: Addressing) -> Inbound | None:
    """The customer's message in an incoming-message webhook, or None to skip it."""
    sid, sender, body = fields.get("MessageSid", ""), fields.get("From", ""), fields.get("Body")
    if not (sid.startswith(("SM", "MM")) and is_e164(sender)):
        log.info("%s: webhook without a message id or a phone number sender skipped",
                 addressing.channel)
        return None
    if not addressing.ours(fields, "To"):
        log.info("%s: message for another account, number or service skipped",
                 addressing.channel)
        return None
    attachments = _media(fields)
    text = body if body and body.strip() else None
    if text is None and not attachments:
        log.info("%s: empty message skipped", addressing.channel)
        return None
    return Inbound(
        identity=Identity(channel=addressing.channel, account=addressing.account,
                          user_id=sender),
        message_id=sid, text=text, attachments=attachments,
        # The carrier delivered it from this number: it vouches the sender holds it.
        sender=SenderHint(verified_phone=sender),
        consent=consent_change(text, fields.get("OptOutType"), addressing),
        raw=dict(fields))


def consent_change(text: str | None, opt_out_type: str | None,
                   addressing: Addressing) -> ConsentChange | None:
    """What a carrier keyword decides: a whole message that is an opt-out keyword (any
    case, spaces around ignored), or Twilio's own ``OptOutType=STOP`` (its localised or
    custom keywords), withdraws; an opt-in keyword gives. ``OptOutType=START`` alone gives
    nothing: Twilio counts "YES" among them, which also answers questions."""
    if not addressing.consents:
        return None
    word = " ".join((text or "").split()).upper()
    if word in addressing.opt_out or (opt_out_type or "").upper() == "STOP":
        return ConsentChange(granted=False, purposes=addressing.consents,
                             keyword=word or "STOP")
    if word in addressing.opt_in:
        return ConsentChange(granted=True, purposes=addressing.consents, keyword=word)
    return None


def parse_status(fields: Mapping[str, str], addressing: Addressing) -> DeliveryStatus | None:
    """A status callback about one of our messages, or None to skip it."""
    sid, status, to = (fields.get("MessageSid", ""), fields.get("MessageStatus", ""),
                       fields.get("To", ""))
    if not (sid and status.isalpha() and is_e164(to)) or not addressing.ours(
            fields, "From"):
        log.info("%s: status callback not about one of our messages skipped",
                 addressing.channel)
        return None
    code = fields.get("ErrorCode")
    error = None
    if code:
        message = fields.get("ErrorMessage")
        error = f"{code}: {message}" if message else code
    return DeliveryStatus(
        identity=Identity(channel=addressing.channel, account=addressing.account, user_id=to),
        platform_message_id=sid, status=status.lower(), timestamp=time.time(), error=error)


def _media(fields: Mapping[str, str]) -> tuple[Attachment, ...]:
    try:
        count = min(int(fields.get("NumMedia") or 0), MAX_MEDIA)
    except ValueError:
        return ()
    found: list[Attachment] = []
    for index in range(count):
        url = fields.get(f"MediaUrl{index}")
        if not url or not url.startswith(("https://", "http://")):
            continue
        mime = fields.get(f"MediaContentType{index}") or None
        kind = MEDIA_KINDS.get((mime or "").split("/", 1)[0], "file")
        found.append(Attachment(kind=kind, url=url, mime_type=mime))
    return tuple(found)
