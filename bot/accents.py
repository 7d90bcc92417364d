"""Accents taken off, one character at a time and remembered: what the built-in
understanding and the knowledge search both fold text with, on every free-text message.

ASCII text (most of it) is returned as it is; each other character is decomposed (NFKD)
once, its combining marks dropped, and the result kept: the same as decomposing the whole
text (the marks that canonical reordering moves are the ones removed), for a fraction of
the cost.
"""

from __future__ import annotations

import re
import unicodedata

_NOT_ASCII = re.compile(r"[^\x00-\x7f]")
_PLAIN: dict[str, str] = {}


def without_accents(text: str) -> str:
    """ "Ñandú" → "Nandu"; case and everything else kept."""
    if text.isascii():
        return text
    return _NOT_ASCII.sub(_plain, text)


def _plain(match: re.Match[str]) -> str:
    char = match.group()
    plain = _PLAIN.get(char)
    if plain is None:
        decomposed = unicodedata.normalize("NFKD", char)
        plain = "".join(c for c in decomposed if not unicodedata.combining(c))
        if len(_PLAIN) < 10_000:  # the characters people write: a few hundred
            _PLAIN[char] = plain
    return plain
