"""Only the new text of a reply: quoted history and signatures removed.

Mail clients quote the whole conversation below (or above) the customer's answer; if it
reached the flow, a reply "2" would arrive as "2 On Monday, Shop wrote: > Which size? ...".
This is a pure function of the text, so every client's shape has a test.
"""

from __future__ import annotations

import re

#: A line that introduces the quoted mail: "On Mon, 1 Dec 2026, Shop <s@x> wrote:",
#: the Spanish "El lun, 1 dic 2026, Shop escribió:", and their French and Portuguese kin.
_ATTRIBUTION = re.compile(
    r"^\s*(on\b.{0,300}\bwrote|el\b.{0,300}\bescribi[óo]|le\b.{0,300}\ba\s+[ée]crit"
    r"|em\b.{0,300}\bescreveu)\s*:\s*$", re.IGNORECASE)
#: Outlook's header block of the quoted mail: "From: ..." followed (within a few lines)
#: by "Sent: ..." / "Date: ..." (or "De:" / "Enviado:" / "Fecha:").
_OUTLOOK_FROM = re.compile(r"^\s*\**\s*(from|de)\s*:\**\s", re.IGNORECASE)
_OUTLOOK_SENT = re.compile(r"^\s*\**\s*(sent|date|enviado|fecha|to|para)\s*:", re.IGNORECASE)
_SEPARATOR = re.compile(
    r"^\s*(-{2,}\s*(original message|mensaje original)\s*-{2,}|_{10,}|-{10,})\s*$",
    re.IGNORECASE)
_MOBILE = re.compile(r"^\s*(sent from my|enviado desde mi)\b", re.IGNORECASE)


def strip_reply(text: str) -> str:
    """The customer's new text: everything before the quoted mail or the signature,
    without "> " lines, trimmed. Empty when the mail held nothing new."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        if _ends_new_text(line, lines[index + 1:index + 6]):
            break
        if line.lstrip().startswith(">"):
            continue  # quoted inline (bottom-posting keeps answers between quotes)
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def _ends_new_text(line: str, following: list[str]) -> bool:
    if line in ("-- ", "--"):  # the signature separator (RFC 3676 says "-- ")
        return True
    if _ATTRIBUTION.match(line) or _SEPARATOR.match(line) or _MOBILE.match(line):
        return True
    if _attribution_split(line, following):
        return True
    return bool(_OUTLOOK_FROM.match(line)) and any(_OUTLOOK_SENT.match(n) for n in following)


def _attribution_split(line: str, following: list[str]) -> bool:
    """Gmail wraps a long attribution over two lines: "On Mon, ... Shop <" / "s@x> wrote:"."""
    if not following:
        return False
    return bool(re.match(r"^\s*(on|el)\b", line, re.IGNORECASE)) and bool(
        _ATTRIBUTION.match(f"{line} {following[0]}"))
