"""One-time link codes: shown as ``XXXX-XXXX`` from an alphabet without look-alikes.

31 symbols (no 0/O, 1/I/L) over 8 positions: about 8.5e11 codes. With codes living
10 minutes and 5 wrong tries per identity per 15 minutes, guessing is hopeless. Codes are
stored only as a keyed hash (HMAC-SHA256 with a server secret): the plain code exists in
the message the customer was shown, and a dump of the store cannot be reversed into codes
by hashing all 8.5e11 of them without the secret.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8

_CANDIDATE = re.compile(
    rf"^\s*(?:/start\s+|link\s+|vincular\s+)?([{ALPHABET}{ALPHABET.lower()}]{{4}})"
    rf"[\s-]?([{ALPHABET}{ALPHABET.lower()}]{{4}})\s*$"
)


def new_code() -> str:
    """A fresh code from a secure random source, without the dash."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def display(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def extract(text: str | None) -> str | None:
    """The code in a message ("abcd-2345", "ABCD2345", "/start ABCD2345"), normalised,
    or None when the message is not a code."""
    if not text:
        return None
    match = _CANDIDATE.match(text)
    return (match.group(1) + match.group(2)).upper() if match else None
