"""Text as the built-in provider compares it: folded, without accents or punctuation, in
words. "¿Dónde está mi PEDIDO?" and "donde esta mi pedido" are the same to it, because
customers type both.

Folding runs on every free-text message, so ASCII text (most of it) is only lowered, and
accents come off one character at a time (``bot.accents``).
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.accents import without_accents

_WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Casefolded, accents removed ("Ñandú" → "nandu"), apostrophes joined ("I'd" → "id")."""
    folded = text.casefold()
    if folded.isascii():
        return folded.replace("'", "")
    return without_accents(folded).replace("'", "").replace("\u2019", "")


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order."""
    return _WORD.findall(fold(text))
