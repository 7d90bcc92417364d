"""Phone numbers in one form, E.164 ("+34600111222"), wherever they come from.

A number a platform vouches for (a Telegram contact, a WhatsApp sender) and one a customer
types must compare equal: they link customers and are looked up by hash, so there is one
normalisation, here.
"""

from __future__ import annotations

import re

_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_SEPARATORS = re.compile(r"[\s().\-]")


def to_e164(text: str) -> str | None:
    """E.164 for a number written or shared with its country code, else None.

    Spaces, dots, dashes and brackets are dropped; "00" is read as "+"; a number without
    "+" is taken as international (Telegram sends shared contacts' numbers without it). A
    number typed without its country code cannot be made E.164 and is refused.
    """
    digits = _SEPARATORS.sub("", text)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if not digits.startswith("+"):
        digits = "+" + digits
    return digits if _E164.match(digits) else None
