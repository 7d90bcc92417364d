"""One received mail, read: who wrote, what is new in it, what it answers, and whether
it is a person at all (auto-replies and bounces never start a turn).

Pure functions of the raw bytes, so recorded mails and a fuzzer can drive them. Anything
the standard library cannot make sense of raises ``MalformedMail``, and only that.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from connectors.email.stripping import strip_reply

_MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")
_SUBJECT_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|rv|res)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_AUTO_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
#: An address we can write back to: no spaces, brackets or control characters (a header
#: built from anything else could be refused, or carry a second header).
_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"\\]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z0-9-]{2,63}")


class MalformedMail(ValueError):
    """The bytes are not a mail we can read (logged and skipped, never a crash)."""


@dataclass(frozen=True, slots=True)
class Bounce:
    """A delivery status notification about one of our mails."""

    recipient: str
    status: str
    #: The Message-ID of our mail that bounced (from the returned headers), when given.
    original_message_id: str | None

    @property
    def hard(self) -> bool:
        """5.x.x: permanent; the address will not work if tried again."""
        return self.status.startswith("5")


@dataclass(frozen=True, slots=True)
class Mail:
    message_id: str
    sender: str
    sender_name: str | None
    subject: str
    #: The new text only: quoted history and signature removed, cut to the limit.
    text: str
    in_reply_to: str | None
    references: tuple[str, ...]
    recipients: tuple[str, ...]
    attachments: tuple[tuple[str | None, str], ...] = ()  # (file name, content type)
    #: Why this mail is not from a person ("auto-submitted", "precedence"...), or None.
    automatic: str | None = None
    bounces: tuple[Bounce, ...] = field(default=())


def read_mail(raw: bytes, *, max_text_chars: int = 8000) -> Mail:
    """Read one mail; ``MalformedMail`` when it cannot be read."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        return _read(message, raw, max_text_chars)
    except MalformedMail:
        raise
    except Exception as exc:  # the stdlib's parser raises nearly anything on bad input
        raise MalformedMail(f"unreadable mail: {type(exc).__name__}: {exc}") from exc


def _read(message: Message, raw: bytes, max_text_chars: int) -> Mail:
    sender_name, sender = parseaddr(str(message.get("From", "")))
    if not _ADDRESS.fullmatch(sender):
        raise MalformedMail("no usable sender address in From")
    subject = " ".join(str(message.get("Subject", "")).split())[:300]
    bounces = _bounces(message)
    text = strip_reply(_body_text(message))
    if not text:
        text = _SUBJECT_PREFIX.sub("", subject).strip()
    return Mail(
        message_id=_message_id(message, raw),
        sender=sender.lower(), sender_name=sender_name or None, subject=subject,
        text=text[:max_text_chars],
        in_reply_to=_first_id(message.get("In-Reply-To")),
        references=tuple(_MESSAGE_ID.findall(str(message.get("References", ""))))[-20:],
        recipients=tuple(a.lower() for _, a in getaddresses(
            [str(v) for v in (message.get_all("To") or []) + (message.get_all("Cc") or [])])
            if "@" in a),
        attachments=_attachments(message),
        automatic="bounce" if bounces or _is_report(message) else _automatic(message),
        bounces=bounces,
    )


def _message_id(message: Message, raw: bytes) -> str:
    """The platform message id (the dedupe key): the Message-ID, or for a mail without
    one a digest of its bytes, which is stable across redeliveries."""
    found = _first_id(message.get("Message-ID"))
    return found or f"<sha256.{hashlib.sha256(raw).hexdigest()[:40]}@omnicanal.invalid>"


def _first_id(value: object) -> str | None:
    match = _MESSAGE_ID.search(str(value or ""))
    return match.group(0) if match else None


def _automatic(message: Message) -> str | None:
    auto = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return "auto-submitted"
    if message.get("X-Autoreply") is not None or message.get("X-Autorespond") is not None:
        return "x-autoreply"
    if str(message.get("Precedence", "")).strip().lower() in _AUTO_PRECEDENCE:
        return "precedence"
    return None


def _is_report(message: Message) -> bool:
    return (message.get_content_type() == "multipart/report"
            and str(message.get_param("report-type", "")).lower() == "delivery-status")


def _bounces(message: Message) -> tuple[Bounce, ...]:
    """The failed recipients of a DSN (RFC 3464), with our mail's Message-ID."""
    if not _is_report(message):
        return ()
    original: str | None = None
    groups: list[Message] = []
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            groups.extend(g for g in part.get_payload() if isinstance(g, Message))
        elif kind in ("message/rfc822", "text/rfc822-headers") and original is None:
            original = _returned_id(part)
    found = []
    for group in groups:
        action = str(group.get("Action", "")).strip().lower()
        status = str(group.get("Status", "")).strip()
        recipient = str(group.get("Final-Recipient", "")).partition(";")[2].strip().lower()
        if action == "failed" and recipient and re.match(r"^[245]\.\d{1,3}\.\d{1,3}", status):
            found.append(Bounce(recipient=recipient, status=status,
                                original_message_id=original))
    return tuple(found)


def _returned_id(part: Message) -> str | None:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        first = inner[0] if isinstance(inner, list) and inner else None
        return _first_id(first.get("Message-ID")) if isinstance(first, Message) else None
    headers = email.message_from_string(str(part.get_payload(decode=False)),
                                        policy=email.policy.default)
    return _first_id(headers.get("Message-ID"))


def _body_text(message: Message) -> str:
    if not isinstance(message, EmailMessage) or _is_report(message):
        return ""
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    content = body.get_content() if isinstance(body, EmailMessage) else ""
    if not isinstance(content, str):
        return ""
    return html_to_text(content) if body.get_content_type() == "text/html" else content


def _attachments(message: Message) -> tuple[tuple[str | None, str], ...]:
    if not isinstance(message, EmailMessage):
        return ()
    return tuple((part.get_filename(), part.get_content_type())
                 for part in message.iter_attachments())[:20]


class _TextOfHtml(HTMLParser):
    _BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._quote = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        if tag == "blockquote":
            self._quote += 1
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self._skip = max(self._skip - 1, 0)
        if tag == "blockquote":
            self._quote = max(self._quote - 1, 0)
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip and not self._quote:  # a blockquote is the quoted mail
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The readable text of an HTML body, without scripts, styles and quoted mail."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
