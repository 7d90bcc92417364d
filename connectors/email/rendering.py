"""Our replies as mails: a text part and an HTML part from the same text, the threading
headers that keep them in the customer's thread, and Message-IDs we can recognise.

The core's renderer has already turned choices into a numbered list (the channel declares
no buttons), so "2" typed in a reply picks the second choice; here the list becomes an
``<ol>`` in the HTML part with the same numbers. Everything is escaped before links are
made clickable.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import re
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, localtime

_NUMBERED = re.compile(r"^(\d{1,3})\.\s+(.*)$")
_LINK = re.compile(r"(https?://[^\s<>\"']+|mailto:[^\s<>\"']+)")
_REPLY_PREFIX = re.compile(r"^\s*re\s*:", re.IGNORECASE)
MAX_REFERENCES = 10


@dataclass(frozen=True, slots=True)
class Thread:
    """What our next mail to a customer answers: their last mail's id and subject."""

    message_id: str
    subject: str
    references: tuple[str, ...] = ()

    def dumps(self) -> str:
        return json.dumps({"id": self.message_id, "subject": self.subject,
                           "refs": list(self.references[-MAX_REFERENCES:])})

    @classmethod
    def loads(cls, raw: str) -> Thread:
        data = json.loads(raw)
        return cls(message_id=str(data["id"]), subject=str(data["subject"]),
                   references=tuple(str(r) for r in data.get("refs", ())))


class MessageIds:
    """Our Message-IDs: the same for every retry of one reply (derived from its key, so a
    resent mail is recognised by the customer's client), and signed for the recipient, so
    a bounce is believed only when it returns a mail we really sent to that address."""

    def __init__(self, *, secret: str, domain: str) -> None:
        self._secret = secret.encode()
        self.domain = domain

    def make(self, key: str, recipient: str) -> str:
        token = hashlib.sha256(key.encode()).hexdigest()[:24]
        return f"<{token}.{self._sign(token, recipient)}@{self.domain}>"

    def ours(self, message_id: str, recipient: str) -> bool:
        match = re.fullmatch(r"<([0-9a-f]{24})\.([0-9a-f]{16})@([^>]+)>", message_id)
        if match is None or match.group(3) != self.domain:
            return False
        return hmac.compare_digest(match.group(2), self._sign(match.group(1), recipient))

    def _sign(self, token: str, recipient: str) -> str:
        mac = hmac.new(self._secret, f"{token}|{recipient.lower()}".encode(), hashlib.sha256)
        return mac.hexdigest()[:16]


def build_mail(*, sender: Address, to: str, text: str, message_id: str,
               thread: Thread | None, default_subject: str,
               automatic: bool = True) -> EmailMessage:
    """One reply, ready for SMTP. ``automatic``: written by the bot, not by a person."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = reply_subject(thread.subject) if thread else default_subject
    mail["Message-ID"] = message_id
    mail["Date"] = format_datetime(localtime())
    if automatic:
        # The bot's answers are automatic (RFC 3834): an out-of-office robot must not answer
        # them, which also breaks loops between it and us. An operator writes as a person.
        mail["Auto-Submitted"] = "auto-replied"
    if thread is not None:
        mail["In-Reply-To"] = thread.message_id
        refs = [*thread.references, thread.message_id][-MAX_REFERENCES:]
        mail["References"] = " ".join(dict.fromkeys(refs))
    mail.set_content(text)
    mail.add_alternative(html_body(text), subtype="html")
    return mail


def reply_subject(subject: str) -> str:
    subject = subject.strip() or "(no subject)"
    return subject if _REPLY_PREFIX.match(subject) else f"Re: {subject}"


def html_body(text: str) -> str:
    """The HTML part: paragraphs, numbered lists as ``<ol>``, links clickable."""
    blocks = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        lines = paragraph.split("\n")
        items = [_NUMBERED.match(line.strip()) for line in lines]
        if all(items):
            start = items[0].group(1) if items[0] else "1"
            rows = "".join(f"<li>{_inline(m.group(2))}</li>" for m in items if m)
            blocks.append(f'<ol start="{start}">{rows}</ol>')
        else:
            blocks.append("<p>" + "<br>\n".join(_inline(line) for line in lines) + "</p>")
    return ("<!DOCTYPE html>\n<html><body style=\"font-family: sans-serif\">\n"
            + "\n".join(blocks) + "\n</body></html>\n")


def _inline(line: str) -> str:
    escaped = html.escape(line, quote=True)
    return _LINK.sub(lambda m: f'<a href="{m.group(1)}">{m.group(1)}</a>', escaped)
