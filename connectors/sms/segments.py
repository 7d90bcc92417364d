"""How an SMS text is cut into segments, and long texts into messages (pure).

A text goes as GSM-7 when every character is in the GSM 03.38 alphabet (its extension
table's characters, such as ``€`` and ``{``, take two septets: an escape and the
character), else as UCS-2 (UTF-16 code units: a character outside the Basic Multilingual
Plane, such as most emoji, takes two). One segment holds 160 septets or 70 units; a
concatenated message loses room to its header: 153 septets or 67 units per segment, and
an escape pair or a surrogate pair is never split between two segments.

Twilio joins up to 1600 characters into one concatenated message, but carriers deliver
long ones less reliably and bill every segment: past ``max_segments`` a text is split at
paragraph, line or word boundaries into separate messages, each within both limits.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The GSM 03.38 default alphabet (the escape 0x1B excluded).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
#: The extension table: each of these costs an escape septet more.
GSM_EXTENDED = frozenset("\f^{}\\[~]|€")
#: Twilio's limit for one message's ``Body``.
MAX_BODY = 1600


@dataclass(frozen=True, slots=True)
class Encoding:
    name: str
    single: int  # units in a message of one segment
    multi: int  # units per segment of a concatenated message


GSM7 = Encoding("GSM-7", 160, 153)
UCS2 = Encoding("UCS-2", 70, 67)


def is_gsm7(text: str) -> bool:
    return all(c in GSM_BASIC or c in GSM_EXTENDED for c in text)


def encoding_of(text: str) -> Encoding:
    return GSM7 if is_gsm7(text) else UCS2


def _cost(char: str, encoding: Encoding) -> int:
    if encoding is GSM7:
        return 2 if char in GSM_EXTENDED else 1
    return 2 if ord(char) > 0xFFFF else 1


def body_length(text: str) -> int:
    """The length Twilio's 1600-character limit counts, taken as UTF-16 code units (an
    emoji counts twice: the safe side of the limit)."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def segment_count(text: str) -> int:
    """How many segments ``text`` takes (an empty text still takes one)."""
    encoding = encoding_of(text)
    costs = [_cost(c, encoding) for c in text]
    if sum(costs) <= encoding.single:
        return 1
    segments, used = 1, 0
    for cost in costs:
        if used + cost > encoding.multi:
            segments, used = segments + 1, 0
        used += cost
    return segments


def _fitting(text: str, encoding: Encoding, max_segments: int) -> int:
    """The length of the longest prefix of ``text`` that ``encoding`` holds in
    ``max_segments`` segments (``text`` is all encodable in it)."""
    costs = [_cost(c, encoding) for c in text]
    single, total = 0, 0
    for cost in costs:
        if total + cost > encoding.single:
            break
        total += cost
        single += 1
    if max_segments == 1 or single == len(text):
        return single
    segments, used = 1, 0
    for index, cost in enumerate(costs):
        if used + cost > encoding.multi:
            if segments == max_segments:
                return index
            segments, used = segments + 1, 0
        used += cost
    return len(text)


def fitting_prefix(text: str, max_segments: int) -> int:
    """The length of the longest prefix of ``text`` that fits one message: at most
    ``max_segments`` segments and ``MAX_BODY`` characters."""
    first_ucs2 = next((i for i, c in enumerate(text) if not is_gsm7(c)), len(text))
    # A prefix before the first non-GSM character goes as GSM-7, which always holds more
    # than UCS-2 would (even all extension characters: 153 / 2 > 67); a longer one must
    # go as UCS-2.
    as_gsm = _fitting(text[:first_ucs2], GSM7, max_segments)
    as_ucs2 = _fitting(text, UCS2, max_segments)
    longest = as_ucs2 if as_ucs2 > first_ucs2 else as_gsm
    return min(longest, _within_body(text))


def _within_body(text: str) -> int:
    """The length of the longest prefix of ``text`` within ``MAX_BODY``."""
    length = 0
    for index, char in enumerate(text):
        length += 2 if ord(char) > 0xFFFF else 1
        if length > MAX_BODY:
            return index
    return len(text)


def split_messages(text: str, max_segments: int) -> list[str]:
    """``text`` as one or more message bodies of at most ``max_segments`` segments and
    ``MAX_BODY`` characters each, cut at paragraph, line or word boundaries where there is
    one in the second half of the room; never an empty list."""
    if max_segments < 1:
        raise ValueError("max_segments must be at least 1")
    parts: list[str] = []
    rest = text
    while True:
        room = fitting_prefix(rest, max_segments)
        if room >= len(rest):
            break
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = rest.rfind(separator, 0, room + 1)
            if cut > room // 2:
                break
        if cut <= room // 2:
            cut = room  # no boundary worth waiting for: a hard cut
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if head:
            parts.append(head)
    if rest or not parts:
        parts.append(rest)
    return parts
